"""Reads of the calendar, always within one clinic: appointments, resources, a plan's session windows,
who is free when, and the calendar grid the day and week pages draw.

`Availability` loads a clinic's hours, time off and bookings for a stretch of days in a fixed number of
queries, then answers "is this free?" and "which slots are free?" in memory.
"""

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from needlecare.accounts.models import User
from needlecare.clinics.models import CLINICAL_ROLES, Clinic, Membership
from needlecare.patients.models import Patient
from needlecare.plans.models import PlanStatus, TreatmentPlan
from needlecare.scheduling.models import (
    Appointment,
    AppointmentType,
    CalendarFeed,
    Device,
    Room,
    Status,
    TimeOff,
    WorkingHours,
    hash_token,
)
from needlecare.scheduling.sessions import recorded_session_days
from needlecare.screening.models import Outcome
from needlecare.screening.selectors import screening_status

STEP = timedelta(minutes=15)  # slots start on the quarter hour
OCCUPYING = [Status.BOOKED, Status.CHECKED_IN, Status.COMPLETED, Status.NO_SHOW]  # all but cancelled


def tz_of(clinic: Clinic) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(clinic.timezone)


def at_local(clinic: Clinic, day: date, clock: time) -> datetime:
    """A wall-clock time on a day in the clinic, as an aware UTC datetime (DST-correct)."""
    return datetime.combine(day, clock, tzinfo=tz_of(clinic)).astimezone(UTC)


def local_day(clinic: Clinic, moment: datetime) -> date:
    return moment.astimezone(tz_of(clinic)).date()


def day_bounds(clinic: Clinic, first: date, last: date) -> tuple[datetime, datetime]:
    """From the start of `first` to the end of `last`, local days, in UTC."""
    return at_local(clinic, first, time(0)), at_local(clinic, last + timedelta(days=1), time(0))


# ------------------------------------------------------------------------------------------------------
# Resources
# ------------------------------------------------------------------------------------------------------


def practitioners_of(clinic: Clinic) -> QuerySet[User]:
    """Members who can see patients (practitioners and owners), by name."""
    return User.objects.filter(
        memberships__clinic=clinic, memberships__is_active=True, memberships__role__in=CLINICAL_ROLES
    ).order_by("full_name", "email")


def practitioner_for(clinic: Clinic, user_id: object) -> User | None:
    try:
        return practitioners_of(clinic).filter(pk=int(str(user_id))).first()
    except ValueError:
        return None


def types_of(clinic: Clinic, *, active_only: bool = True) -> QuerySet[AppointmentType]:
    types = AppointmentType.objects.filter(clinic=clinic)
    return types.filter(is_active=True) if active_only else types


def type_by_code(clinic: Clinic, code: str) -> AppointmentType | None:
    return types_of(clinic).filter(code=code).first()


def rooms_of(clinic: Clinic) -> QuerySet[Room]:
    return Room.objects.filter(clinic=clinic, is_active=True)


def devices_of(clinic: Clinic) -> QuerySet[Device]:
    return Device.objects.filter(clinic=clinic, is_active=True)


# ------------------------------------------------------------------------------------------------------
# Appointments
# ------------------------------------------------------------------------------------------------------


def appointments_of_clinic(clinic: Clinic) -> QuerySet[Appointment]:
    return Appointment.objects.filter(clinic=clinic).select_related(
        "patient", "practitioner", "type", "room", "device"
    )


def appointment_for(clinic: Clinic, appointment_id: object) -> Appointment:
    """The clinic's appointment, or 404 (another clinic's id finds nothing)."""
    return get_object_or_404(appointments_of_clinic(clinic), pk=appointment_id)


def appointments_between(
    clinic: Clinic, starts: datetime, ends: datetime, *, practitioner: Any = None
) -> QuerySet[Appointment]:
    found = appointments_of_clinic(clinic).filter(starts_at__lt=ends, ends_at__gt=starts)
    if practitioner is not None:
        found = found.filter(practitioner=practitioner)
    return found.order_by("starts_at", "practitioner_id")


def appointments_of_patient(patient: Patient) -> QuerySet[Appointment]:
    return appointments_of_clinic(patient.clinic).filter(patient=patient).order_by("-starts_at")


