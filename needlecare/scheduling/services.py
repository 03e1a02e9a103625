"""Every write to the calendar: book, move, cancel, check in, no-show, series from a plan, calendar feeds.

No double booking: the check and the insert run in one transaction. On SQLite the transaction is
IMMEDIATE (settings), so writers queue and the check sees every committed booking; on PostgreSQL two
bookings may both pass the check, and the exclusion constraints (migration 0002) let only one commit.
Either way the loser gets SlotTaken ("slot taken", 409 in the API).
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from needlecare.audit.services import record_event
from needlecare.clinics.models import Clinic
from needlecare.core.errors import Refused
from needlecare.patients.models import Patient
from needlecare.plans.models import PlanStatus, TreatmentPlan
from needlecare.scheduling import selectors
from needlecare.scheduling.models import (
    DEFAULT_TYPES,
    Appointment,
    AppointmentType,
    CalendarFeed,
    Device,
    Room,
    Status,
    TypeCode,
    hash_token,
)
from needlecare.scheduling.selectors import Availability, local_day
from needlecare.screening.services import clinic_today
from needlecare.treatments.models import Treatment

MAX_DAYS_AHEAD = 2 * 365  # nobody books further ahead; also bounds the work a request can ask for


class BookingRefused(Refused, ValidationError):
    """A rule of the calendar says no (API: 409 `refused`): each reason names its field."""

    status, code = 409, "refused"

    def summary(self) -> str:
        return " ".join(" ".join(messages) for messages in self.fields.values())

    def answer(self) -> dict[str, Any]:
        reasons = {field: " ".join(messages) for field, messages in self.fields.items()}
        return {**super().answer(), "reasons": reasons}


class SlotTaken(Refused):
    """Someone or something needed is already booked then (API: 409 `slot_taken`)."""

    status, code = 409, "slot_taken"

    def __init__(self, message: str = "Slot taken: it was booked a moment ago; choose another time.") -> None:
        super().__init__(message)

    def answer(self) -> dict[str, Any]:
        return {**super().answer(), "reasons": {}}


def ensure_default_types(clinic: Any) -> None:
    """Give a clinic the four standard appointment types, leaving any it changed as they are."""
    have = set(AppointmentType.objects.filter(clinic=clinic).values_list("code", flat=True))
    AppointmentType.objects.bulk_create(
        AppointmentType(
            clinic=clinic,
            code=code,
            name=code.label,
            duration_minutes=minutes,
            needs_room=room,
            needs_device=device,
            is_treatment=treatment,
        )
        for code, minutes, room, device, treatment in DEFAULT_TYPES
        if code not in have
    )


def on_clinic_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        ensure_default_types(instance)


# ------------------------------------------------------------------------------------------------------
# Plan windows
# ------------------------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def recorded_session_days(plan: TreatmentPlan) -> list[date]:
    return list(
        Treatment.objects.filter(clinic_id=plan.clinic_id, plan=plan)
        .order_by("performed_on")
        .values_list("performed_on", flat=True)
    )


def booked_session_days(plan: TreatmentPlan, *, ignore: object = None) -> dict[int, date]:
    """Session number -> local day of its live booking (cancelled and no-shows need booking again)."""
    booked = (
        Appointment.objects.filter(plan=plan, session_number__isnull=False)
        .exclude(status__in=[Status.CANCELLED, Status.NO_SHOW])
        .exclude(pk=ignore)
        .order_by("starts_at")
    )
    return {a.session_number: local_day(plan.clinic, a.starts_at) for a in booked}  # type: ignore[misc]


def window_after(plan: TreatmentPlan, previous: date) -> tuple[date, date]:
    return (
        previous + timedelta(weeks=plan.interval_weeks_min),
        previous + timedelta(weeks=plan.interval_weeks_max),
    )


def first_window(plan: TreatmentPlan, today: date) -> tuple[date, date]:
    """The first session: from the planned start (or today, once that has passed), for the window's width."""
    base = plan.schedule_dates[0] if plan.schedule else plan.start
    base = max(base, today)
    return base, base + timedelta(weeks=plan.interval_weeks_max - plan.interval_weeks_min)


