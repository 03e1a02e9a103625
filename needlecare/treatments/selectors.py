"""Reads of sessions, clinic-scoped; and the lot trace: every session and patient a lot touched."""

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from needlecare.clinics.models import Clinic
from needlecare.patients.models import Patient
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
    """Every session of this clinic that used a cartridge from `lot` (exact, case-insensitive)."""
    return (
        Treatment.objects.filter(clinic=clinic, cartridge__lot__iexact=lot.strip())
        .select_related("patient", "practitioner", "cartridge")
        .order_by("-performed_on", "patient__family_name")
    )