def upcoming_of_patient(patient: Patient) -> QuerySet[Appointment]:
    return (
        appointments_of_clinic(patient.clinic)
        .filter(patient=patient, ends_at__gte=timezone.now())
        .exclude(status=Status.CANCELLED)
        .order_by("starts_at")
    )


def feeds_of(
    clinic: Clinic, *, practitioner: Any = None, patient: Any = None, created_by: Any = None
) -> QuerySet[CalendarFeed]:
    feeds = CalendarFeed.objects.filter(clinic=clinic, revoked_at__isnull=True)
    if practitioner is not None:
        feeds = feeds.filter(practitioner=practitioner)
    if patient is not None:
        feeds = feeds.filter(patient=patient)
    if created_by is not None:
        feeds = feeds.filter(created_by=created_by)
    return feeds.select_related("practitioner", "patient")


def feed_by_token(raw: str) -> CalendarFeed | None:
    """The live feed behind a secret address, or None. The address is a credential, so it dies with
    the person behind it, at once, as an API token does: a practitioner's feed with its practitioner
    (deactivated, or no longer an active member of the clinic); a patient's feed with its patient
    (archived) and, when staff made it and so saw the address, with that staff member (gone from the
    clinic; the patient makes their own in the portal). A clinic that requires two-step sign-in serves
    only feeds made after a second factor (or by the patient in the portal)."""
    if not raw.startswith("ncf_") or len(raw) > 100:
        return None
    active_member = Membership.objects.filter(
        clinic_id=OuterRef("clinic_id"), is_active=True, user__is_active=True
    )
    return (
        CalendarFeed.objects.filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .filter(Q(issued_verified=True) | Q(clinic__require_two_factor=False))
        .filter(
            Q(practitioner__isnull=False, practitioner__is_active=True)
            & Exists(active_member.filter(user_id=OuterRef("practitioner_id")))
            | Q(patient__isnull=False, patient__archived_at__isnull=True)
            & (Q(created_by__isnull=True) | Exists(active_member.filter(user_id=OuterRef("created_by_id"))))
        )
        .select_related("clinic", "practitioner", "patient")
        .first()
    )


# ------------------------------------------------------------------------------------------------------
# A plan's session windows
# ------------------------------------------------------------------------------------------------------


def booked_session_days(plan: TreatmentPlan, *, ignore: UUID | None = None) -> dict[int, date]:
    """Session number -> local day of its live booking (cancelled and no-shows need booking again)."""
    booked = Appointment.objects.filter(plan=plan, session_number__isnull=False).exclude(
        status__in=[Status.CANCELLED, Status.NO_SHOW]
    )
    if ignore is not None:
        booked = booked.exclude(pk=ignore)
    booked = booked.order_by("starts_at")
    days: dict[int, date] = {}
    for appointment in booked:
        if appointment.session_number is not None:  # always (filtered above); says so to mypy
            days[appointment.session_number] = local_day(plan.clinic, appointment.starts_at)
    return days


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
    plan: TreatmentPlan, number: int, today: date, *, ignore: UUID | None = None
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
# The safety gate
# ------------------------------------------------------------------------------------------------------


def treatment_refusal(patient: Patient, day: date) -> str | None:
    """Why a treatment cannot be booked for the patient on `day`, or None when the gate lets it pass.

    Declined is absolute. Deferred holds until `defer_until` (the first bookable day is the day after);
    a deferral without a date holds until the patient is screened again."""
    decision = screening_status(patient, day).decision
    if decision is None:
        return None
    if decision.outcome == Outcome.DECLINED:
        return (
            "Screening declined microneedling for this patient (an absolute contraindication): "
            "no treatment can be booked."
        )
    if decision.outcome == Outcome.DEFERRED:
        if decision.defer_until is None:
            return (
                "Screening deferred treatment until the condition resolves: "
                "screen again before booking a treatment."
            )
        if day <= decision.defer_until:
            first = decision.defer_until + timedelta(days=1)
            return (
                f"Screening deferred treatment until {decision.defer_until:%d %b %Y}: "
                f"the earliest day a treatment can be booked is {first:%d %b %Y}."
            )
    return None


