"""Aftercare writes: a session's timeline and the reminders it owes, appointment reminders for scheduling,
cancellation, patients' check-ins and the clinic's review of them. Each write in one transaction."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from needlecare.aftercare import reach, signs, timeline
from needlecare.aftercare.models import (
    AftercareTimeline,
    Channel,
    CheckIn,
    Kind,
    Reminder,
    State,
)
from needlecare.audit.services import record_event
from needlecare.clinics.models import Clinic
from needlecare.core.clock import clinic_today, clinic_zone
from needlecare.core.errors import Refused
from needlecare.core.months import add_months_never_shorter
from needlecare.patients.models import Patient
from needlecare.protocols.selectors import current_protocol
from needlecare.treatments.models import Treatment

CHECKIN_DAYS = (1, 3, 7)
# Local clock times: the day's aftercare message in the morning, a check-in nudge in the evening.
AFTERCARE_AT = time(9, 0)
CHECKIN_NUDGE_AT = time(18, 0)
MAINTENANCE_AT = time(10, 0)
# No message reaches a patient between these local hours; it waits for the morning.
QUIET_FROM = time(21, 0)
QUIET_UNTIL = time(8, 0)


# ------------------------------------------------------------------------------------------------------
# Time in the clinic's zone
# ------------------------------------------------------------------------------------------------------


def local_moment(clinic: Clinic, day: date, at: time) -> datetime:
    """``day`` at ``at`` on the clinic's clock, as an aware datetime."""
    return datetime.combine(day, at, tzinfo=clinic_zone(clinic))


def out_of_quiet_hours(clinic: Clinic, moment: datetime) -> datetime:
    """``moment``, or the next 08:00 on the clinic's clock if it falls in quiet hours (21:00-08:00)."""
    tz = clinic_zone(clinic)
    local = moment.astimezone(tz)
    if local.time() >= QUIET_FROM:
        return datetime.combine(local.date() + timedelta(days=1), QUIET_UNTIL, tzinfo=tz)
    if local.time() < QUIET_UNTIL:
        return datetime.combine(local.date(), QUIET_UNTIL, tzinfo=tz)
    return moment


def in_quiet_hours(clinic: Clinic, moment: datetime) -> bool:
    return out_of_quiet_hours(clinic, moment) != moment


# ------------------------------------------------------------------------------------------------------
# Reminders
# ------------------------------------------------------------------------------------------------------


def _channels(patient: Patient, *, both: bool = False) -> list[str]:
    """E-mail when we have an address, else SMS; appointment reminders go by both when we can."""
    found = [c for c, ok in ((Channel.EMAIL, patient.email), (Channel.SMS, patient.phone)) if ok]
    return found if both else found[:1]


def queue_reminder(
    *,
    patient: Patient,
    kind: str,
    channel: str,
    key: str,
    due_at: datetime,
    subject: Any = None,
    context: dict[str, Any] | None = None,
    quiet_hours: bool = True,
    revive: bool = False,
) -> Reminder:
    """Store one reminder under its idempotency key; asking twice gives the same row. With ``revive``,
    a cancelled one is queued again (an appointment moved away and back to the same time)."""
    clinic = patient.clinic
    existing = Reminder.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if revive and existing.state == State.CANCELLED:
            send_after = out_of_quiet_hours(clinic, due_at) if quiet_hours else due_at
            Reminder.objects.filter(pk=existing.pk, state=State.CANCELLED).update(
                state=State.PENDING, due_at=due_at, send_after=send_after, last_error=""
            )
            existing.refresh_from_db()
            transaction.on_commit(_wake_sender, robust=True)
        return existing
    reminder = Reminder(
        clinic=clinic,
        patient=patient,
        kind=kind,
        channel=channel,
        idempotency_key=key,
        subject_type=subject._meta.model_name if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        context=context or {},
        due_at=due_at,
        send_after=out_of_quiet_hours(clinic, due_at) if quiet_hours else due_at,
    )
    try:
        with transaction.atomic():
            reminder.save()
    except IntegrityError:
        # Queued a moment ago by someone else: the key decided, and theirs stands.
        return Reminder.objects.get(idempotency_key=key)
    transaction.on_commit(_wake_sender, robust=True)  # a failure to wake is logged, not raised
    return reminder


