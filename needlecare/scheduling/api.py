"""The scheduling part of the API: free slots, book, move, cancel, check in, series from a plan.

Input the document forbids, or that contradicts itself (an end before the start), answers 422. An id the
clinic does not know answers 404. A well-formed request that the calendar refuses answers 409 with a
`code`: `slot_taken` when someone or something needed is already booked then (this is also the answer of
the loser of two simultaneous bookings), `refused` when a rule says no (a time in the past, outside the
practitioner's hours, on their time off, a treatment the patient's screening does not allow, a plan
session outside its interval window without a reason); `reasons` names each problem by field.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.http import Http404
from ninja import Query, Router
from ninja.errors import HttpError
from ninja.responses import Status

from needlecare.audit.services import record_event
from needlecare.clinics.policies import Category, api_policy
from needlecare.core.api_errors import ERRORS as COMMON_ERRORS
from needlecare.core.clock import clinic_today
from needlecare.openapi import refusals
from needlecare.patients import selectors as patient_selectors
from needlecare.patients.services import record_patient_read
from needlecare.plans.models import TreatmentPlan
from needlecare.scheduling import selectors
from needlecare.scheduling.models import Appointment, Device, Room
from needlecare.scheduling.schemas import (
    AppointmentIn,
    AppointmentList,
    AppointmentOut,
    CancelIn,
    MoveIn,
    RangeQuery,
    Refusal,
    SeriesIn,
    SeriesProposalOut,
    SeriesQuery,
    SlotList,
    SlotQuery,
    StatusIn,
)
from needlecare.scheduling.services import series
from needlecare.scheduling.services.booking import (
    MAX_DAYS_AHEAD,
    Booking,
    BookingRefused,
    book_appointment,
    cancel_appointment,
    move_appointment,
    set_status,
)

router = Router(tags=["scheduling"])
ERRORS: dict[int, Any] = {**COMMON_ERRORS, 409: Refusal}
MAX_SLOT_DAYS = 31
MAX_LIST_DAYS = 92
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def out(appointment: Appointment) -> dict[str, Any]:
    return {
        "id": appointment.pk,
        "patient_id": appointment.patient_id,
        "patient_name": appointment.patient.full_name,
        "practitioner_id": appointment.practitioner_id,
        "practitioner_name": appointment.practitioner.full_name or appointment.practitioner.email,
        "type": appointment.type.code,
        "type_name": appointment.type.name,
        "room_id": appointment.room_id,
        "room": appointment.room.name if appointment.room else None,
        "device_id": appointment.device_id,
        "device": appointment.device.name if appointment.device else None,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "status": appointment.status,
        "cancel_reason": appointment.cancel_reason,
        "move_reason": appointment.move_reason,
        "sequence": appointment.sequence,
        "plan_id": appointment.plan_id,
        "session_number": appointment.session_number,
    }


def _practitioner(request, user_id: int | None) -> Any:  # type: ignore[no-untyped-def]
    practitioner = selectors.practitioner_for(request.clinic, user_id) if user_id else None
    if practitioner is None:
        raise HttpError(404, "Not a practitioner of this clinic: give the id of one who treats.")
    return practitioner


def _resource(model: type[Room] | type[Device], clinic: Any, pk: int | None) -> Any:
    if pk is None:
        return None
    found = model.objects.filter(clinic=clinic, pk=pk, is_active=True).first()
    if found is None:
        raise HttpError(
            404, f"Unknown {model._meta.verbose_name}: no active one with id {pk} in this clinic."
        )
    return found


def _type(request, code: str):  # type: ignore[no-untyped-def]
    found = selectors.type_by_code(request.clinic, code)
    if found is None:
        raise HttpError(404, f"This clinic does not offer the appointment type {code!r}.")
    return found


def _plan(patient: Any, plan_id: UUID | None) -> TreatmentPlan | None:
    if plan_id is None:
        return None
    plan = TreatmentPlan.objects.filter(clinic_id=patient.clinic_id, patient=patient, pk=plan_id).first()
    if plan is None:
        raise HttpError(404, "Unknown plan: this patient has no plan with that id.")
    return plan


def _read(request, appointments: list[Appointment], action: str) -> None:  # type: ignore[no-untyped-def]
    record_event(
        clinic=request.clinic,
        user=request.user,
        action=action,
        request=request,
        detail={"appointments": len(appointments), "via": "api"},
    )


@router.get("/slots", response={200: SlotList, **ERRORS})
@api_policy(Category.APPOINTMENTS)
def list_slots(request, query: Query[SlotQuery]):  # type: ignore[no-untyped-def]
    """Free slots of one type, from `first` for up to 31 days, soonest first (at most 200). With
    `patient_id` and a treatment type, no slot falls before the patient's screening allows."""
    kind = _type(request, query.type)
    practitioners = (
        [_practitioner(request, query.practitioner_id)]
        if query.practitioner_id
        else list(selectors.practitioners_of(request.clinic))
    )
    patient = patient_selectors.patient_for(request.clinic, query.patient_id) if query.patient_id else None
    today = clinic_today(request.clinic)
    first = _sane(max(query.first, today))
    last = min(
        query.last or first + timedelta(days=MAX_SLOT_DAYS),
        first + timedelta(days=MAX_SLOT_DAYS),
        today + timedelta(days=MAX_DAYS_AHEAD),  # bookings open up to two years ahead
    )
    note = ""
    if patient is not None and kind.is_treatment:
        refusal = selectors.treatment_refusal(patient, first)
        note = refusal or ""
    slots = selectors.free_slots(
        request.clinic, type=kind, first=first, last=last, practitioners=practitioners, patient=patient
    )
    return {
        "items": [
            {
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "practitioner_id": s.practitioner.pk,
                "practitioner_name": s.practitioner.full_name or s.practitioner.email,
                "room_id": s.room.pk if s.room else None,
                "device_id": s.device.pk if s.device else None,
            }
            for s in slots
        ],
        "count": len(slots),
        "first": first,
        "last": last,
        "note": note,
    }


