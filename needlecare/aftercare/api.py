"""Aftercare over the API: a session's timeline, a patient's check-ins, and check-ins with warning signs."""

from typing import Any
from uuid import UUID

from ninja import Router

from needlecare.aftercare import selectors
from needlecare.aftercare.models import AftercareTimeline, CheckIn
from needlecare.aftercare.schemas import CheckInList, TimelineOut
from needlecare.audit.services import record_event
from needlecare.clinics.policies import Category, api_policy
from needlecare.core.api_errors import ERRORS
from needlecare.patients import selectors as patient_selectors
from needlecare.patients.services import record_patient_read
from needlecare.treatments import selectors as treatment_selectors

router = Router(tags=["aftercare"])


def _timeline(record: AftercareTimeline) -> dict[str, Any]:
    return {
        "session_id": record.treatment_id,
        "patient_id": record.patient_id,
        "starts_on": record.starts_on,
        "deepest_mm": float(record.deepest_mm),
        "extra_days": record.extra_days,
        "notes": record.notes,
        "protocol": {"name": record.protocol.name, "version": record.protocol.content_hash},
        "steps": [
            {**s["step"].as_dict(), "label": s["label"], "starts_on": s["starts"], "ends_on": s["ends"]}
            for s in record.dated_steps()
        ],
    }


def _checkin(checkin: CheckIn) -> dict[str, Any]:
    fields = {f: getattr(checkin, f) for f in CheckInOut_FIELDS}
    return {**fields, "id": checkin.pk, "patient_id": checkin.patient_id, "session_id": checkin.treatment_id}


CheckInOut_FIELDS = (  # noqa: N816
    "day", "redness", "swelling", "pain", "getting_worse", "warmth", "pus", "fever", "spreading_redness",
    "blisters_or_cold_sores", "rash_or_itching", "darkening", "notes", "warning_signs", "submitted_at",
    "reviewed_at",
)  # fmt: skip


@router.get("/patients/{patient_id}/sessions/{session_id}/aftercare", response={200: TimelineOut, **ERRORS})
@api_policy(Category.SESSIONS)
def get_timeline(request, patient_id: UUID, session_id: UUID):  # type: ignore[no-untyped-def]
    """The session's aftercare timeline, day by day, as the protocol version in force gave it."""
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    record = selectors.timeline_of(treatment_selectors.session_of(patient, session_id))
    record_patient_read(patient=patient, by=request.user, action="aftercare.view", request=request)
    return _timeline(record)


@router.get("/patients/{patient_id}/check-ins", response={200: CheckInList, **ERRORS})
@api_policy(Category.CHECKINS)
def list_checkins(request, patient_id: UUID):  # type: ignore[no-untyped-def]
    """The patient's day 1/3/7 check-ins, newest first, with the warning signs each showed
    (practitioners and owners: see the data policies in docs/architecture.md)."""
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    items = [_checkin(c) for c in selectors.checkins_of(patient)[:500]]
    record_patient_read(patient=patient, by=request.user, action="checkin.view", request=request)
    return {"items": items, "count": len(items)}


@router.get("/aftercare/alerts", response={200: CheckInList, **ERRORS})
@api_policy(Category.CHECKINS)
def list_alerts(request):  # type: ignore[no-untyped-def]
    """Check-ins with warning signs that nobody has marked as dealt with yet, oldest first
    (practitioners and owners)."""
    items = [_checkin(c) for c in selectors.alerts_for(request.clinic)[:500]]
    record_event(
        clinic=request.clinic, user=request.user, action="checkin.alerts", request=request,
        detail={"count": len(items)},
    )  # fmt: skip
    return {"items": items, "count": len(items)}
