"""Booking one appointment: book, move, cancel, check in, complete, no-show.

No double booking: the check and the insert run in one transaction. On SQLite the transaction is
IMMEDIATE (settings), so writers queue and the check sees every committed booking; on PostgreSQL two
bookings may both pass the check, and the exclusion constraints (migration 0002) let only one commit.
Either way the loser gets SlotTaken ("slot taken", 409 in the API).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NoReturn
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from needlecare.audit.services import record_event
from needlecare.clinics.models import Clinic
from needlecare.core.clock import clinic_today
from needlecare.core.errors import Refused
from needlecare.patients.models import Patient
from needlecare.plans.models import PlanStatus, TreatmentPlan
from needlecare.scheduling import selectors
from needlecare.scheduling.models import (
    Appointment,
    AppointmentType,
    Device,
    Room,
    Status,
)
from needlecare.scheduling.selectors import (
    Availability,
    booked_session_days,
    local_day,
    session_window,
)
from needlecare.scheduling.sessions import recorded_session_days

MAX_DAYS_AHEAD = 2 * 365  # nobody books further ahead; also bounds the work a request can ask for


class BookingRefused(Refused, ValidationError):  # type: ignore[misc]  # Refused's str code and message
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
    clinic: Clinic, booking: Booking, *, ignore: UUID | None = None
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


CANCELLABLE = (Status.BOOKED, Status.CHECKED_IN)


def _lock(appointment: Appointment) -> Appointment:
    """The appointment's row as committed, locked until the transaction ends (PostgreSQL; on SQLite the
    IMMEDIATE transaction already holds the write lock), so two changes to it queue and the second sees
    the first: a stale object in memory cannot undo or repeat a change made meanwhile."""
    return Appointment.objects.select_for_update().get(pk=appointment.pk)


def _refuse_stale(appointment: Appointment, refusal: str) -> NoReturn:
    """Refuse a change that the locked row no longer allows. The caller's object was stale: bring it up
    to date first, so the page that shows the refusal shows the appointment as it now is."""
    appointment.refresh_from_db()
    raise BookingRefused({"status": refusal})


def _cancel_refusal(appointment: Appointment) -> str | None:
    if appointment.status not in CANCELLABLE:
        return f"A {appointment.get_status_display().lower()} appointment cannot be cancelled."
    return None


def cancel_appointment(*, appointment: Appointment, reason: str, by: Any, request: Any = None) -> Appointment:
    """Cancel a booked or checked-in appointment; checked again on the locked row, so one cancelled (or
    completed, or marked a no-show) meanwhile is refused rather than cancelled twice."""
    reason = reason.strip()
    if not reason:
        raise BookingRefused({"reason": "Say why the appointment is cancelled."})
    refusal = _cancel_refusal(appointment)
    if refusal:
        raise BookingRefused({"status": refusal})
    with transaction.atomic():
        locked = _lock(appointment)
        refusal = _cancel_refusal(locked)
        if refusal:
            _refuse_stale(appointment, refusal)
        appointment.status = Status.CANCELLED
        appointment.cancel_reason = reason[:500]
        appointment.sequence = locked.sequence + 1
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
STEPS: dict[str, frozenset[str]] = {
    Status.CHECKED_IN: frozenset({Status.BOOKED}),
    Status.COMPLETED: frozenset({Status.CHECKED_IN}),
    Status.NO_SHOW: frozenset({Status.BOOKED}),
}


def _status_refusal(appointment: Appointment, status: str, clinic: Clinic) -> str | None:
    if appointment.status not in STEPS[status]:
        target = Status(status).label.lower()
        current = appointment.get_status_display().lower()
        return f"A {current} appointment cannot become {target}."
    if status == Status.NO_SHOW and appointment.starts_at > timezone.now():
        return "A no-show can be recorded only after the start time."
    if status == Status.CHECKED_IN and local_day(clinic, appointment.starts_at) != clinic_today(clinic):
        return "Patients check in on the day of their appointment."
    return None


def set_status(*, appointment: Appointment, status: str, by: Any, request: Any = None) -> Appointment:
    """Check in, complete, or mark a no-show (only once the start time has passed); checked again on the
    locked row, so a change made meanwhile (a cancellation, a move, the same click twice) is not undone."""
    if STEPS.get(status) is None:
        raise BookingRefused({"status": "Choose checked_in, completed or no_show."})
    clinic = appointment.patient.clinic
    refusal = _status_refusal(appointment, status, clinic)
    if refusal:
        raise BookingRefused({"status": refusal})
    with transaction.atomic():
        refusal = _status_refusal(_lock(appointment), status, clinic)
        if refusal:
            _refuse_stale(appointment, refusal)
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
# A recorded session completes its appointment
# ------------------------------------------------------------------------------------------------------


def complete_visit_for_session(
    *, patient: Patient, performed_on: date, by: Any, request: Any = None
) -> Appointment | None:
    """The patient's treatment visit on the session's day, booked or checked in, becomes completed: the
    calendar shows what happened without anyone clicking twice. Called inside the session's transaction.
    """
    clinic = patient.clinic
    visits = (
        Appointment.objects.select_for_update()
        .filter(
            clinic=clinic,
            patient=patient,
            type__is_treatment=True,
            status__in=[Status.BOOKED, Status.CHECKED_IN],
            starts_at__date__gte=performed_on - timedelta(days=1),
            starts_at__date__lte=performed_on + timedelta(days=1),
        )
        .order_by("starts_at")
    )
    visit = next((v for v in visits if local_day(clinic, v.starts_at) == performed_on), None)
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