@router.post(
    "/appointments",
    response={201: AppointmentOut, **ERRORS},
    openapi_extra=refusals(
        status_422="Invalid input. Besides the schema: an appointment lasts exactly its type's duration, so "
        "`ends_at`, when given, must be `starts_at` plus that duration (and after `starts_at`); "
        "`session_number` needs the `plan_id` it belongs to."
    ),
)
@api_policy(Category.APPOINTMENTS, write=True)
def book(request, payload: AppointmentIn):  # type: ignore[no-untyped-def]
    """Book one appointment. The end follows from the type's duration; a treatment gets a free room and
    device unless given. Answers 409 `slot_taken` or `refused` (see the top of this section)."""
    patient = patient_selectors.patient_for(request.clinic, payload.patient_id, include_archived=False)
    kind = _type(request, payload.type)
    practitioner = _practitioner(request, payload.practitioner_id)
    room = _resource(Room, request.clinic, payload.room_id)
    device = _resource(Device, request.clinic, payload.device_id)
    plan = _plan(patient, payload.plan_id)
    if payload.ends_at is not None:
        if payload.ends_at <= payload.starts_at:
            raise HttpError(422, "ends_at must be after starts_at.")
        if payload.ends_at - payload.starts_at != timedelta(minutes=kind.duration_minutes):
            minutes = kind.duration_minutes
            raise HttpError(
                422, f"A {kind.name.lower()} lasts {minutes} minutes: leave ends_at out or match it."
            )
    if payload.session_number is not None and plan is None:
        raise HttpError(422, "session_number needs the plan_id it belongs to.")
    booking = Booking(
        patient=patient,
        practitioner=practitioner,
        type=kind,
        starts_at=_utc(payload.starts_at),
        room=room,
        device=device,
        plan=plan,
        session_number=payload.session_number,
        reason=payload.reason,
    )
    appointment = book_appointment(clinic=request.clinic, booking=booking, by=request.user, request=request)
    return Status(201, out(selectors.appointment_for(request.clinic, appointment.pk)))