def _wake_sender() -> None:
    from needlecare.aftercare.tasks import ensure_sender_scheduled

    ensure_sender_scheduled()


def cancel_reminders_for(obj: Any, *, kinds: list[str] | None = None) -> int:
    """Cancel every reminder about ``obj`` that has not gone yet (a cancelled appointment, say).

    A reminder being sent at this very moment is cancelled too: the sender checks its state before
    it marks it sent, but a message already on the wire cannot be called back.
    """
    pending = Reminder.objects.filter(
        subject_type=obj._meta.model_name, subject_id=str(obj.pk), state__in=[State.PENDING, State.SENDING]
    )
    if kinds:
        pending = pending.filter(kind__in=kinds)
    return pending.update(state=State.CANCELLED, lease_until=None, last_error="cancelled")


def schedule_appointment_reminder(appointment: Any, *, starts_at: datetime | None = None) -> list[Reminder]:
    """The 24-hour reminder for a booked appointment (by e-mail and SMS where the patient has both).

    ``appointment`` needs ``pk``, ``patient`` and ``starts_at`` (an aware datetime; or pass
    ``starts_at``). A moved appointment: call this again; reminders for the old time are cancelled and
    new ones queued (the key includes the start time). Nothing is queued for a time already past.
    """
    starts_at = starts_at or appointment.starts_at
    patient = appointment.patient
    stamp = starts_at.astimezone(zoneinfo.ZoneInfo("UTC")).strftime("%Y%m%dT%H%M")
    with transaction.atomic():
        stale = Reminder.objects.filter(
            subject_type=appointment._meta.model_name,
            subject_id=str(appointment.pk),
            kind=Kind.APPOINTMENT_24H,
            state=State.PENDING,
        ).exclude(idempotency_key__contains=f":{stamp}:")
        stale.update(state=State.CANCELLED, last_error="appointment moved")
        if starts_at <= timezone.now():
            return []
        due = max(starts_at - timedelta(hours=24), timezone.now())
        return [
            queue_reminder(
                patient=patient,
                kind=Kind.APPOINTMENT_24H,
                channel=channel,
                key=f"appointment_24h:{appointment.pk}:{stamp}:{channel}",
                due_at=due,
                subject=appointment,
                context={"starts_at": starts_at.isoformat()},
                revive=True,
            )
            for channel in _channels(patient, both=True)
        ]


# Appointments booked later than this before they start get no "see you tomorrow" message.
APPOINTMENT_NOTICE_MIN = timedelta(hours=12)
# Statuses after which an appointment needs no reminder (scheduling.Status values).
NO_REMINDER_STATUSES = {"cancelled", "checked_in", "completed", "no_show"}


def on_appointment_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """Keep an appointment's reminders in step with it (scheduling saves every change with save()):
    booked or moved, the 24-hour reminder for its current time; cancelled or past, none."""
    if raw:
        return
    if getattr(instance, "status", "") in NO_REMINDER_STATUSES:
        cancel_reminders_for(instance, kinds=[Kind.APPOINTMENT_24H])
        return
    if instance.starts_at - timezone.now() < APPOINTMENT_NOTICE_MIN:
        cancel_reminders_for(instance, kinds=[Kind.APPOINTMENT_24H])
        return
    schedule_appointment_reminder(instance)


def _schedule_aftercare_reminders(record: AftercareTimeline) -> None:
    """Day 1, 3 and 7 messages and check-in requests; none whose time has passed (a session recorded
    days later gets no "day 1" message on day 4)."""
    treatment, patient = record.treatment, record.patient
    # Keyed by the patient and the day of treatment, not the session row: even a duplicated session
    # could not make a patient receive a message twice.
    course = f"{patient.pk}:{record.starts_on.isoformat()}"
    steps = timeline.steps_from(record.steps)
    now = timezone.now()
    for day in CHECKIN_DAYS:
        # The step that starts on day 1, 3 or 7 (later, when deep treatment lengthens the steps).
        shifted = day + record.extra_days if day > 0 else 0
        step = timeline.step_on(steps, shifted)
        if step is None:
            continue
        message_at = local_moment(record.clinic, record.starts_on + timedelta(days=shifted), AFTERCARE_AT)
        nudge_at = local_moment(record.clinic, record.starts_on + timedelta(days=day), CHECKIN_NUDGE_AT)
        for channel in _channels(patient):
            if message_at > now:
                queue_reminder(
                    patient=patient,
                    kind=f"aftercare_day{day}",
                    channel=channel,
                    key=f"aftercare_day{day}:{course}:{channel}",
                    due_at=message_at,
                    subject=treatment,
                    context={"day": shifted},
                )
            if nudge_at > now:
                queue_reminder(
                    patient=patient,
                    kind=Kind.CHECKIN_REQUEST,
                    channel=channel,
                    key=f"checkin_request:{course}:day{day}:{channel}",
                    due_at=nudge_at,
                    subject=treatment,
                    context={"day": day},
                )


