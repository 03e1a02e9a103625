"""Outcomes over the API: the scales, assessments (list, record, read) and photos (upload, list, read,
fetch the image). Another clinic's ids answer 404; out-of-range scores and unsafe files answer 422."""

from typing import Any
from uuid import UUID

from django.http import FileResponse, Http404
from ninja import Router
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import Status
from pydantic import ValidationError as PydanticValidationError

from needlecare.clinics.policies import Category, api_any_role, api_policy
from needlecare.core.api_errors import ERRORS, Error
from needlecare.core.storage import private_storage
from needlecare.openapi import refusals
from needlecare.outcomes import scales, selectors, services
from needlecare.outcomes.models import Assessment, Photo
from needlecare.outcomes.schemas import (
    AssessmentIn,
    AssessmentList,
    AssessmentOut,
    MarketingIn,
    PhotoForm,
    PhotoList,
    PhotoOut,
    ScaleList,
)
from needlecare.patients import selectors as patient_selectors
from needlecare.patients.services import record_patient_read

router = Router(tags=["outcomes"])


def _scale_out(scale: scales.Scale) -> dict[str, Any]:
    return {
        "key": scale.key,
        "name": scale.name,
        "minimum": scale.minimum,
        "maximum": scale.maximum,
        "better": scale.better,
        "whole_numbers": scale.whole,
        "relative": scale.relative,
        "computed": scale.computed,
        "standard": scale.standard,
        "labels": {str(k): v for k, v in scale.labels.items()},
        "source": scale.source,
    }


def _assessment_out(a: Assessment, available: dict[str, scales.Scale]) -> dict[str, Any]:
    scale = available.get(a.scale)
    return {
        "assessment_id": a.pk,
        "patient_id": a.patient_id,
        "scale": a.scale,
        "scale_name": scale.name if scale else a.scale,
        "value": a.value,
        "label": scale.label(a.value) if scale else "",
        "scar_counts": (a.components or {}).get("scar_counts"),
        "assessed_on": a.assessed_on,
        "zone": a.zone,
        "indication": a.indication,
        "rater": a.rater,
        "is_baseline": a.is_baseline,
        "session_id": a.treatment_id,
        "plan_id": a.plan_id,
        "photo_ids": [p.pk for p in a.photos.all()],
        "notes": a.notes,
        "recorded_by": a.recorded_by.email if a.recorded_by else None,
        "recorded_at": a.recorded_at,
    }


def _photo_out(photo: Photo) -> dict[str, Any]:
    base = f"/api/v1/patients/{photo.patient_id}/photos/{photo.pk}"
    return {
        "photo_id": photo.pk,
        "patient_id": photo.patient_id,
        "taken_on": photo.taken_on,
        "view": photo.view,
        "zone": photo.zone,
        "session_id": photo.treatment_id,
        "width": photo.width,
        "height": photo.height,
        "bytes": photo.bytes,
        "uploaded_format": photo.uploaded_format,
        "sha256": photo.sha256,
        "marketing": photo.marketing,
        "note": photo.note,
        "image_url": base + "/image",
        "uploaded_at": photo.uploaded_at,
    }


@router.get("/outcome-scales", response={200: ScaleList, **ERRORS})
@api_any_role
def list_scales(request):  # type: ignore[no-untyped-def]
    """The standard scales and the clinic's own: range, which direction is better, labels."""
    return {
        "items": [_scale_out(s) for s in services.scales_for(request.clinic).values()],
        "scar_types": {t.key: f"{t.label} ({t.points} per scar)" for t in scales.SCAR_TYPES},
    }


@router.get("/patients/{patient_id}/assessments", response={200: AssessmentList, **ERRORS})
@api_policy(Category.ASSESSMENTS)
def list_assessments(request, patient_id: UUID):  # type: ignore[no-untyped-def]
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    available = services.scales_for(request.clinic)
    items = [_assessment_out(a, available) for a in selectors.assessments_of(patient)[:2000]]
    record_patient_read(patient=patient, by=request.user, action="assessment.view", request=request)
    return {"items": items, "count": len(items)}


@router.post(
    "/patients/{patient_id}/assessments",
    response={201: AssessmentOut, **ERRORS},
    openapi_extra=refusals(
        status_422="Invalid input, each problem named: the scale must be a known scale (GET /outcome-scales: "
        "the standard ones and the clinic's own) and the score inside its range (whole on a whole-number "
        "scale); the zone and indication must be known to the clinic's protocol; a change scale (GAIS, "
        "satisfaction) has no baseline."
    ),
)
@api_policy(Category.ASSESSMENTS, write=True)
def record_assessment(request, patient_id: UUID, payload: AssessmentIn):  # type: ignore[no-untyped-def]
    """Record one score. Refused, each problem named: 422 when the score is outside the scale's range (or
    not a whole number on a whole-number scale), the zone or indication is not in the clinic's protocol,
    or a baseline is given on a change scale (GAIS, satisfaction); 404 when the clinic has no such scale
    or the linked session, plan or photo is not this patient's; 409 when dated before the patient's birth."""
    patient = patient_selectors.patient_for(request.clinic, patient_id, include_archived=False)
    data = services.AssessmentInput(
        scale=payload.scale,
        assessed_on=payload.assessed_on,
        zone=payload.zone,
        indication=payload.indication,
        rater=payload.rater,
        value=payload.value,
        scar_counts=payload.scar_counts,
        is_baseline=payload.is_baseline,
        treatment_id=payload.session_id,
        plan_id=payload.plan_id,
        photo_ids=list(payload.photo_ids),
        notes=payload.notes,
    )
    assessment = services.record_assessment(patient=patient, by=request.user, data=data, request=request)
    available = services.scales_for(request.clinic)
    return Status(201, _assessment_out(selectors.assessment_of(patient, assessment.pk), available))