@router.get("/appointments/{appointment_id}", response={200: AppointmentOut, **ERRORS})
@api_policy(Category.APPOINTMENTS)
def get_appointment(request, appointment_id: UUID):  # type: ignore[no-untyped-def]
    appointment = selectors.appointment_for(request.clinic, appointment_id)
    record_patient_read(
        patient=appointment.patient, by=request.user, action="appointment.view", request=request
    )
    return out(appointment)


@router.post("/appointments/{appointment_id}/move", response={200: AppointmentOut, **ERRORS})
@api_policy(Category.APPOINTMENTS, write=True)
def move(request, appointment_id: UUID, payload: MoveIn):  # type: ignore[no-untyped-def]
    """Move a booked appointment (and optionally change practitioner, room or device). A plan session
    moved outside its interval window needs `reason`."""
    appointment = selectors.appointment_for(request.clinic, appointment_id)
    practitioner = _practitioner(request, payload.practitioner_id) if payload.practitioner_id else None
    move_appointment(
        appointment=appointment,
        starts_at=_utc(payload.starts_at),
        practitioner=practitioner,
        room=_resource(Room, request.clinic, payload.room_id),
        device=_resource(Device, request.clinic, payload.device_id),
        reason=payload.reason,
        by=request.user,
        request=request,
    )
    return out(selectors.appointment_for(request.clinic, appointment_id))


@router.post("/appointments/{appointment_id}/cancel", response={200: AppointmentOut, **ERRORS})
@api_policy(Category.APPOINTMENTS, write=True)
def cancel(request, appointment_id: UUID, payload: CancelIn):  # type: ignore[no-untyped-def]
    appointment = selectors.appointment_for(request.clinic, appointment_id)
    cancel_appointment(appointment=appointment, reason=payload.reason, by=request.user, request=request)
    return out(appointment)


@router.post("/appointments/{appointment_id}/status", response={200: AppointmentOut, **ERRORS})
@api_policy(Category.APPOINTMENTS, write=True)
def change_status(request, appointment_id: UUID, payload: StatusIn):  # type: ignore[no-untyped-def]
    """Check in (on the day), complete (after check-in) or record a no-show (after the start time)."""
    appointment = selectors.appointment_for(request.clinic, appointment_id)
    set_status(appointment=appointment, status=payload.status, by=request.user, request=request)
    return out(appointment)


def _sane(day: date) -> date:
    """Keep a requested day where date arithmetic (and time zones) cannot overflow: no appointment
    lies before 2000 or after 2100."""
    return min(max(day, EARLIEST), LATEST)


def _utc(moment: datetime) -> datetime:
    """The moment in UTC; a moment beyond what a calendar holds is refused like any other bad time."""
    if not EARLIEST.year <= moment.year <= LATEST.year:
        raise BookingRefused({"starts_at": "Choose a time from now on, up to two years ahead."})
    return moment.astimezone(UTC)


def _range(request, query: RangeQuery) -> tuple[datetime, datetime]:  # type: ignore[no-untyped-def]
    first = _sane(query.first or clinic_today(request.clinic))
    last = _sane(query.last or first + timedelta(days=MAX_LIST_DAYS))
    last = max(first, min(last, first + timedelta(days=MAX_LIST_DAYS)))
    return selectors.day_bounds(request.clinic, first, last)


@router.get("/patients/{patient_id}/appointments", response={200: AppointmentList, **ERRORS})
@api_policy(Category.APPOINTMENTS)
def patient_appointments(request, patient_id: UUID):  # type: ignore[no-untyped-def]
    """Every appointment of the patient, newest first (at most 500), cancelled ones included."""
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    items = [out(a) for a in selectors.appointments_of_patient(patient)[:500]]
    record_patient_read(patient=patient, by=request.user, action="appointment.list", request=request)
    return {"items": items, "count": len(items)}


