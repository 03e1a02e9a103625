"""Screening over the API: the stateless evaluator, and a patient's stored decisions."""

from datetime import date
from typing import Any
from uuid import UUID

from ninja import Router, Status

from needlecare.clinics.policies import Category, api_policy
from needlecare.core.api_errors import ERRORS
from needlecare.core.clock import clinic_today
from needlecare.openapi import refusals
from needlecare.patients import selectors as patient_selectors
from needlecare.patients.services import record_patient_read
from needlecare.protocols.selectors import current_protocol
from needlecare.screening import rules, selectors, services
from needlecare.screening.models import ScreeningDecision
from needlecare.screening.schemas import (
    DecisionOut,
    EvaluateIn,
    OverrideIn,
    ScreenIn,
    StoredDecisionList,
    StoredDecisionOut,
)

evaluate_router = Router(tags=["screening"])
router = Router(tags=["screening"])


@evaluate_router.post("/evaluate", response={200: DecisionOut, **ERRORS})
@api_policy(Category.SCREENING)
def evaluate(request, payload: EvaluateIn):  # type: ignore[no-untyped-def]
    """Screen intake answers on a day with the clinic's protocol. Stores nothing."""
    protocol = current_protocol(request.clinic)[1]
    decision = rules.evaluate(payload.intake.answers(), protocol, payload.on, adjuncts=payload.adjuncts)
    return decision.to_dict()


def _out(decision: ScreeningDecision, today: date) -> dict[str, Any]:
    status = selectors.screening_status(decision.patient, today)
    override = getattr(decision, "override", None)
    return {
        "id": decision.pk,
        "outcome": decision.outcome,
        "defer_until": decision.defer_until,
        "findings": decision.findings,
        "adjuncts": decision.adjuncts or [],
        "protocol": {"name": decision.protocol.name, "version": decision.protocol.content_hash},
        "screened_on": decision.screened_on,
        "valid_until": decision.valid_until,
        "intake_version": decision.intake.version,
        "decided_by": decision.decided_by.email if decision.decided_by else None,
        "decided_at": decision.decided_at,
        "override": None
        if override is None
        else {
            "reason": override.reason,
            "clearance_from": override.clearance_from,
            "clearance_dated": override.clearance_dated,
            "document_reference": override.document_reference,
            "overridden_by": override.overridden_by.email if override.overridden_by else None,
            "overridden_at": override.overridden_at,
        },
        "valid_now": status.valid and status.decision is not None and status.decision.pk == decision.pk,
        "status": status.reason if status.decision and status.decision.pk == decision.pk else "superseded",
    }


@router.post(
    "/{patient_id}/screenings",
    response={201: StoredDecisionOut, **ERRORS},
    openapi_extra=refusals(
        status_422="Screening needs an intake: a patient without a completed intake (medical history) "
        "cannot be screened; submit one first (POST /patients/{patient_id}/intakes)."
    ),
)
@api_policy(Category.SCREENING, write=True)
def screen(request, patient_id: UUID, payload: ScreenIn):  # type: ignore[no-untyped-def]
    patient = patient_selectors.patient_for(request.clinic, patient_id, include_archived=False)
    decision = services.screen_patient(
        patient=patient, by=request.user, on=payload.on, adjuncts=payload.adjuncts, request=request
    )
    decision = selectors.screening_of(patient, decision.pk)
    return Status(201, _out(decision, clinic_today(request.clinic)))


@router.get("/{patient_id}/screenings", response={200: StoredDecisionList, **ERRORS})
@api_policy(Category.SCREENING)
def list_screenings(request, patient_id: UUID):  # type: ignore[no-untyped-def]
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    decisions = list(selectors.screenings_of(patient)[:100])
    record_patient_read(patient=patient, by=request.user, action="screening.view", request=request)
    today = clinic_today(request.clinic)
    return {"items": [_out(d, today) for d in decisions], "count": len(decisions)}


@router.get("/{patient_id}/screenings/{decision_id}", response={200: StoredDecisionOut, **ERRORS})
@api_policy(Category.SCREENING)
def get_screening(request, patient_id: UUID, decision_id: UUID):  # type: ignore[no-untyped-def]
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    decision = selectors.screening_of(patient, decision_id)
    record_patient_read(patient=patient, by=request.user, action="screening.view", request=request)
    return _out(decision, clinic_today(request.clinic))


@router.post(
    "/{patient_id}/screenings/{decision_id}/override",
    response={200: StoredDecisionOut, **ERRORS},
    openapi_extra=refusals(
        status_409="The decision was already overridden: an override is recorded once and stands; screen "
        "the patient again to decide anew.",
        status_422="A decision of eligible, deferred or declined cannot be overridden; the reason is "
        "required, and for clearance also who gave it, its date (not in the future) and where the letter is "
        "kept.",
    ),
)
@api_policy(Category.SCREENING, write=True)
def override(request, patient_id: UUID, decision_id: UUID, payload: OverrideIn):  # type: ignore[no-untyped-def]
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    decision = selectors.screening_of(patient, decision_id)
    services.override_screening(decision=decision, by=request.user, request=request, **payload.dict())
    return _out(selectors.screening_of(patient, decision_id), clinic_today(request.clinic))
