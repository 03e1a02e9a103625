"""Demo calendar: rooms, devices, working hours and a holiday; the past three weeks (sessions that were
performed appear as completed treatments, plus consultations, a no-show and a cancellation); today; the
coming two weeks of consultations and follow-ups; and the remaining sessions of active plans booked as
series. Idempotent: a clinic that has appointments is left alone."""

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from needlecare.clinics.models import Clinic
from needlecare.patients.models import Patient
from needlecare.plans.models import PlanStatus, TreatmentPlan
from needlecare.scheduling import selectors, sessions
from needlecare.scheduling.models import Appointment, Device, Room, Status, TimeOff, TypeCode, WorkingHours
from needlecare.scheduling.services.booking import Booking, BookingRefused, SlotTaken, book_appointment
from needlecare.scheduling.services.series import book_series, propose_series
from needlecare.scheduling.services.setup import ensure_default_types

ROOMS = ["Treatment room 1", "Treatment room 2"]
DEVICES = [
    ("Dermapen 4 · A", "pen", "DP4-20931"),
    ("Dermapen 4 · B", "pen", "DP4-20977"),
    ("Roller 1.0 mm", "roller", ""),
]


def seed_clinic(clinic: Clinic, today: date) -> None:
    ensure_default_types(clinic)
    for name in ROOMS:
        Room.objects.get_or_create(clinic=clinic, name=name)
    for name, kind, serial in DEVICES:
        Device.objects.get_or_create(clinic=clinic, name=name, defaults={"kind": kind, "serial": serial})
    practitioners = list(selectors.practitioners_of(clinic))
    for index, user in enumerate(practitioners):
        if WorkingHours.objects.filter(clinic=clinic, practitioner=user).exists():
            continue
        # The first works Monday to Friday 09:00-17:30; the next Tuesday to Saturday, 10:00-18:00.
        days, opens, closes = (
            ([0, 1, 2, 3, 4], time(9), time(17, 30))
            if index % 2 == 0
            else ([1, 2, 3, 4, 5], time(10), time(18))
        )
        for weekday in days:
            WorkingHours.objects.create(
                clinic=clinic, practitioner=user, weekday=weekday, starts=opens, ends=closes
            )
    if practitioners and not TimeOff.objects.filter(clinic=clinic).exists():
        first = today + timedelta(days=24)
        TimeOff.objects.create(
            clinic=clinic,
            practitioner=practitioners[0],
            first_day=first,
            last_day=first + timedelta(days=4),
            reason="Holiday",
        )
    if not practitioners or Appointment.objects.filter(clinic=clinic).exists():
        return
    rng = random.Random(f"calendar-{clinic.slug}")
    _past_and_today(clinic, today, practitioners, rng)
    _coming_weeks(clinic, today, practitioners, rng)
    _series(clinic, practitioners)


class _Diary:
    """Where each practitioner, room and device is already taken, so made-up past visits never overlap."""

    def __init__(self) -> None:
        self.taken: list[tuple[object, datetime, datetime]] = []

    def free(self, keys: list[object], starts: datetime, ends: datetime) -> bool:
        return not any(k in keys and s < ends and starts < e for k, s, e in self.taken)

    def take(self, keys: list[object], starts: datetime, ends: datetime) -> None:
        self.taken.extend((k, starts, ends) for k in keys)


def _place(
    clinic: Clinic,
    diary: _Diary,
    day: date,
    *,
    practitioner: Any,
    patient: Patient,
    kind: Any,
    status: str,
    **extra: Any,
) -> Appointment | None:
    """A past (or today's) visit, written directly: the booking service only books from now on."""
    rooms, devices = list(selectors.rooms_of(clinic)), list(selectors.devices_of(clinic))
    for hour in range(9, 17):
        for minute in (0, 30):
            starts = selectors.at_local(clinic, day, time(hour, minute))
            ends = starts + timedelta(minutes=kind.duration_minutes)
            room = (
                next((r for r in rooms if diary.free([r], starts, ends)), None) if kind.needs_room else None
            )
            device = (
                next((d for d in devices if diary.free([d], starts, ends)), None)
                if kind.needs_device
                else None
            )
            if (kind.needs_room and room is None) or (kind.needs_device and device is None):
                continue
            keys = [practitioner, patient] + [x for x in (room, device) if x is not None]
            if not diary.free(keys, starts, ends):
                continue
            diary.take(keys, starts, ends)
            return Appointment.objects.create(
                clinic=clinic,
                patient=patient,
                practitioner=practitioner,
                type=kind,
                room=room,
                device=device,
                starts_at=starts,
                ends_at=ends,
                status=status,
                **extra,
            )
    return None