def _schedule_maintenance(treatment: Treatment) -> None:
    """When a session completes its plan's series, the maintenance message for the plan's interval."""
    patient = treatment.patient
    Reminder.objects.filter(
        patient=patient, kind=Kind.MAINTENANCE_DUE, state__in=[State.PENDING, State.SENDING]
    ).update(state=State.CANCELLED, last_error="a later session")
    plan = treatment.plan
    if plan is None or not plan.maintenance_months:
        return
    done = Treatment.objects.filter(plan=plan).count()
    if done < plan.sessions:
        return
    due_on = add_months_never_shorter(treatment.performed_on, plan.maintenance_months)
    if local_moment(treatment.clinic, due_on, MAINTENANCE_AT) <= timezone.now():
        return  # long past (a series entered after the fact): the practitioner books it directly
    for channel in _channels(patient):
        queue_reminder(
            patient=patient,
            kind=Kind.MAINTENANCE_DUE,
            channel=channel,
            key=f"maintenance_due:{treatment.pk}:{channel}",
            due_at=local_moment(treatment.clinic, due_on, MAINTENANCE_AT),
            subject=treatment,
            context={"months": plan.maintenance_months, "last_session": treatment.performed_on.isoformat()},
        )


# ------------------------------------------------------------------------------------------------------
# The timeline
# ------------------------------------------------------------------------------------------------------


def on_session_recorded(sender: Any, treatment: Treatment, by: Any, request: Any, **kwargs: Any) -> None:
    """treatments.signals.session_recorded: the new session's aftercare, in the session's transaction."""
    create_aftercare(treatment=treatment, by=by, request=request)


def create_aftercare(*, treatment: Treatment, by: Any = None, request: Any = None) -> AftercareTimeline:
    """The session's aftercare timeline from the clinic's protocol, and the reminders it owes.

    Called when ``record_treatment`` records a session, inside its transaction; idempotent (a second
    call returns the first).
    """
    existing = AftercareTimeline.objects.filter(treatment=treatment).first()
    if existing is not None:
        return existing
    version, protocol = current_protocol(treatment.clinic)
    depths = [zone.depth_mm for zone in treatment.zones.all()]
    deepest = max(depths) if depths else 0
    built = timeline.build(protocol.aftercare, float(deepest))
    with transaction.atomic():
        record = AftercareTimeline.objects.create(
            treatment=treatment,
            clinic=treatment.clinic,
            patient=treatment.patient,
            protocol=version,
            starts_on=treatment.performed_on,
            deepest_mm=deepest,
            extra_days=built.extra_days,
            steps=[step.as_dict() for step in built.steps],
            notes=built.notes,
        )
        _schedule_aftercare_reminders(record)
        _schedule_maintenance(treatment)
        record_event(
            clinic=treatment.clinic,
            user=by,
            action="aftercare.create",
            obj=record,
            patient_id=treatment.patient_id,
            request=request,
            detail={"protocol": version.short_hash, "extra_days": built.extra_days},
        )
    return record


# ------------------------------------------------------------------------------------------------------
# Check-ins
# ------------------------------------------------------------------------------------------------------

ANSWER_FIELDS = (
    "redness",
    "swelling",
    "pain",
    "getting_worse",
    "warmth",
    "pus",
    "fever",
    "spreading_redness",
    "blisters_or_cold_sores",
    "rash_or_itching",
    "darkening",
)