def session_window(
    plan: TreatmentPlan, number: int, today: date, *, ignore: object = None
) -> tuple[date, date] | None:
    """The days session `number` of the plan may fall on, from the session before it; None if unknown."""
    if number <= 1:
        return first_window(plan, today)
    done = recorded_session_days(plan)
    if number - 1 <= len(done):
        return window_after(plan, done[number - 2])
    previous = booked_session_days(plan, ignore=ignore).get(number - 1)
    return window_after(plan, previous) if previous else None


# ------------------------------------------------------------------------------------------------------
# Booking
# ------------------------------------------------------------------------------------------------------


@dataclass
class Booking:
    """What staff ask for. Room and device are chosen when the type needs them and none is given."""

    patient: Patient
    practitioner: Any
    type: AppointmentType
    starts_at: datetime
    room: Room | None = None
    device: Device | None = None
    plan: TreatmentPlan | None = None
    session_number: int | None = None
    reason: str = ""


def _who(user: Any) -> str:
    return getattr(user, "full_name", "") or getattr(user, "email", "the practitioner")


def _review(
    clinic: Clinic, booking: Booking, *, ignore: object = None
) -> tuple[dict[str, str], Availability | None]:
    """Refusals (field -> reason) for input that can never be booked, before looking at other bookings."""
    errors: dict[str, str] = {}
    now = timezone.now()
    today = clinic_today(clinic)
    starts_at = booking.starts_at
    if timezone.is_naive(starts_at):
        return {"starts_at": "Give the time with its UTC offset, e.g. 2026-12-01T09:00:00Z."}, None
    if not 2000 <= starts_at.year <= 2100:
        return {"starts_at": "Choose a time from now on, up to two years ahead."}, None
    if starts_at <= now:
        errors["starts_at"] = "That time has passed: choose a time from now on."
    elif local_day(clinic, starts_at) > today + timedelta(days=MAX_DAYS_AHEAD):
        errors["starts_at"] = "Bookings open up to two years ahead."
    if booking.patient.clinic_id != clinic.pk or booking.patient.archived_at is not None:
        errors["patient_id"] = "Unknown or archived patient."
    if booking.type.clinic_id != clinic.pk or not booking.type.is_active:
        errors["type"] = "Unknown appointment type."
    if not selectors.practitioners_of(clinic).filter(pk=booking.practitioner.pk).exists():
        errors["practitioner_id"] = "Not a practitioner of this clinic."
    for name, thing in (("room_id", booking.room), ("device_id", booking.device)):
        if thing is not None and (thing.clinic_id != clinic.pk or not thing.is_active):
            errors[name] = f"Unknown {name.removesuffix('_id')}."
    if errors:
        return errors, None

    ends_at = starts_at + timedelta(minutes=booking.type.duration_minutes)
    span = (starts_at, ends_at)
    day = local_day(clinic, starts_at)
    availability = Availability.load(
        clinic, starts_at - timedelta(days=1), ends_at + timedelta(days=1), ignore=[ignore] if ignore else []
    )
    pid = booking.practitioner.pk
    if not availability.within_hours(pid, span):
        errors["starts_at"] = (
            f"Outside working hours: {_who(booking.practitioner)} {availability.hours_text(pid, day)}."
        )
    away = availability.away_on(pid, day)
    if away is not None:
        errors["starts_at"] = (
            f"{_who(booking.practitioner)} is away {away.first_day:%d %b}–{away.last_day:%d %b %Y}"
            f"{' (' + away.reason + ')' if away.reason else ''}."
        )
    if booking.type.is_treatment:
        refusal = selectors.treatment_refusal(booking.patient, day)
        if refusal:
            errors["screening"] = refusal
    plan = booking.plan
    if plan is not None:
        if plan.patient_id != booking.patient.pk:
            errors["plan_id"] = "That plan belongs to another patient."
        elif plan.status != PlanStatus.ACTIVE:
            errors["plan_id"] = f"The plan is {plan.get_status_display().lower()}, not active."
        elif booking.session_number is not None:
            number = booking.session_number
            done = len(recorded_session_days(plan))
            booked = booked_session_days(plan, ignore=ignore).get(number)
            if not 1 <= number <= plan.sessions:
                errors["session_number"] = f"The plan has sessions 1 to {plan.sessions}."
            elif number <= done:
                errors["session_number"] = (
                    f"Session {number} was already performed ({done} of {plan.sessions} done)."
                )
            elif booked is not None:
                errors["session_number"] = (
                    f"Session {number} is already booked for {booked:%d %b %Y}: move that booking instead."
                )
            else:
                window = session_window(plan, booking.session_number, today, ignore=ignore)
                if window and not window[0] <= day <= window[1] and not booking.reason.strip():
                    errors["reason"] = (
                        f"Session {booking.session_number} belongs between {window[0]:%d %b} and "
                        f"{window[1]:%d %b %Y} (the plan's interval of {plan.interval_weeks_min}–"
                        f"{plan.interval_weeks_max} weeks): give a reason to book it outside that window."
                    )
    elif booking.session_number is not None:
        errors["session_number"] = "A session number needs the plan it belongs to."
    return errors, availability


