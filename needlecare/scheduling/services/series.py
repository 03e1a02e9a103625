"""Series from a plan: a free slot proposed for each remaining session inside its interval window
(and the maintenance visit), and the whole series booked in one step."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from needlecare.audit.services import record_event
from needlecare.clinics.models import Clinic
from needlecare.core.clock import clinic_today
from needlecare.core.months import add_calendar_months
from needlecare.patients.models import Patient
from needlecare.plans.models import PlanStatus, TreatmentPlan
from needlecare.scheduling import selectors
from needlecare.scheduling.models import (
    Appointment,
    AppointmentType,
    Status,
    TypeCode,
)
from needlecare.scheduling.selectors import (
    Availability,
    booked_session_days,
    first_window,
    local_day,
    window_after,
)
from needlecare.scheduling.services.booking import Booking, BookingRefused, SlotTaken, book_appointment
from needlecare.scheduling.sessions import recorded_session_days

# ------------------------------------------------------------------------------------------------------
# Plan windows
# ------------------------------------------------------------------------------------------------------


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
        due = add_calendar_months(previous, plan.maintenance_months)
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