def checkin_day_due(treatment: Treatment, today: date) -> int | None:
    """The check-in day (1, 3 or 7) the patient can answer today: the latest one reached, until day 14."""
    elapsed = (today - treatment.performed_on).days
    if elapsed < CHECKIN_DAYS[0] or elapsed > 14:
        return None
    return max(day for day in CHECKIN_DAYS if day <= elapsed)


class CheckInRefused(Refused, ValidationError):
    """The check-in cannot be taken (the day, the photo); each reason by its field."""


def submit_checkin(
    *,
    treatment: Treatment,
    day: int,
    answers: dict[str, Any],
    by: Any = "patient (portal)",
    photo: Any = None,
    request: Any = None,
    today: date | None = None,
) -> CheckIn:
    """Store the patient's check-in (and its optional photo); warning signs alert the clinic (the
    dashboard and an e-mail)."""
    today = today or clinic_today(treatment.clinic)
    if day not in CHECKIN_DAYS:
        raise CheckInRefused({"day": "Check-ins are on day 1, 3 and 7."})
    if (today - treatment.performed_on).days < day:
        raise CheckInRefused({"day": f"The day {day} check-in opens {day} days after your session."})
    previous = CheckIn.objects.filter(treatment=treatment, day__lt=day).order_by("-day").first()
    data = {name: answers[name] for name in ANSWER_FIELDS if name in answers}
    found = signs.warning_signs(
        signs.Answers(day=day, **data),
        signs.Answers(day=previous.day, **{n: getattr(previous, n) for n in ANSWER_FIELDS})
        if previous
        else None,
    )
    checkin = CheckIn(
        clinic=treatment.clinic,
        patient=treatment.patient,
        treatment=treatment,
        day=day,
        notes=str(answers.get("notes", ""))[:2000],
        warning_signs=found,
        **data,
    )
    checkin.full_clean(exclude=["treatment", "patient", "clinic", "photo"], validate_unique=False)
    if CheckIn.objects.filter(treatment=treatment, day=day).exists():
        raise CheckInRefused({"day": f"The day {day} check-in was already sent."})
    try:
        with transaction.atomic():
            if photo is not None:
                checkin.photo = _store_photo(treatment, day, photo, today, request)
            checkin.save()
            record_event(
                clinic=treatment.clinic,
                user=by,
                action="checkin.submit",
                obj=checkin,
                patient_id=treatment.patient_id,
                request=request,
                detail={"day": day, "warning_signs": len(found)},
            )
            if found and treatment.clinic.email:
                queue_reminder(
                    patient=treatment.patient,
                    kind=Kind.CHECKIN_ALERT,
                    channel=Channel.EMAIL,
                    key=f"checkin_alert:{checkin.pk}",
                    due_at=timezone.now(),
                    subject=checkin,
                    context={"day": day},
                    quiet_hours=False,  # to the clinic's inbox, not a patient's phone
                )
    except IntegrityError:
        raise CheckInRefused({"day": f"The day {day} check-in was already sent."}) from None
    return checkin


def _store_photo(treatment: Treatment, day: int, upload: Any, today: date, request: Any) -> Any:
    """The check-in photo, through the clinic's photo pipeline (type from content, re-encoded, EXIF and
    GPS stripped, private storage). Raises CheckInRefused naming the problem."""
    zone = treatment.zones.order_by("id").values_list("zone", flat=True).first() or ""
    try:
        return reach.store_photo(
            patient=treatment.patient,
            by=None,
            upload=upload,
            view="front",
            zone=zone,
            taken_on=today,
            treatment_id=treatment.pk,
            note=f"Sent by the patient with the day {day} check-in.",
            request=request,
        )
    except reach.PhotoNotTaken as refused:
        raise CheckInRefused({"photo": str(refused)}) from None


def review_checkin(*, checkin: CheckIn, by: Any, request: Any = None) -> CheckIn:
    """A practitioner has seen the warning signs and acted (called the patient)."""
    with transaction.atomic():
        updated = CheckIn.objects.filter(pk=checkin.pk, reviewed_at__isnull=True).update(
            reviewed_at=timezone.now(), reviewed_by=by
        )
        if updated:
            record_event(
                clinic=checkin.clinic,
                user=by,
                action="checkin.review",
                obj=checkin,
                patient_id=checkin.patient_id,
                request=request,
            )
    checkin.refresh_from_db()
    return checkin