def _claim(clinic: Clinic, booking: Booking, availability: Availability) -> tuple[Room | None, Device | None]:
    """Check every resource is free (raising SlotTaken when not) and pick a room and device if needed."""
    span = (booking.starts_at, booking.starts_at + timedelta(minutes=booking.type.duration_minutes))
    if availability.conflict("practitioner", booking.practitioner.pk, span) is not None:
        raise SlotTaken(f"Slot taken: {_who(booking.practitioner)} already has an appointment then.")
    if availability.conflict("patient", booking.patient.pk, span) is not None:
        raise SlotTaken("Slot taken: the patient already has an appointment then.")
    room, device = booking.room, booking.device
    if room is not None and availability.conflict("room", room.pk, span) is not None:
        raise SlotTaken(f"Slot taken: {room.name} is booked then.")
    if device is not None and availability.conflict("device", device.pk, span) is not None:
        raise SlotTaken(f"Slot taken: {device.name} is in use then.")
    if booking.type.needs_room and room is None:
        room = availability.free_room(span)
        if room is None:
            raise SlotTaken("Slot taken: no treatment room is free then.")
    if booking.type.needs_device and device is None:
        kind = booking.plan.device if booking.plan else None
        device = availability.free_device(span, kind) or availability.free_device(span)
        if device is None:
            raise SlotTaken("Slot taken: no device is free then.")
    return room, device


def _serialise(clinic: Clinic) -> None:
    """Take the clinic's row lock first, so bookings in one clinic queue one behind the other.

    The exclusion constraints still decide; the lock gives every booking the same lock order. Without
    it, two bookings that collide on a constraint can deadlock on PostgreSQL: each inserted its row,
    then one waits for the other's row (the constraint check) while the other waits for the clinic row
    (the audit append). On SQLite the immediate transaction already serialises writers.
    """
    Clinic.objects.select_for_update().filter(pk=clinic.pk).values_list("pk", flat=True).first()


def book_appointment(*, clinic: Clinic, booking: Booking, by: Any, request: Any = None) -> Appointment:
    """Book one appointment, or raise BookingRefused (invalid, 422) or SlotTaken (conflict, 409)."""
    try:
        with transaction.atomic():
            # Inside the transaction: on SQLite it is IMMEDIATE, so no other writer can slip in between
            # this check and the insert below.
            _serialise(clinic)
            errors, availability = _review(clinic, booking)
            if errors:
                raise BookingRefused(errors)
            assert availability is not None
            room, device = _claim(clinic, booking, availability)
            appointment = Appointment(
                clinic=clinic,
                patient=booking.patient,
                practitioner=booking.practitioner,
                type=booking.type,
                room=room,
                device=device,
                starts_at=booking.starts_at,
                ends_at=booking.starts_at + timedelta(minutes=booking.type.duration_minutes),
                plan=booking.plan,
                session_number=booking.session_number,
                move_reason=booking.reason.strip()[:500],
                created_by=by,
            )
            appointment.save()
            record_event(
                clinic=clinic,
                user=by,
                action="appointment.book",
                obj=appointment,
                patient_id=booking.patient.pk,
                request=request,
                detail={"type": booking.type.code, "session": booking.session_number},
            )
    except IntegrityError:
        # PostgreSQL's exclusion constraint: another booking for the same practitioner, room or device
        # committed between our check and our insert.
        raise SlotTaken() from None
    return appointment


