"""Reads of treatment plans, always within the patient's clinic, and the protocol's proposal for a choice."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from needlecare.clinics.models import Clinic
from needlecare.patients.models import Patient
from needlecare.patients.selectors import latest_intake
from needlecare.plans import dosing
from needlecare.plans.models import PlanStatus, PlanStatusChange, PlanZone, TreatmentPlan
from needlecare.protocols.loader import Protocol
from needlecare.protocols.models import ProtocolVersion
from needlecare.protocols.selectors import current_protocol


def plans_of(patient: Patient) -> QuerySet[TreatmentPlan]:
    """The patient's plans, newest first, with what their pages show (a fixed number of queries)."""
    return (
        TreatmentPlan.objects.filter(clinic_id=patient.clinic_id, patient=patient)
        .select_related("protocol", "created_by", "status_changed_by", "activation_screening")
        .prefetch_related(
            Prefetch("zones", queryset=PlanZone.objects.order_by("id")),
            Prefetch("status_changes", queryset=PlanStatusChange.objects.select_related("by")),
        )
        .order_by("-created_at", "-id")
    )


def plan_for(patient: Patient, plan_id: object) -> TreatmentPlan:
    """One of the patient's plans, or 404: another clinic's (or patient's) plan id finds nothing."""
    return get_object_or_404(plans_of(patient), pk=plan_id)


def active_plans_of(patient: Patient) -> QuerySet[TreatmentPlan]:
    return plans_of(patient).filter(status=PlanStatus.ACTIVE)


def default_fitzpatrick(patient: Patient) -> int | None:
    """The skin type from the latest intake, or None when it was not asked or not known."""
    intake = latest_intake(patient)
    value = intake.answers.get("fitzpatrick") if intake else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def propose_for(
    clinic: Clinic,
    *,
    indications: Sequence[str],
    zones: Sequence[str],
    device: str,
    fitzpatrick: int | None,
    start: date,
) -> tuple[ProtocolVersion, Protocol, dosing.Proposal]:
    """The clinic's current protocol and its proposal; raises dosing.UnknownChoice or DosingError."""
    version, protocol = current_protocol(clinic)
    proposal = dosing.propose(
        indications=indications,
        zones=zones,
        device=device,
        fitzpatrick=fitzpatrick,
        start=start,
        protocol=protocol,
    )
    return version, protocol, proposal


def proposal_record(proposal: dosing.Proposal) -> dict[str, Any]:
    """What a plan keeps of its proposal: DESIGN.md's shape, plus the notes and the protocol it came from."""
    return {
        **proposal.to_dict(),
        "notes": list(proposal.notes),
        "zone_notes": {z.zone: list(z.notes) for z in proposal.zones if z.notes},
        "protocol": {"name": proposal.protocol_name, "version": proposal.protocol_version},
    }