@router.get("/patients/{patient_id}/assessments/{assessment_id}", response={200: AssessmentOut, **ERRORS})
@api_policy(Category.ASSESSMENTS)
def get_assessment(request, patient_id: UUID, assessment_id: UUID):  # type: ignore[no-untyped-def]
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    assessment = selectors.assessment_of(patient, assessment_id)
    record_patient_read(patient=patient, by=request.user, action="assessment.view", request=request)
    return _assessment_out(assessment, services.scales_for(request.clinic))


@router.get("/patients/{patient_id}/photos", response={200: PhotoList, **ERRORS})
@api_policy(Category.PHOTOS)
def list_photos(request, patient_id: UUID):  # type: ignore[no-untyped-def]
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    items = [_photo_out(p) for p in selectors.photos_of(patient)[:1000]]
    record_patient_read(patient=patient, by=request.user, action="photo.list", request=request)
    return {"items": items, "count": len(items)}


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["image", "view", "zone", "taken_on"],
                    "properties": {
                        "image": {"type": "string", "format": "binary", "description": "JPEG, PNG or HEIC."},
                        "view": {
                            "type": "string",
                            "enum": ["front", "left", "right", "oblique_left", "oblique_right"],
                        },
                        "zone": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "maxLength": 40},
                        "taken_on": {"type": "string", "format": "date"},
                        "session_id": {"type": "string", "format": "uuid"},
                        "note": {"type": "string", "maxLength": 300},
                    },
                },
                "encoding": {"image": {"contentType": "image/jpeg, image/png, image/heic"}},
            }
        },
    }
}


@router.post(
    "/patients/{patient_id}/photos",
    response={201: PhotoOut, **ERRORS, 503: Error, 507: Error},
    openapi_extra=refusals(
        extra=UPLOAD_BODY,
        status_422="Invalid upload: not multipart/form-data, a file that is not a JPEG, PNG or HEIC image "
        "(read from its content) or is too large, or a zone the clinic's protocol does not know.",
    ),
)
@api_policy(Category.PHOTOS, write=True)
def upload_photo(request, patient_id: UUID):  # type: ignore[no-untyped-def]
    """Upload one photo as multipart/form-data. The type is read from the content (JPEG, PNG, HEIC), the
    size and pixel count are limited, and the photo is re-encoded without EXIF or GPS data."""
    patient = patient_selectors.patient_for(request.clinic, patient_id, include_archived=False)
    if not (request.content_type or "").startswith("multipart/form-data"):
        raise HttpError(
            422, "Send the photo as multipart/form-data with the fields image, view, zone, taken_on."
        )
    try:
        fields = PhotoForm.model_validate(
            {k: v for k, v in request.POST.items() if k in PhotoForm.model_fields}
        )
    except PydanticValidationError as error:
        raise NinjaValidationError(
            [
                {"loc": ["form", *e["loc"]], "msg": e["msg"], "type": e["type"]}
                for e in error.errors(include_url=False, include_context=False, include_input=False)
            ]
        ) from None
    photo = services.upload_photo(
        patient=patient,
        by=request.user,
        upload=request.FILES.get("image"),
        view=fields.view,
        zone=fields.zone,
        taken_on=fields.taken_on,
        treatment_id=fields.session_id,
        note=fields.note,
        request=request,
    )
    return Status(201, _photo_out(photo))


@router.get("/patients/{patient_id}/photos/{photo_id}", response={200: PhotoOut, **ERRORS})
@api_policy(Category.PHOTOS)
def get_photo(request, patient_id: UUID, photo_id: UUID):  # type: ignore[no-untyped-def]
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    photo = selectors.photo_of(patient, photo_id)
    record_patient_read(patient=patient, by=request.user, action="photo.view", request=request)
    return _photo_out(photo)


IMAGE_RESPONSE = {
    "responses": {
        "200": {
            "description": "The photo as JPEG.",
            "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get(
    "/patients/{patient_id}/photos/{photo_id}/image",
    response={200: None, **ERRORS},
    openapi_extra=IMAGE_RESPONSE,
)
@api_policy(Category.PHOTOS)
def get_photo_image(request, patient_id: UUID, photo_id: UUID):  # type: ignore[no-untyped-def]
    """The stored photo (JPEG, no metadata), served with `X-Content-Type-Options: nosniff`."""
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    photo = selectors.photo_of(patient, photo_id)
    try:
        handle = private_storage().open(photo.file, "rb")
    except OSError:
        raise Http404 from None
    record_patient_read(
        patient=patient,
        by=request.user,
        action="photo.image",
        request=request,
        detail={"photo": str(photo.pk)},
    )
    response = FileResponse(handle, content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@router.put("/patients/{patient_id}/photos/{photo_id}/marketing", response={200: PhotoOut, **ERRORS})
@api_policy(Category.PHOTOS, write=True)
def set_marketing(request, patient_id: UUID, photo_id: UUID, payload: MarketingIn):  # type: ignore[no-untyped-def]
    """Mark a photo for use beyond the clinical record (409 unless the patient's latest signature agreed
    to photo use and is not withdrawn), or unmark it."""
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    photo = selectors.photo_of(patient, photo_id)
    photo.patient = patient
    services.set_photo_marketing(photo=photo, by=request.user, marketing=payload.marketing, request=request)
    return _photo_out(photo)