def move_appointment(
    *,
    appointment: Appointment,
    starts_at: datetime,
    by: Any,
    practitioner: Any = None,
    room: Room | None = None,
    device: Device | None = None,
    reason: str = "",
    request: Any = None,
) -> Appointment:
    """Move to another time (and practitioner, room or device); the calendar feeds see a new SEQUENCE."""
    if not appointment.is_open or appointment.status != Status.BOOKED:
        raise BookingRefused(
            {"status": f"A {appointment.get_status_display().lower()} appointment cannot be moved."}
        )
    clinic = appointment.patient.clinic
    booking = Booking(
        patient=appointment.patient,
        practitioner=practitioner or appointment.practitioner,
        type=appointment.type,
        starts_at=starts_at,
        room=room,
        device=device,
        plan=appointment.plan,
        session_number=appointment.session_number,
        reason=reason,
    )
    try:
        with transaction.atomic():
            _serialise(clinic)
            locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
            if locked.status != Status.BOOKED:
                raise BookingRefused({"status": "The appointment changed meanwhile: reload it."})
            errors, availability = _review(clinic, booking, ignore=appointment.pk)
            if errors:
                raise BookingRefused(errors)
            assert availability is not None
            chosen_room, chosen_device = _claim(clinic, booking, availability)
            before = appointment.starts_at
            appointment.practitioner = booking.practitioner
            appointment.starts_at = starts_at
            appointment.ends_at = starts_at + timedelta(minutes=appointment.type.duration_minutes)
            appointment.room = chosen_room
            appointment.device = chosen_device
            appointment.move_reason = reason.strip()[:500]
            appointment.sequence = locked.sequence + 1
            appointment.save()
            record_event(
                clinic=clinic,
                user=by,
                action="appointment.move",
                obj=appointment,
                patient_id=appointment.patient_id,
                request=request,
                detail={
                    "from": before.isoformat(),
                    "to": starts_at.isoformat(),
                    "outside_window": bool(reason),
                },
            )
    except IntegrityError:
        raise SlotTaken() from None
    return appointment


def cancel_appointment(*, appointment: Appointment, reason: str, by: Any, request: Any = None) -> Appointment:
    reason = reason.strip()
    if not reason:
        raise BookingRefused({"reason": "Say why the appointment is cancelled."})
    if appointment.status not in (Status.BOOKED, Status.CHECKED_IN):
        raise BookingRefused(
            {"status": f"A {appointment.get_status_display().lower()} appointment cannot be cancelled."}
        )
    with transaction.atomic():
        appointment.status = Status.CANCELLED
        appointment.cancel_reason = reason[:500]
        appointment.sequence += 1
        appointment.save(update_fields=["status", "cancel_reason", "sequence", "updated_at"])
        record_event(
            clinic=appointment.patient.clinic,
            user=by,
            action="appointment.cancel",
            obj=appointment,
            patient_id=appointment.patient_id,
            request=request,
        )
    return appointment


# Which status may follow which, and what each change needs.
STEPS = {
    Status.CHECKED_IN: frozenset({Status.BOOKED}),
    Status.COMPLETED: frozenset({Status.CHECKED_IN}),
    Status.NO_SHOW: frozenset({Status.BOOKED}),
}


def set_status(*, appointment: Appointment, status: str, by: Any, request: Any = None) -> Appointment:
    """Check in, complete, or mark a no-show (only once the start time has passed)."""
    allowed = STEPS.get(status)  # type: ignore[call-overload]
    if allowed is None:
        raise BookingRefused({"status": "Choose checked_in, completed or no_show."})
    if appointment.status not in allowed:
        target = Status(status).label.lower() if status in Status.values else status
        current = appointment.get_status_display().lower()
        raise BookingRefused({"status": f"A {current} appointment cannot become {target}."})
    clinic = appointment.patient.clinic
    if status == Status.NO_SHOW and appointment.starts_at > timezone.now():
        raise BookingRefused({"status": "A no-show can be recorded only after the start time."})
    if status == Status.CHECKED_IN and local_day(clinic, appointment.starts_at) != clinic_today(clinic):
        raise BookingRefused({"status": "Patients check in on the day of their appointment."})
    with transaction.atomic():
        appointment.status = status
        appointment.save(update_fields=["status", "updated_at"])
        record_event(
            clinic=clinic,
            user=by,
            action=f"appointment.{status}",
            obj=appointment,
            patient_id=appointment.patient_id,
            request=request,
        )
    return appointment


