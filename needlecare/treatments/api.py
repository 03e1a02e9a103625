"""Sessions over the API: record (with every safety check), read, adverse events, the lot trace."""

from typing import Any
from uuid import UUID

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from needlecare.audit.services import record_event
from needlecare.clinics.policies import Category, api_policy, readable_for
from needlecare.core.api_errors import ERRORS
from needlecare.patients import selectors as patient_selectors
from needlecare.patients.services import record_patient_read
from needlecare.plans.models import TreatmentPlan
from needlecare.treatments import selectors, services
from needlecare.treatments.models import Treatment
from needlecare.treatments.schemas import (
    AdverseEventIn,
    AdverseEventOut,
    LotTrace,
    SessionIn,
    SessionList,
    SessionOut,
)

router = Router(tags=["sessions"])


def _out(treatment: Treatment, readable: frozenset[str]) -> dict[str, Any]:
    return {
        "id": treatment.pk,
        "patient_id": treatment.patient_id,
        "plan_id": treatment.plan_id,
        "performed_on": treatment.performed_on,
        "practitioner": treatment.practitioner.email,
        "screening_id": treatment.screening_id,
        "consent_id": treatment.consent_id,
        "device": treatment.device,
        "device_model": treatment.device_model,
        "device_serial": treatment.device_serial,
        "cartridge_id": treatment.cartridge.cartridge_id,
        "cartridge_lot": treatment.cartridge.lot,
        "cartridge_expiry": treatment.cartridge.expiry,
        "numbing_agent": treatment.numbing_agent,
        "numbing_agent_label": treatment.get_numbing_agent_display(),
        "numbing_ingredients": treatment.numbing_ingredients,
        "numbing_reason": treatment.numbing_reason,
        "numbing_minutes": treatment.numbing_minutes,
        "end_point": treatment.end_point,
        "product_applied": treatment.product_applied,
        "duration_minutes": treatment.duration_minutes,
        "immediate_reaction": treatment.immediate_reaction,
        "notes": treatment.notes,
        "interval_reason": treatment.interval_reason,
        "adjunct": treatment.adjunct,
        "blood_kit_id": treatment.blood_kit_id,
        "blood_kit_lot": treatment.blood_kit_lot,
        "bloodborne_screening_checked": treatment.bloodborne_screening_checked,
        "zones": [
            {"zone": z.zone, "depth_mm": z.depth_mm, "passes": z.passes} for z in treatment.zones.all()
        ],
        "adverse_events": [
            {
                "id": e.pk,
                "kind": e.kind,
                "grade": e.grade,
                "onset_on": e.onset_on,
                "resolved_on": e.resolved_on,
                "notes": e.notes,
            }
            for e in treatment.adverse_events.all()
        ]
        if Category.ADVERSE_EVENTS in readable
        else None,
        "created_at": treatment.created_at,
    }


@router.post("/patients/{patient_id}/sessions", response={201: SessionOut, **ERRORS})
@api_policy(Category.SESSIONS, write=True)
def record_session(request, patient_id: UUID, payload: SessionIn):  # type: ignore[no-untyped-def]
    """Record a performed session. Refused with 409, each reason named by its field, when screening is not
    valid, consent is missing or out of date, the cartridge is expired or was used on another patient, a
    zone is not in the clinic's protocol or the plan, the session comes sooner than the plan's minimum
    interval without `interval_reason`, the numbing agent is not one of the protocol's or contains an
    ingredient the patient is allergic to without `numbing_reason`, or PRP is used without a blood-draw
    kit (id and lot, never used in another session) and `bloodborne_screening_checked`. (422 is for a
    request the schema refuses.)"""
    patient = patient_selectors.patient_for(request.clinic, patient_id, include_archived=False)
    plan = None
    if payload.plan_id is not None:
        plan = get_object_or_404(
            TreatmentPlan.objects.filter(clinic=request.clinic, patient=patient), pk=payload.plan_id
        )
    data = services.SessionInput(
        plan=plan,
        zones=[services.ZoneEntry(zone=z.zone, depth_mm=z.depth_mm, passes=z.passes) for z in payload.zones],
        **payload.dict(exclude={"plan_id", "zones"}),
    )
    treatment = services.record_treatment(patient=patient, data=data, by=request.user, request=request)
    return Status(201, _out(selectors.session_of(patient, treatment.pk), readable_for(request)))


@router.get("/patients/{patient_id}/sessions", response={200: SessionList, **ERRORS})
@api_policy(Category.SESSIONS)
def list_sessions(request, patient_id: UUID):  # type: ignore[no-untyped-def]
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    readable = readable_for(request)
    sessions = [_out(t, readable) for t in selectors.sessions_of(patient)[:500]]
    record_patient_read(patient=patient, by=request.user, action="session.view", request=request)
    return {"items": sessions, "count": len(sessions)}


@router.get("/patients/{patient_id}/sessions/{session_id}", response={200: SessionOut, **ERRORS})
@api_policy(Category.SESSIONS)
def get_session(request, patient_id: UUID, session_id: UUID):  # type: ignore[no-untyped-def]
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    treatment = selectors.session_of(patient, session_id)
    record_patient_read(patient=patient, by=request.user, action="session.view", request=request)
    return _out(treatment, readable_for(request))


@router.post(
    "/patients/{patient_id}/sessions/{session_id}/adverse-events", response={201: AdverseEventOut, **ERRORS}
)
@api_policy(Category.ADVERSE_EVENTS, write=True)
def add_adverse_event(request, patient_id: UUID, session_id: UUID, payload: AdverseEventIn):  # type: ignore[no-untyped-def]
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    treatment = selectors.session_of(patient, session_id)
    event = services.record_adverse_event(
        treatment=treatment, by=request.user, data=payload.dict(), request=request
    )
    return Status(201, event)


class LotQuery(Schema):
    lot: str = Field(min_length=1, max_length=60, pattern=r"^[^\x00-\x1f\x7f]+$")


@router.get("/cartridge-lots/sessions", response={200: LotTrace, **ERRORS})
@api_policy(Category.SESSIONS)
def trace_lot(request, query: Query[LotQuery]):  # type: ignore[no-untyped-def]
    """Every session and patient of this clinic that a cartridge lot touched."""
    sessions = list(selectors.sessions_with_lot(request.clinic, query.lot)[:5000])
    record_event(
        clinic=request.clinic,
        user=request.user,
        action="lot.trace",
        request=request,
        detail={"sessions": len(sessions), "via": "api"},
    )
    return {
        "lot": query.lot.strip(),
        "sessions": [
            {
                "session_id": s.pk,
                "performed_on": s.performed_on,
                "patient_id": s.patient_id,
                "patient_name": s.patient.full_name,
                "cartridge_id": s.cartridge.cartridge_id,
                "practitioner": s.practitioner.email,
            }
            for s in sessions
        ],
        "patients": len({s.patient_id for s in sessions}),
        "count": len(sessions),
    }
