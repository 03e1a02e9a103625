"""The plans part of the API: the stateless proposal, and a patient's plans (create, adjust, move on).

Input the document forbids, or an identifier the clinic's protocol does not know, answers 422. Input that
is well formed but that the protocol's rules or the plan's state refuse (a depth outside the band without
a reason, a session too soon, activating without a valid screening) answers 409, naming each problem.
"""

from typing import Any
from uuid import UUID

from ninja import Router
from ninja.responses import Status

from needlecare.clinics.policies import Category, api_policy
from needlecare.core.api_errors import ERRORS
from needlecare.core.clock import clinic_today
from needlecare.openapi import refusals
from needlecare.patients import selectors as patient_selectors
from needlecare.patients.services import record_patient_read
from needlecare.plans import selectors, services
from needlecare.plans.models import TreatmentPlan
from needlecare.plans.schemas import (
    PlanAdjustments,
    PlanIn,
    PlanList,
    PlanOut,
    PlanPatch,
    PlanStatusIn,
    ProposalOut,
    ProposeIn,
)

router = Router(tags=["plans"])


KNOWN_CHOICES = (
    "Invalid input; besides the schema, every zone, indication and the device must be known to the "
    "clinic's protocol (the answer lists the valid ones, `type: unknown_choice`)."
)


def _changes(payload: PlanAdjustments) -> services.PlanChanges:
    interval = payload.interval_weeks
    return services.PlanChanges(
        sessions=payload.sessions,
        interval_weeks_min=interval.min if interval else None,
        interval_weeks_max=interval.max if interval else None,
        maintenance_months=payload.maintenance_months,
        schedule=payload.schedule,
        depths={
            d.zone: services.ZoneDepth(
                services.mm(d.depth_mm.min), services.mm(d.depth_mm.max), d.reason.strip()
            )
            for d in payload.depths
        },
        notes=payload.notes,
    )


def plan_out(plan: TreatmentPlan) -> dict[str, Any]:
    def band(low: Any, high: Any) -> dict[str, float]:
        return {"min": float(low), "max": float(high)}

    return {
        "id": plan.pk,
        "patient_id": plan.patient_id,
        "status": plan.status,
        "status_reason": plan.status_reason,
        "indications": plan.indications,
        "device": plan.device,
        "fitzpatrick": plan.fitzpatrick,
        "start": plan.start,
        "zones": [
            {
                "zone": z.zone,
                "label": plan.zone_label(z.zone),
                "depth_mm": band(z.depth_min_mm, z.depth_max_mm),
                "protocol_depth_mm": band(z.protocol_min_mm, z.protocol_max_mm),
                "outside_band": z.outside_band,
                "reason": z.outside_band_reason,
            }
            for z in plan.zones.all()
        ],
        "sessions": plan.sessions,
        "interval_weeks": {"min": plan.interval_weeks_min, "max": plan.interval_weeks_max},
        "maintenance_months": plan.maintenance_months,
        "schedule": plan.schedule_dates,
        "notes": plan.notes,
        "protocol": {"name": plan.protocol.name, "version": plan.protocol.content_hash},
        "proposal": plan.proposal,
        "activated_at": plan.activated_at,
        "ended_at": plan.ended_at,
        "history": [
            {
                "from_status": c.from_status or None,
                "to_status": c.to_status,
                "reason": c.reason,
                "at": c.at,
                "by": c.by.email if c.by else None,
            }
            for c in plan.status_changes.all()
        ],
        "created_by": plan.created_by.email if plan.created_by else None,
        "created_at": plan.created_at,
        "updated_at": plan.updated_at,
    }


@router.post(
    "/plans/propose", response={200: ProposalOut, **ERRORS}, openapi_extra=refusals(status_422=KNOWN_CHOICES)
)
@api_policy(Category.PLANS)
def propose(request, payload: ProposeIn):  # type: ignore[no-untyped-def]
    """Propose depths per zone, the series, its dates and the maintenance rhythm from the clinic's
    protocol. Stores nothing. Unknown zones, indications or device answer 422 listing the valid ones."""
    _, _, proposal = selectors.propose_for(request.clinic, **payload.dict())
    record = selectors.proposal_record(proposal)
    for zone in record["zones"]:
        zone["notes"] = record["zone_notes"].get(zone["zone"], [])
    return record


@router.get("/patients/{patient_id}/plans", response={200: PlanList, **ERRORS})
@api_policy(Category.PLANS)
def list_plans(request, patient_id: UUID):  # type: ignore[no-untyped-def]
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    plans = [plan_out(p) for p in selectors.plans_of(patient)[:200]]
    record_patient_read(patient=patient, by=request.user, action="plan.view", request=request)
    return {"items": plans, "count": len(plans)}


@router.post(
    "/patients/{patient_id}/plans",
    response={201: PlanOut, **ERRORS},
    openapi_extra=refusals(status_422=KNOWN_CHOICES),
)
@api_policy(Category.PLANS, write=True)
def create_plan(request, patient_id: UUID, payload: PlanIn):  # type: ignore[no-untyped-def]
    """Create a draft plan from the protocol's proposal, with any adjustments. A depth outside the
    protocol's band needs a `reason` (409 without one)."""
    patient = patient_selectors.patient_for(request.clinic, patient_id, include_archived=False)
    fitzpatrick = payload.fitzpatrick
    if "fitzpatrick" not in payload.model_fields_set:
        fitzpatrick = selectors.default_fitzpatrick(patient)
    plan = services.create_plan(
        patient=patient,
        by=request.user,
        indications=payload.indications,
        zones=payload.zones,
        device=payload.device,
        fitzpatrick=fitzpatrick,
        start=payload.start or clinic_today(request.clinic),
        changes=_changes(payload),
        request=request,
    )
    return Status(201, plan_out(selectors.plan_for(patient, plan.pk)))


@router.get("/patients/{patient_id}/plans/{plan_id}", response={200: PlanOut, **ERRORS})
@api_policy(Category.PLANS)
def get_plan(request, patient_id: UUID, plan_id: UUID):  # type: ignore[no-untyped-def]
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    plan = selectors.plan_for(patient, plan_id)
    record_patient_read(patient=patient, by=request.user, action="plan.view", request=request)
    return plan_out(plan)


@router.patch("/patients/{patient_id}/plans/{plan_id}", response={200: PlanOut, **ERRORS})
@api_policy(Category.PLANS, write=True)
def adjust_plan(request, patient_id: UUID, plan_id: UUID, payload: PlanPatch):  # type: ignore[no-untyped-def]
    """Adjust a draft or active plan; its protocol version stays the one it was made under."""
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    plan = selectors.plan_for(patient, plan_id)
    services.update_plan(plan=plan, by=request.user, changes=_changes(payload), request=request)
    return plan_out(selectors.plan_for(patient, plan_id))


@router.post("/patients/{patient_id}/plans/{plan_id}/status", response={200: PlanOut, **ERRORS})
@api_policy(Category.PLANS, write=True)
def change_status(request, patient_id: UUID, plan_id: UUID, payload: PlanStatusIn):  # type: ignore[no-untyped-def]
    """Activate (needs a valid screening, and no other active plan on the same zones), complete, or stop
    (with a reason). Completed and stopped are final; a refused move answers 409 saying why."""
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    plan = selectors.plan_for(patient, plan_id)
    services.change_plan_status(
        plan=plan, by=request.user, status=payload.status, reason=payload.reason, request=request
    )
    return plan_out(selectors.plan_for(patient, plan_id))