# ------------------------------------------------------------------------------------------------------
# Series from a plan
# ------------------------------------------------------------------------------------------------------


@dataclass
class ProposedVisit:
    number: int | None  # the plan's session number; None for the maintenance visit
    type: AppointmentType
    window: tuple[date, date]
    slot: selectors.Slot | None
    note: str = ""

    @property
    def label(self) -> str:
        return f"Session {self.number}" if self.number else "Maintenance"


@dataclass
class SeriesProposal:
    plan: TreatmentPlan
    visits: list[ProposedVisit] = field(default_factory=list)
    refusal: str = ""
    done: int = 0
    booked: int = 0


def _candidate_days(first: date, last: date, preferred: date | None) -> list[date]:
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    if preferred and first <= preferred <= last:
        days.sort(key=lambda d: (d < preferred, abs((d - preferred).days)))
    return days


def propose_series(*, plan: TreatmentPlan, practitioner: Any, today: date | None = None) -> SeriesProposal:
    """A free slot for each remaining session inside its interval window, then the maintenance visit,
    with the practitioner's hours, time off and every existing booking respected. Nothing is written."""
    clinic = plan.clinic
    today = today or clinic_today(clinic)
    proposal = SeriesProposal(plan=plan)
    if plan.status != PlanStatus.ACTIVE:
        proposal.refusal = (
            f"The plan is {plan.get_status_display().lower()}: activate it to book its sessions."
        )
        return proposal
    treatment = selectors.type_by_code(clinic, TypeCode.TREATMENT)
    maintenance = selectors.type_by_code(clinic, TypeCode.MAINTENANCE) or treatment
    if treatment is None or maintenance is None:
        proposal.refusal = "The clinic has no active treatment appointment type."
        return proposal
    earliest = selectors.earliest_treatment_day(plan.patient, today)
    if earliest is None:
        proposal.refusal = selectors.treatment_refusal(plan.patient, today) or "Treatment cannot be booked."
        return proposal
    done = recorded_session_days(plan)
    booked = booked_session_days(plan)
    proposal.done, proposal.booked = len(done), len([n for n in booked if n > len(done)])
    horizon = (
        today
        + timedelta(weeks=plan.interval_weeks_max * (plan.sessions + 1))
        + timedelta(days=31 * plan.maintenance_months + 60)
    )
    starts, ends = selectors.day_bounds(clinic, today, horizon)
    availability = Availability.load(clinic, starts, ends)
    now = timezone.now()
    schedule = plan.schedule_dates
    previous: date | None = None
    for number in range(1, plan.sessions + 1):
        if number <= len(done):
            previous = done[number - 1]
            continue
        if number in booked:
            previous = booked[number]
            continue
        window = first_window(plan, today) if previous is None else window_after(plan, previous)
        visit = _propose_visit(
            availability,
            number=number,
            type=treatment,
            window=window,
            earliest=max(earliest, today),
            preferred=schedule[number - 1] if number <= len(schedule) else None,
            practitioner=practitioner,
            patient=plan.patient,
            device_kind=plan.device,
            now=now,
        )
        proposal.visits.append(visit)
        previous = local_day(clinic, visit.slot.starts_at) if visit.slot else visit.window[0]
    has_maintenance = (
        Appointment.objects.filter(plan=plan, type__code=TypeCode.MAINTENANCE)
        .exclude(status__in=[Status.CANCELLED, Status.NO_SHOW])
        .exists()
    )
    if previous is not None and not has_maintenance:
        due = add_months(previous, plan.maintenance_months)
        proposal.visits.append(
            _propose_visit(
                availability,
                number=None,
                type=maintenance,
                window=(due, due + timedelta(weeks=4)),
                earliest=max(earliest, today),
                preferred=due,
                practitioner=practitioner,
                patient=plan.patient,
                device_kind=plan.device,
                now=now,
            )
        )
    return proposal