@router.get("/practitioners/{practitioner_id}/appointments", response={200: AppointmentList, **ERRORS})
@api_policy(Category.APPOINTMENTS)
def practitioner_appointments(request, practitioner_id: int, query: Query[RangeQuery]):  # type: ignore[no-untyped-def]
    """A practitioner's appointments from `first` (default today) for up to 92 days, soonest first."""
    practitioner = _practitioner(request, practitioner_id)
    starts, ends = _range(request, query)
    found = list(
        selectors.appointments_between(request.clinic, starts, ends, practitioner=practitioner)[:2000]
    )
    _read(request, found, "appointment.list")
    return {"items": [out(a) for a in found], "count": len(found)}


def _plan_of_clinic(request, plan_id: UUID) -> TreatmentPlan:  # type: ignore[no-untyped-def]
    plan = (
        TreatmentPlan.objects.filter(clinic=request.clinic, pk=plan_id)
        .select_related("patient", "clinic")
        .first()
    )
    if plan is None:
        raise Http404
    return plan


@router.get("/plans/{plan_id}/series", response={200: SeriesProposalOut, **ERRORS})
@api_policy(Category.APPOINTMENTS)
def propose(request, plan_id: UUID, query: Query[SeriesQuery]):  # type: ignore[no-untyped-def]
    """A proposed slot for each remaining session of an active plan inside its interval window, and
    for the maintenance visit; nothing is booked. `refusal` says why nothing can be proposed."""
    plan = _plan_of_clinic(request, plan_id)
    practitioner = _practitioner(request, query.practitioner_id or request.user.pk)
    proposal = series.propose_series(plan=plan, practitioner=practitioner)
    record_patient_read(
        patient=plan.patient, by=request.user, action="appointment.propose_series", request=request
    )
    return {
        "plan_id": plan.pk,
        "practitioner_id": practitioner.pk,
        "sessions_done": proposal.done,
        "sessions_booked": proposal.booked,
        "refusal": proposal.refusal,
        "visits": [
            {
                "session_number": v.number,
                "type": v.type.code,
                "window_first": v.window[0],
                "window_last": v.window[1],
                "starts_at": v.slot.starts_at if v.slot else None,
                "ends_at": v.slot.ends_at if v.slot else None,
                "room_id": v.slot.room.pk if v.slot and v.slot.room else None,
                "device_id": v.slot.device.pk if v.slot and v.slot.device else None,
                "note": v.note,
            }
            for v in proposal.visits
        ],
    }


@router.post("/plans/{plan_id}/series", response={201: AppointmentList, **ERRORS})
@api_policy(Category.APPOINTMENTS, write=True)
def book_series(request, plan_id: UUID, payload: SeriesIn):  # type: ignore[no-untyped-def]
    """Book several visits of a plan in one step (sessions by number, null for maintenance): all of
    them, or on any refusal or conflict none, with the visit named in the answer."""
    plan = _plan_of_clinic(request, plan_id)
    practitioner = _practitioner(request, payload.practitioner_id)
    treatment = _type(request, "treatment")
    maintenance = selectors.type_by_code(request.clinic, "maintenance") or treatment
    numbers = [v.session_number for v in payload.visits if v.session_number is not None]
    if len(numbers) != len(set(numbers)):
        raise HttpError(422, "Each session number once.")
    bookings = [
        Booking(
            patient=plan.patient,
            practitioner=practitioner,
            type=treatment if v.session_number else maintenance,
            starts_at=_utc(v.starts_at),
            plan=plan,
            session_number=v.session_number,
            reason=v.reason,
        )
        for v in payload.visits
    ]
    booked = series.book_series(
        clinic=request.clinic, plan=plan, bookings=bookings, by=request.user, request=request
    )
    found = list(selectors.appointments_of_clinic(request.clinic).filter(pk__in=[a.pk for a in booked]))
    return Status(201, {"items": [out(a) for a in found], "count": len(found)})