def earliest_treatment_day(patient: Patient, today: date) -> date | None:
    """The first day from `today` a treatment may be booked; None when none can be (declined, undated)."""
    decision = screening_status(patient, today).decision
    if decision is None or decision.outcome not in (Outcome.DECLINED, Outcome.DEFERRED):
        return today
    if decision.outcome == Outcome.DECLINED or decision.defer_until is None:
        return None
    return max(today, decision.defer_until + timedelta(days=1))


# ------------------------------------------------------------------------------------------------------
# Availability
# ------------------------------------------------------------------------------------------------------


Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    practitioner: Any
    room: Room | None
    device: Device | None


def _overlaps(a: Interval, b: Interval) -> bool:
    return a[0] < b[1] and b[0] < a[1]


@dataclass
class Availability:
    """Hours, time off and bookings of one clinic between two UTC moments, loaded once."""

    clinic: Clinic
    starts: datetime
    ends: datetime
    hours: dict[tuple[int, int], list[tuple[time, time]]] = field(default_factory=dict)
    away: dict[int, list[TimeOff]] = field(default_factory=dict)
    busy: dict[tuple[str, object], list[tuple[Interval, Any]]] = field(default_factory=dict)
    rooms: list[Room] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)

    @classmethod
    def load(
        cls, clinic: Clinic, starts: datetime, ends: datetime, *, ignore: Iterable[object] = ()
    ) -> "Availability":
        hours: dict[tuple[int, int], list[tuple[time, time]]] = defaultdict(list)
        for row in WorkingHours.objects.filter(clinic=clinic).order_by("starts"):
            hours[(row.practitioner_id, row.weekday)].append((row.starts, row.ends))
        margin = timedelta(days=1)
        away: dict[int, list[TimeOff]] = defaultdict(list)
        for off in TimeOff.objects.filter(
            clinic=clinic,
            first_day__lte=(ends + margin).date(),
            last_day__gte=(starts - margin).date(),
        ):
            away[off.practitioner_id].append(off)
        busy: dict[tuple[str, object], list[tuple[Interval, Any]]] = defaultdict(list)
        taken = (
            Appointment.objects.filter(clinic=clinic, starts_at__lt=ends, ends_at__gt=starts)
            .exclude(status=Status.CANCELLED)
            .exclude(pk__in=list(ignore))
            .only("id", "starts_at", "ends_at", "practitioner_id", "room_id", "device_id", "patient_id")
        )
        for appointment in taken:
            span = (appointment.starts_at, appointment.ends_at)
            busy[("practitioner", appointment.practitioner_id)].append((span, appointment))
            busy[("patient", appointment.patient_id)].append((span, appointment))
            if appointment.room_id:
                busy[("room", appointment.room_id)].append((span, appointment))
            if appointment.device_id:
                busy[("device", appointment.device_id)].append((span, appointment))
        return cls(
            clinic=clinic,
            starts=starts,
            ends=ends,
            hours=hours,
            away=away,
            busy=busy,
            rooms=list(rooms_of(clinic)),
            devices=list(devices_of(clinic)),
        )

    # --- questions about one practitioner ---

    def within_hours(self, practitioner_id: int, span: Interval) -> bool:
        tz = tz_of(self.clinic)
        local_start, local_end = span[0].astimezone(tz), span[1].astimezone(tz)
        day = local_start.date()
        if local_end.date() != day and local_end.timetz().replace(tzinfo=None) != time(0):
            return False
        for opens, closes in self.hours.get((practitioner_id, day.weekday()), []):
            if at_local(self.clinic, day, opens) <= span[0] and span[1] <= at_local(self.clinic, day, closes):
                return True
        return False

    def hours_text(self, practitioner_id: int, day: date) -> str:
        stretches = self.hours.get((practitioner_id, day.weekday()), [])
        if not stretches:
            return f"does not work on {day:%A}s"
        return f"works {', '.join(f'{a:%H:%M}–{b:%H:%M}' for a, b in stretches)} on {day:%A}s"

    def away_on(self, practitioner_id: int, day: date) -> TimeOff | None:
        return next(
            (off for off in self.away.get(practitioner_id, []) if off.first_day <= day <= off.last_day), None
        )

    def conflict(self, kind: str, key: object, span: Interval) -> Any:
        """The appointment that holds this resource during the span, if any."""
        for other, appointment in self.busy.get((kind, key), []):
            if _overlaps(span, other):
                return appointment
        return None

    def free_room(self, span: Interval) -> Room | None:
        return next((r for r in self.rooms if self.conflict("room", r.pk, span) is None), None)

    def free_device(self, span: Interval, kind: str | None = None) -> Device | None:
        for device in self.devices:
            if kind and device.kind != kind:
                continue
            if self.conflict("device", device.pk, span) is None:
                return device
        return None

    def slot_at(
        self, *, practitioner: Any, type: AppointmentType, starts_at: datetime, device_kind: str | None = None
    ) -> Slot | None:
        """A bookable slot starting then (with a free room and device when the type needs them), or None."""
        span = (starts_at, starts_at + timedelta(minutes=type.duration_minutes))
        day = local_day(self.clinic, starts_at)
        if not self.within_hours(practitioner.pk, span) or self.away_on(practitioner.pk, day):
            return None
        if self.conflict("practitioner", practitioner.pk, span) is not None:
            return None
        room = device = None
        if type.needs_room:
            room = self.free_room(span)
            if room is None:
                return None
        if type.needs_device:
            device = self.free_device(span, device_kind) or (self.free_device(span) if device_kind else None)
            if device is None:
                return None
        return Slot(span[0], span[1], practitioner, room, device)

    def slots_on(
        self,
        day: date,
        *,
        practitioner: Any,
        type: AppointmentType,
        patient_id: object = None,
        after: datetime | None = None,
        device_kind: str | None = None,
    ) -> list[Slot]:
        """Every free start on the quarter hour within the practitioner's hours of that local day."""
        if self.away_on(practitioner.pk, day):
            return []
        found = []
        length = timedelta(minutes=type.duration_minutes)
        for opens, closes in self.hours.get((practitioner.pk, day.weekday()), []):
            moment, last = at_local(self.clinic, day, opens), at_local(self.clinic, day, closes)
            while moment + length <= last:
                if after is None or moment > after:
                    slot = self.slot_at(
                        practitioner=practitioner, type=type, starts_at=moment, device_kind=device_kind
                    )
                    if slot and not (
                        patient_id and self.conflict("patient", patient_id, (slot.starts_at, slot.ends_at))
                    ):
                        found.append(slot)
                moment += STEP
        return found