def _propose_visit(
    availability: Availability,
    *,
    number: int | None,
    type: AppointmentType,
    window: tuple[date, date],
    earliest: date,
    preferred: date | None,
    practitioner: Any,
    patient: Patient,
    device_kind: str,
    now: datetime,
) -> ProposedVisit:
    first, last = window
    note = ""
    if last < earliest:
        # The window has passed (a session was missed) or screening defers past it: propose the earliest
        # days instead, and say so, since booking there needs a reason.
        width = last - first
        first, last = earliest, earliest + width
        note = "The interval window has passed or screening defers past it: this is the earliest possible."
    elif first < earliest:
        first = earliest
    for day in _candidate_days(first, last, preferred):
        slots = availability.slots_on(
            day,
            practitioner=practitioner,
            type=type,
            patient_id=patient.pk,
            after=now,
            device_kind=device_kind,
        )
        if slots:
            return ProposedVisit(number, type, window, slots[0], note)
    return ProposedVisit(
        number,
        type,
        window,
        None,
        note or "No free slot in the window: pick a time by hand or another practitioner.",
    )


def book_series(
    *, clinic: Clinic, plan: TreatmentPlan, bookings: list[Booking], by: Any, request: Any = None
) -> list[Appointment]:
    """Book every visit of a series in one step: all of them, or (on any refusal or conflict) none."""
    if not bookings:
        raise BookingRefused({"visits": "Choose at least one visit to book."})
    booked: list[Appointment] = []
    with transaction.atomic():
        for booking in sorted(bookings, key=lambda b: b.starts_at):
            label = f"Session {booking.session_number}" if booking.session_number else "Maintenance"
            try:
                booked.append(book_appointment(clinic=clinic, booking=booking, by=by, request=request))
            except BookingRefused as error:
                raise BookingRefused(
                    {k: f"{label}: {' '.join(v)}" for k, v in error.message_dict.items()}
                ) from None
            except SlotTaken as error:
                raise SlotTaken(f"{label}: {error.message}") from None
        record_event(
            clinic=clinic,
            user=by,
            action="appointment.book_series",
            obj=plan,
            patient_id=plan.patient_id,
            request=request,
            detail={"visits": len(booked)},
        )
    return booked


# ------------------------------------------------------------------------------------------------------
# Calendar feeds
# ------------------------------------------------------------------------------------------------------


def create_feed(
    *,
    clinic: Clinic,
    by: Any,
    practitioner: Any = None,
    patient: Patient | None = None,
    request: Any = None,
    verified: bool = False,
) -> tuple[CalendarFeed, str]:
    """A new secret feed address; the raw token is returned once and only its hash is kept.

    `verified`: made by a session that passed its second factor, or by the patient in the portal; a
    clinic that requires two-step sign-in serves no other feed."""
    if (practitioner is None) == (patient is None):
        raise ValueError("A feed is for one practitioner or one patient.")
    raw = CalendarFeed.new_raw_token()
    with transaction.atomic():
        feed = CalendarFeed.objects.create(
            clinic=clinic,
            practitioner=practitioner,
            patient=patient,
            token_hash=hash_token(raw),
            hint=raw[:10],
            created_by=by,
            issued_verified=verified,
        )
        record_event(
            clinic=clinic,
            user=by,
            action="calendar_feed.create",
            obj=feed,
            patient_id=patient.pk if patient else None,
            request=request,
            detail={"second_factor": verified},
        )
    return feed, raw


def revoke_feed(*, feed: CalendarFeed, by: Any, request: Any = None) -> CalendarFeed:
    with transaction.atomic():
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
        record_event(
            clinic=feed.clinic,
            user=by,
            action="calendar_feed.revoke",
            obj=feed,
            patient_id=feed.patient_id,
            request=request,
        )
    return feed


# ------------------------------------------------------------------------------------------------------
# Setup: rooms, devices, types, working hours, time off
# ------------------------------------------------------------------------------------------------------


def add_resource(*, clinic: Clinic, form: Any, by: Any, request: Any = None) -> Any:
    """Add a room or a device from its (valid) form; a retired one of the same name comes back."""
    model = form._meta.model
    with transaction.atomic():
        thing = model.objects.filter(clinic=clinic, name=form.cleaned_data["name"]).first()
        if thing is None:
            thing = form.save(commit=False)
            thing.clinic = clinic
        thing.is_active = True
        for name, value in form.cleaned_data.items():
            setattr(thing, name, value)
        thing.save()
        record_event(
            clinic=clinic, user=by, action=f"{model._meta.model_name}.add", obj=thing, request=request
        )
    return thing


