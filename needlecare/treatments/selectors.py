"""Reads of sessions, clinic-scoped; and the lot trace: every session and patient a lot touched."""

from datetime import date
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from needlecare.clinics.models import Clinic
from needlecare.patients.models import Patient
from needlecare.plans.models import TreatmentPlan
from needlecare.protocols import load_default
from needlecare.protocols.selectors import current_protocol
from needlecare.scheduling.models import Status
from needlecare.scheduling.selectors import appointments_of_patient, day_bounds
from needlecare.scheduling.sessions import RecordedSession
from needlecare.treatments.models import AdverseEvent, Treatment, TreatmentZone


def sessions_of(patient: Patient) -> QuerySet[Treatment]:
    return (
        Treatment.objects.filter(clinic_id=patient.clinic_id, patient=patient)
        .select_related("practitioner", "cartridge", "plan")
        .prefetch_related(
            Prefetch("zones", queryset=TreatmentZone.objects.order_by("id")),
            Prefetch("adverse_events", queryset=AdverseEvent.objects.order_by("onset_on", "id")),
        )
        .order_by("-performed_on", "-created_at")
    )


def session_of(patient: Patient, session_id: object) -> Treatment:
    return get_object_or_404(sessions_of(patient), pk=session_id)


def adverse_event_of(treatment: Treatment, event_id: object) -> AdverseEvent:
    return get_object_or_404(AdverseEvent.objects.filter(treatment=treatment), pk=event_id)


def sessions_with_lot(clinic: Clinic, lot: str) -> QuerySet[Treatment]:
    """Every session of this clinic that used a cartridge or a blood-draw kit from `lot` (exact,
    case-insensitive)."""
    lot = lot.strip()
    return (
        Treatment.objects.filter(Q(cartridge__lot__iexact=lot) | Q(blood_kit_lot__iexact=lot), clinic=clinic)
        .select_related("patient", "practitioner", "cartridge")
        .order_by("-performed_on", "patient__family_name")
    )


def visit_for_session(patient: Patient, day: date, appointment_id: object = None) -> Any:
    """The booked appointment a session is recorded for: the one named (this patient's, else 404), or
    the patient's open treatment visit on `day` (the clinic's local day); None when there is none."""
    visits = appointments_of_patient(patient)
    if appointment_id is not None:
        return get_object_or_404(visits, pk=appointment_id)
    starts, ends = day_bounds(patient.clinic, day, day)
    return (
        visits.filter(
            type__is_treatment=True,
            status__in=[Status.BOOKED, Status.CHECKED_IN],
            starts_at__gte=starts,
            starts_at__lt=ends,
        )
        .order_by("starts_at")
        .first()
    )


def adverse_guides(clinic: Clinic) -> dict[str, dict[str, Any]]:
    """What the clinic's protocol says to do for each kind of adverse event (its [adverse_events]); a
    protocol stored before they were data uses the default's."""
    _, protocol = current_protocol(clinic)
    guides = protocol.adverse_events or load_default().adverse_events
    return {key: {"key": key, **guide.model_dump()} for key, guide in guides.items()}


# What scheduling asks of the recorded sessions (scheduling/sessions.py; answered in apps.py).


def session_days_of_plan(plan: TreatmentPlan) -> list[date]:
    """The days the plan's sessions were performed, earliest first."""
    return list(
        Treatment.objects.filter(clinic_id=plan.clinic_id, plan=plan)
        .order_by("performed_on")
        .values_list("performed_on", flat=True)
    )


def sessions_performed_between(clinic: Clinic, first: date, last: date) -> list[RecordedSession]:
    """The clinic's sessions performed from `first` to the day before `last`, each with its place in
    its plan."""
    sessions = Treatment.objects.filter(clinic=clinic, performed_on__gte=first, performed_on__lt=last)
    found = []
    for session in sessions.select_related("patient", "practitioner").order_by("performed_on", "created_at"):
        number = None
        if session.plan_id:
            number = Treatment.objects.filter(
                plan_id=session.plan_id, performed_on__lte=session.performed_on
            ).count()
        found.append(
            RecordedSession(
                performed_on=session.performed_on,
                patient=session.patient,
                practitioner=session.practitioner,
                plan_id=session.plan_id,
                number=number,
            )
        )
    return found