def _past_and_today(clinic: Clinic, today: date, practitioners: list[Any], rng: random.Random) -> None:
    diary = _Diary()
    treatment = selectors.type_by_code(clinic, TypeCode.TREATMENT)
    consultation = selectors.type_by_code(clinic, TypeCode.CONSULTATION)
    follow_up = selectors.type_by_code(clinic, TypeCode.FOLLOW_UP)
    # Every session recorded in the last three weeks was an appointment first.
    for session in sessions.performed_between(clinic, today - timedelta(weeks=3), today):
        _place(
            clinic,
            diary,
            session.performed_on,
            practitioner=session.practitioner,
            patient=session.patient,
            kind=treatment,
            status=Status.COMPLETED,
            plan_id=session.plan_id,
            session_number=session.number,
        )
    patients = list(
        Patient.objects.filter(clinic=clinic, archived_at__isnull=True).order_by("reference")[:30]
    )
    if not patients:
        return
    outcomes = [Status.COMPLETED] * 6 + [Status.NO_SHOW, Status.CANCELLED]
    for index in range(10):
        day = today - timedelta(days=1 + index * 2)
        if day.weekday() == 6:
            continue
        status = outcomes[index % len(outcomes)]
        _place(
            clinic,
            diary,
            day,
            practitioner=practitioners[index % len(practitioners)],
            patient=patients[index],
            kind=consultation if index % 3 else follow_up,
            status=status,
            cancel_reason="Patient rang to say she is unwell; will rebook."
            if status == Status.CANCELLED
            else "",
        )
    # Today: those whose time has come are checked in or done; the rest are still to come.
    now = timezone.now()
    if today.weekday() < 6:
        for index in range(4):
            appointment = _place(
                clinic,
                diary,
                today,
                practitioner=practitioners[index % len(practitioners)],
                patient=patients[10 + index],
                kind=consultation if index % 2 else follow_up,
                status=Status.BOOKED,
            )
            if appointment is not None and appointment.ends_at < now:
                appointment.status = Status.COMPLETED
            elif appointment is not None and appointment.starts_at < now:
                appointment.status = Status.CHECKED_IN
            if appointment is not None:
                appointment.save(update_fields=["status"])


def _coming_weeks(clinic: Clinic, today: date, practitioners: list[Any], rng: random.Random) -> None:
    """Consultations and follow-ups over the next two weeks, booked the way staff book them."""
    patients = list(
        Patient.objects.filter(clinic=clinic, archived_at__isnull=True).order_by("reference")[14:40]
    )
    owner = practitioners[0]
    for index, patient in enumerate(patients):
        code = TypeCode.CONSULTATION if index % 3 else TypeCode.FOLLOW_UP
        kind = selectors.type_by_code(clinic, code)
        if kind is None:
            continue
        first = today + timedelta(days=1 + index % 13)
        slots = selectors.free_slots(
            clinic,
            type=kind,
            first=first,
            last=first + timedelta(days=3),
            practitioners=practitioners,
            patient=patient,
            limit=40,
        )
        if not slots:
            continue
        slot = slots[rng.randrange(len(slots))]
        try:
            book_appointment(
                clinic=clinic,
                booking=Booking(
                    patient=patient, practitioner=slot.practitioner, type=kind, starts_at=slot.starts_at
                ),
                by=owner,
            )
        except (BookingRefused, SlotTaken):
            continue


def _series(clinic: Clinic, practitioners: list[Any]) -> None:
    """The remaining sessions (and maintenance) of active plans, each plan booked in one step."""
    plans = TreatmentPlan.objects.filter(clinic=clinic, status=PlanStatus.ACTIVE).select_related(
        "patient", "clinic"
    )
    for index, plan in enumerate(plans.order_by("patient__reference")):
        # Whoever can fit the whole series (a holiday may leave a one-day window empty for one of them).
        turn = practitioners[index % len(practitioners) :] + practitioners[: index % len(practitioners)]
        proposals = [(propose_series(plan=plan, practitioner=p), p) for p in turn]
        proposal, practitioner = max(
            proposals, key=lambda pair: sum(v.slot is not None for v in pair[0].visits)
        )
        bookings = [
            Booking(
                patient=plan.patient,
                practitioner=practitioner,
                type=visit.type,
                starts_at=visit.slot.starts_at,
                plan=plan,
                session_number=visit.number,
                reason="The window passed before this visit was booked; the earliest free time instead."
                if visit.note
                else "",
            )
            for visit in proposal.visits
            if visit.slot is not None
        ]
        if not bookings:
            continue
        try:
            book_series(clinic=clinic, plan=plan, bookings=bookings, by=practitioner)
        except (BookingRefused, SlotTaken, ValidationError):
            continue
