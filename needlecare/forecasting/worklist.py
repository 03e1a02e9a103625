"""The maintenance worklist: patients whose forecast says maintenance is due within N weeks (or overdue)
and who have nothing booked, soonest first; and booking one of them in one step, through the scheduling
service, into the first free maintenance slot with their own practitioner (else with anyone)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from needlecare.clinics.models import Clinic
from needlecare.forecasting.forecasting import forecasts_for_clinic
from needlecare.patients.models import Patient
from needlecare.scheduling import selectors as scheduling
from needlecare.scheduling.models import Appointment, Status, TypeCode
from needlecare.scheduling.services.booking import Booking, BookingRefused, SlotTaken, book_appointment
from needlecare.treatments.models import Treatment

DEFAULT_WEEKS = 8
MAX_WEEKS = 104
# Appointments that count as "maintenance booked": a treatment or a maintenance visit still to come.
BOOKED_CODES = (TypeCode.TREATMENT, TypeCode.MAINTENANCE)
# How far ahead one-step booking looks for a free slot.
SEARCH_DAYS = 60


@dataclass
class Row:
    patient: Patient
    due: date
    indications: list[str] = field(default_factory=list)
    practitioner: Any = None
    basis: str = "evidence"
    overdue: bool = False


def booked_patient_ids(clinic: Clinic) -> set[Any]:
    """Patients with a future treatment or maintenance appointment that is not cancelled (one query)."""
    return set(
        Appointment.objects.filter(
            clinic=clinic, ends_at__gte=timezone.now(), type__code__in=list(BOOKED_CODES)
        )
        .exclude(status=Status.CANCELLED)
        .values_list("patient_id", flat=True)
    )


def usual_practitioners(clinic: Clinic, patient_ids: list[Any]) -> dict[Any, Any]:
    """Each patient's practitioner: who performed their latest session (two queries)."""
    latest: dict[Any, int] = {}
    for patient_id, practitioner_id in (
        Treatment.objects.filter(clinic=clinic, patient_id__in=patient_ids)
        .order_by("performed_on", "created_at")
        .values_list("patient_id", "practitioner_id")
    ):
        latest[patient_id] = practitioner_id
    people = {p.pk: p for p in scheduling.practitioners_of(clinic).filter(pk__in=set(latest.values()))}
    return {patient_id: people.get(pid) for patient_id, pid in latest.items()}


def maintenance_worklist(clinic: Clinic, *, today: date, weeks: int = DEFAULT_WEEKS) -> list[Row]:
    """Due on or before ``today + weeks``, nothing booked, not archived; soonest due first. A constant
    number of queries, whatever the number of patients."""
    horizon = today + timedelta(weeks=weeks)
    due: dict[Any, Row] = {}
    for patient_id, forecast in forecasts_for_clinic(clinic):
        # A patient who never improved measurably has no improvement to maintain: a review, not this list.
        if forecast.maintenance_due > horizon or forecast.status == "no_response":
            continue
        row = due.get(patient_id)
        if row is None:
            due[patient_id] = row = Row(patient=None, due=forecast.maintenance_due, basis=forecast.basis)  # type: ignore[arg-type]
        row.due = min(row.due, forecast.maintenance_due)
        row.indications.append(forecast.indication)
    if not due:
        return []
    booked = booked_patient_ids(clinic)
    wanted = [pid for pid in due if pid not in booked]
    patients = Patient.objects.filter(clinic=clinic, pk__in=wanted, archived_at__isnull=True)
    practitioners = usual_practitioners(clinic, wanted)
    rows = []
    for patient in patients:
        row = due[patient.pk]
        row.patient = patient
        row.practitioner = practitioners.get(patient.pk)
        row.overdue = row.due < today
        rows.append(row)
    rows.sort(
        key=lambda r: (r.due, r.patient.family_name.lower(), r.patient.given_name.lower(), str(r.patient.pk))
    )
    return rows


class NotBooked(Exception):
    """One-step booking found nothing: the message says why (409: no slot; 422: cannot be booked)."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def book_maintenance(*, patient: Patient, by: Any, today: date, request: Any = None) -> Appointment:
    """Book the first free maintenance slot: with the patient's practitioner if they have one within
    SEARCH_DAYS, else with any practitioner. The scheduling service does the booking (one transaction,
    audited, screening gate, no double booking); a slot taken meanwhile moves on to the next one."""
    clinic = patient.clinic
    kind = scheduling.type_by_code(clinic, TypeCode.MAINTENANCE)
    if kind is None:
        raise NotBooked("The clinic has no active maintenance appointment type.", status=422)
    with transaction.atomic():
        # One booking at a time per patient: a second click waits here, then finds the first booking.
        Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk", flat=True).first()
        appointment = _book_first_free(patient=patient, kind=kind, by=by, today=today, request=request)
    if appointment is None:
        raise NotBooked(
            f"No free maintenance slot in the next {SEARCH_DAYS} days: "
            f"book {patient.full_name} from the calendar."
        )
    return appointment


def _book_first_free(
    *, patient: Patient, kind: Any, by: Any, today: date, request: Any
) -> Appointment | None:
    clinic = patient.clinic
    if booked_patient_ids(clinic) & {patient.pk}:
        raise NotBooked(f"{patient.full_name} already has a treatment or maintenance visit booked.")
    everyone = list(scheduling.practitioners_of(clinic))
    own = usual_practitioners(clinic, [patient.pk]).get(patient.pk)
    first, last = today + timedelta(days=1), today + timedelta(days=SEARCH_DAYS)
    if scheduling.earliest_treatment_day(patient, first) is None:
        raise NotBooked(
            f"{patient.full_name} cannot be booked for a treatment: see their screening.", status=422
        )
    choices = ([own] if own is not None else []) + [everyone]
    for practitioners in choices:
        team = practitioners if isinstance(practitioners, list) else [practitioners]
        slots = scheduling.free_slots(
            clinic, type=kind, first=first, last=last, practitioners=team, patient=patient, limit=5
        )
        for slot in slots:
            booking = Booking(
                patient=patient,
                practitioner=slot.practitioner,
                type=kind,
                starts_at=slot.starts_at,
                room=slot.room,
                device=slot.device,
            )
            try:
                return book_appointment(clinic=clinic, booking=booking, by=by, request=request)
            except SlotTaken:
                continue
            except BookingRefused as error:
                raise NotBooked(" ".join(error.messages), status=422) from None
    return None