def free_slots(
    clinic: Clinic,
    *,
    type: AppointmentType,
    first: date,
    last: date,
    practitioners: list[Any],
    patient: Patient | None = None,
    limit: int = 200,
) -> list[Slot]:
    """Free slots between two local days, soonest first; for a treatment, never before the gate allows."""
    now = timezone.now()
    if patient is not None and type.is_treatment:
        earliest = earliest_treatment_day(patient, first)
        if earliest is None:
            return []
        first = max(first, earliest)
    if first > last:
        return []
    starts, ends = day_bounds(clinic, first, last)
    availability = Availability.load(clinic, starts, ends)
    slots: list[Slot] = []
    day = first
    while day <= last and len(slots) < limit:
        for practitioner in practitioners:
            slots.extend(
                availability.slots_on(
                    day,
                    practitioner=practitioner,
                    type=type,
                    patient_id=patient.pk if patient else None,
                    after=now,
                )
            )
        day += timedelta(days=1)
    slots.sort(key=lambda s: (s.starts_at, s.practitioner.pk))
    return slots[:limit]


# ------------------------------------------------------------------------------------------------------
# The calendar grid
# ------------------------------------------------------------------------------------------------------


HALF_HOUR = AppointmentType(duration_minutes=30, needs_room=False, needs_device=False)  # free-time probe


@dataclass
class Column:
    """One practitioner on one day: their appointments and free half hours, in time order."""

    practitioner: Any
    items: list[tuple[str, Any]] = field(default_factory=list)  # ("appointment", a) or ("free", datetime)
    away: Any = None
    hours: str = ""
    free_count: int = 0


@dataclass
class CalendarGrid:
    days: list[tuple[date, list[Column]]]  # each day with a column per practitioner shown
    appointments: int  # how many appointments the grid holds