def retire_resource(*, clinic: Clinic, key: str, by: Any, request: Any = None) -> None:
    """Retire `room-<id>` or `device-<id>`: kept for past appointments, offered no more."""
    kind, _, pk = key.partition("-")
    model = {"room": Room, "device": Device}.get(kind)
    if model is None or not pk.isdigit():
        raise ValidationError("Unknown room or device.")
    with transaction.atomic():
        thing = model.objects.filter(clinic=clinic, pk=int(pk)).first()
        if thing is None:
            raise ValidationError("Unknown room or device.")
        thing.is_active = False
        thing.save(update_fields=["is_active"])
        record_event(clinic=clinic, user=by, action=f"{kind}.retire", obj=thing, request=request)


def update_type(*, form: Any, by: Any, request: Any = None) -> AppointmentType:
    with transaction.atomic():
        kind = form.save()
        record_event(
            clinic=kind.clinic,
            user=by,
            action="appointment_type.update",
            obj=kind,
            request=request,
            detail={"code": kind.code, "minutes": kind.duration_minutes},
        )
    return kind


def set_working_hours(
    *, clinic: Clinic, practitioner: Any, week: list[tuple[int, Any, Any]], by: Any, request: Any = None
) -> None:
    """Replace the practitioner's week. Booked appointments stay; new bookings follow the new hours."""
    from needlecare.scheduling.models import WorkingHours

    if practitioner is None or not selectors.practitioners_of(clinic).filter(pk=practitioner.pk).exists():
        raise ValidationError("Working hours are for practitioners and owners of this clinic.")
    with transaction.atomic():
        WorkingHours.objects.filter(clinic=clinic, practitioner=practitioner).delete()
        for weekday, starts, ends in week:
            hours = WorkingHours(
                clinic=clinic, practitioner=practitioner, weekday=weekday, starts=starts, ends=ends
            )
            hours.full_clean()
            hours.save()
        record_event(
            clinic=clinic,
            user=by,
            action="working_hours.set",
            request=request,
            detail={"practitioner": practitioner.pk, "days": len(week)},
        )


def add_time_off(
    *,
    clinic: Clinic,
    practitioner: Any,
    first_day: date,
    last_day: date,
    reason: str = "",
    by: Any,
    request: Any = None,
) -> Any:
    from needlecare.scheduling.models import TimeOff

    if practitioner is None or not selectors.practitioners_of(clinic).filter(pk=practitioner.pk).exists():
        raise ValidationError("Time off is for practitioners and owners of this clinic.")
    with transaction.atomic():
        off = TimeOff(
            clinic=clinic,
            practitioner=practitioner,
            first_day=first_day,
            last_day=last_day,
            reason=reason.strip(),
        )
        off.full_clean()
        off.save()
        record_event(clinic=clinic, user=by, action="time_off.add", obj=off, request=request)
    return off


def remove_time_off(*, time_off: Any, by: Any, request: Any = None) -> None:
    with transaction.atomic():
        record_event(clinic=time_off.clinic, user=by, action="time_off.remove", obj=time_off, request=request)
        time_off.delete()


# ------------------------------------------------------------------------------------------------------
# A recorded session completes its appointment
# ------------------------------------------------------------------------------------------------------


def complete_visit_for_session(*, treatment: Treatment, by: Any, request: Any = None) -> Appointment | None:
    """The patient's treatment visit on the session's day, booked or checked in, becomes completed: the
    calendar shows what happened without anyone clicking twice. Called inside the session's transaction.
    """
    clinic = treatment.patient.clinic
    visits = (
        Appointment.objects.select_for_update()
        .filter(
            clinic=clinic,
            patient=treatment.patient,
            type__is_treatment=True,
            status__in=[Status.BOOKED, Status.CHECKED_IN],
            starts_at__date__gte=treatment.performed_on - timedelta(days=1),
            starts_at__date__lte=treatment.performed_on + timedelta(days=1),
        )
        .order_by("starts_at")
    )
    visit = next((v for v in visits if local_day(clinic, v.starts_at) == treatment.performed_on), None)
    if visit is None:
        return None
    visit.status = Status.COMPLETED
    visit.save(update_fields=["status", "updated_at"])
    record_event(
        clinic=clinic,
        user=by,
        action="appointment.completed",
        obj=visit,
        patient_id=visit.patient_id,
        request=request,
        detail={"session": True},
    )
    return visit