def calendar_grid(
    clinic: Clinic,
    days: list[date],
    *,
    practitioners: list[Any],
    chosen: Any = None,
    show_free: bool,
    now: datetime,
) -> CalendarGrid:
    """The calendar of `days` for the chosen practitioner (or every one of `practitioners`), with the
    free half hours counted for each column and listed among the appointments when `show_free`."""
    shown = [chosen] if chosen else practitioners
    starts, ends = day_bounds(clinic, days[0], days[-1])
    appointments = list(appointments_between(clinic, starts, ends, practitioner=chosen))
    availability = Availability.load(clinic, starts, ends)
    grid = []
    for one_day in days:
        columns = []
        for practitioner in shown:
            column = Column(practitioner, away=availability.away_on(practitioner.pk, one_day))
            column.hours = availability.hours_text(practitioner.pk, one_day)
            mine = [
                a
                for a in appointments
                if a.practitioner_id == practitioner.pk and local_day(clinic, a.starts_at) == one_day
            ]
            free = []
            if not column.away:
                free = [
                    s.starts_at
                    for s in availability.slots_on(
                        one_day, practitioner=practitioner, type=HALF_HOUR, after=now
                    )
                    if s.starts_at.minute % 30 == 0
                ]
            column.free_count = len(free)
            shown_free = free if show_free else []
            column.items = sorted(
                [("appointment", a) for a in mine] + [("free", f) for f in shown_free],
                key=lambda item: item[1].starts_at if item[0] == "appointment" else item[1],
            )
            columns.append(column)
        grid.append((one_day, columns))
    return CalendarGrid(days=grid, appointments=len(appointments))


# ------------------------------------------------------------------------------------------------------
# What the other pages list
# ------------------------------------------------------------------------------------------------------


def active_plans_for_booking(clinic: Clinic, patient: Patient) -> QuerySet[TreatmentPlan]:
    """The patient's active plans, newest first: those whose sessions can be booked as a series."""
    return TreatmentPlan.objects.filter(clinic=clinic, patient=patient, status=PlanStatus.ACTIVE).order_by(
        "-created_at"
    )


def plan_for_series(clinic: Clinic, patient: Patient, plan_id: object) -> TreatmentPlan:
    """One of the patient's plans (any status: the series page says why an inactive one cannot be
    booked), or 404."""
    return get_object_or_404(
        TreatmentPlan.objects.filter(clinic=clinic, patient=patient).select_related("clinic", "patient"),
        pk=plan_id,
    )


def live_feed_for(clinic: Clinic, feed_id: object) -> CalendarFeed:
    """The clinic's unrevoked feed, or 404."""
    return get_object_or_404(CalendarFeed.objects.filter(clinic=clinic, revoked_at__isnull=True), pk=feed_id)


def appointments_of_feed(feed: CalendarFeed, *, since: datetime) -> QuerySet[Appointment]:
    """What a calendar feed lists: its patient's or practitioner's appointments ending from `since`."""
    appointments = Appointment.objects.filter(clinic=feed.clinic, ends_at__gte=since).select_related(
        "type", "room", "patient"
    )
    if feed.patient_id:
        appointments = appointments.filter(patient_id=feed.patient_id)
    else:
        appointments = appointments.filter(practitioner_id=feed.practitioner_id)
    return appointments.order_by("starts_at")


def working_hours_of(clinic: Clinic, practitioner_id: int | None) -> QuerySet[WorkingHours]:
    return WorkingHours.objects.filter(clinic=clinic, practitioner_id=practitioner_id).order_by("starts")


def time_off_from(clinic: Clinic, day: date) -> QuerySet[TimeOff]:
    """Time off that has not ended before `day`."""
    return TimeOff.objects.filter(clinic=clinic, last_day__gte=day).select_related("practitioner")


def time_off_for(clinic: Clinic, time_off_id: int) -> TimeOff:
    return get_object_or_404(TimeOff.objects.filter(clinic=clinic), pk=time_off_id)


def type_for(clinic: Clinic, type_id: int) -> AppointmentType:
    """One of the clinic's appointment types (retired ones too), or 404."""
    return get_object_or_404(AppointmentType.objects.filter(clinic=clinic), pk=type_id)
