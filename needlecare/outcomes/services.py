"""Writes for outcomes: clinic scales, assessments and photos. Each checks everything first, then writes
in one transaction with its audit event; a refusal names each problem and writes nothing."""

import errno
import hashlib
import secrets
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction

from needlecare.aftercare.reach import PhotoNotTaken
from needlecare.audit.services import record_event
from needlecare.clinics.models import Clinic
from needlecare.consent.selectors import signatures_of
from needlecare.core.clock import clinic_today
from needlecare.core.errors import Refused
from needlecare.core.storage import private_storage
from needlecare.outcomes import imaging, scales
from needlecare.outcomes.models import Assessment, ClinicScale, Photo, Rater, View
from needlecare.patients.models import Patient
from needlecare.plans.models import TreatmentPlan
from needlecare.protocols.selectors import current_protocol
from needlecare.treatments.models import Treatment

# --- Scales -------------------------------------------------------------------------------------


def scales_for(clinic: Clinic) -> dict[str, scales.Scale]:
    """The standard scales and this clinic's own, by key."""
    return scales.all_scales(c.as_scale() for c in ClinicScale.objects.filter(clinic=clinic))


def define_scale(*, clinic: Clinic, by: Any, data: dict[str, Any], request: Any = None) -> ClinicScale:
    labels = data.get("labels") or {}
    scale = ClinicScale(
        clinic=clinic,
        key=data["key"],
        name=data["name"].strip(),
        minimum=data["minimum"],
        maximum=data["maximum"],
        better=data["better"],
        whole_numbers=data.get("whole_numbers", True),
        labels={str(k): str(v) for k, v in labels.items()},
        created_by=by,
    )
    scale.full_clean(exclude=["clinic", "created_by"])
    bad = [k for k in labels if not scale.minimum <= Decimal(str(k)) <= scale.maximum]
    if bad:
        raise ValidationError({"labels": f"Labels outside the scale's range: {', '.join(map(str, bad))}."})
    if ClinicScale.objects.filter(clinic=clinic, key=scale.key).exists():
        raise ValidationError({"key": f"The clinic already has a scale called {scale.key}."})
    try:
        with transaction.atomic():
            scale.save()
            record_event(
                clinic=clinic,
                user=by,
                action="outcome_scale.define",
                obj=scale,
                request=request,
                detail={"key": scale.key},
            )
    except IntegrityError:
        raise ValidationError({"key": f"The clinic already has a scale called {scale.key}."}) from None
    return scale


# --- Assessments ----------------------------------------------------------------------------------


@dataclass
class AssessmentInput:
    scale: str
    assessed_on: date
    zone: str
    indication: str
    rater: str
    value: Decimal | None = None
    scar_counts: dict[str, int] | None = None
    is_baseline: bool = False
    treatment_id: Any = None
    plan_id: Any = None
    photo_ids: list[Any] = field(default_factory=list)
    notes: str = ""


class AssessmentRefused(Refused, ValidationError):  # type: ignore[misc]  # Refused's str code and message
    """The problems by field; `status` says what kind: 422 invalid, 404 a linked object (or clinic scale)
    that does not exist here, 409 a conflict with the patient's record."""

    status = 422


def _check_assessment(patient: Patient, data: AssessmentInput) -> tuple[dict[str, str], dict[str, Any]]:
    errors: dict[str, str] = {}
    found: dict[str, Any] = {"kinds": {}}
    available = scales_for(patient.clinic)
    scale = available.get(data.scale)
    if scale is None:
        errors["scale"] = f"Unknown scale {data.scale!r}; known: {', '.join(available)}."
        found["kinds"]["scale"] = 404  # a clinic scale that does not exist here
    elif scale.computed:
        problems = scales.check_scar_counts(data.scar_counts if data.scar_counts is not None else None)
        if data.scar_counts is None:
            problems = ["Give the number of scars of each type (scar_counts); the score is computed."]
        if problems:
            errors["scar_counts"] = " ".join(problems)
        elif data.value is not None:
            errors["value"] = "This score is computed from scar_counts: leave value out."
        else:
            found["value"] = Decimal(scales.goodman_baron_score(data.scar_counts or {}))
    elif data.value is None:
        errors["value"] = f"Give a score on the {scale.name}."
    else:
        problem = scale.check(data.value)
        if problem:
            errors["value"] = problem
        else:
            found["value"] = Decimal(str(data.value))
    if scale is not None and not scale.computed and data.scar_counts:
        errors["scar_counts"] = "Scar counts belong to the Goodman and Baron quantitative score only."
    if scale is not None and scale.relative and data.is_baseline:
        errors["is_baseline"] = f"The {scale.name} rates change since the baseline, so a baseline has none."
    found["scale"] = scale

    today = clinic_today(patient.clinic)
    if data.assessed_on > today:
        errors["assessed_on"] = "An assessment cannot be dated in the future."
    elif data.assessed_on < patient.date_of_birth:
        errors["assessed_on"] = "An assessment cannot be dated before the patient's birth."
        found["kinds"]["assessed_on"] = 409

    _, protocol = current_protocol(patient.clinic)
    if data.zone not in protocol.zones:
        errors["zone"] = f"Unknown zone {data.zone!r}; zones: {', '.join(protocol.zones)}."
    if data.indication not in protocol.indications:
        errors["indication"] = (
            f"Unknown indication {data.indication!r}; indications: {', '.join(protocol.indications)}."
        )
    if data.rater not in Rater.values:
        errors["rater"] = "The rater is the clinician or the patient."

    if data.treatment_id:
        treatment = Treatment.objects.filter(
            clinic_id=patient.clinic_id, patient=patient, pk=data.treatment_id
        ).first()
        if treatment is None:
            errors["treatment_id"] = "No such session for this patient."
            found["kinds"]["treatment_id"] = 404
        found["treatment"] = treatment
    if data.plan_id:
        plan = TreatmentPlan.objects.filter(
            clinic_id=patient.clinic_id, patient=patient, pk=data.plan_id
        ).first()
        if plan is None:
            errors["plan_id"] = "No such plan for this patient."
            found["kinds"]["plan_id"] = 404
        found["plan"] = plan
    wanted = {str(p) for p in data.photo_ids}
    photos = list(Photo.objects.filter(clinic_id=patient.clinic_id, patient=patient, pk__in=wanted))
    if len(photos) != len(wanted):
        errors["photo_ids"] = "Some of those photos are not this patient's."
        found["kinds"]["photo_ids"] = 404
    found["photos"] = photos
    if len(data.notes) > 2000:
        errors["notes"] = "Keep notes within 2,000 characters."
    return errors, found


def record_assessment(*, patient: Patient, by: Any, data: AssessmentInput, request: Any = None) -> Assessment:
    """Record one score, or raise AssessmentRefused naming each problem."""
    errors, found = _check_assessment(patient, data)
    if errors:
        refused = AssessmentRefused(errors)
        # Invalid input first; then a missing object; a conflict with the record only when alone.
        kinds = {found["kinds"].get(field, 422) for field in errors}
        refused.status = 422 if 422 in kinds else 404 if 404 in kinds else 409
        raise refused
    scale = found["scale"]
    with transaction.atomic():
        assessment = Assessment.objects.create(
            clinic_id=patient.clinic_id,
            patient=patient,
            scale=scale.key,
            clinic_scale=(
                None
                if scale.standard
                else ClinicScale.objects.get(clinic_id=patient.clinic_id, key=scale.key)
            ),
            value=found["value"],
            components={"scar_counts": data.scar_counts} if scale.computed else {},
            assessed_on=data.assessed_on,
            zone=data.zone,
            indication=data.indication,
            rater=data.rater,
            is_baseline=data.is_baseline,
            treatment=found.get("treatment"),
            plan=found.get("plan"),
            notes=data.notes.strip(),
            recorded_by=by,
        )
        if found["photos"]:
            assessment.photos.set(found["photos"])
        record_event(
            clinic=patient.clinic,
            user=by,
            action="assessment.record",
            obj=assessment,
            patient_id=patient.pk,
            request=request,
            detail={"scale": scale.key, "rater": data.rater, "baseline": data.is_baseline},
        )
    return assessment


# --- Photos ---------------------------------------------------------------------------------------


class PhotoRefused(Refused, ValidationError):  # type: ignore[misc]  # Refused's str code and message
    """An upload refused (422, each problem by field), or a photo that may not be marked for marketing."""


class PhotoNotStored(Refused):
    """The photo was fine but the disk would not take it (full, or failing); nothing was kept."""

    code = "not_stored"

    def __init__(self, error: OSError) -> None:
        full = error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
        message = (
            "The photo store is full: nothing was saved. Ask whoever runs Needlecare to free disk space, "
            "then upload the photo again."
            if full
            else "The photo store cannot be written just now: nothing was saved. Please try again; if it "
            "persists, tell whoever runs Needlecare."
        )
        super().__init__(message, status=507 if full else 503)


def _write(storage: Storage, name: str, data: bytes) -> str:
    """Save one file, or leave none: a write that fails half-way (a full disk) removes what it wrote."""
    try:
        return storage.save(name, ContentFile(data))
    except OSError:
        try:
            storage.delete(name)  # the random name is ours alone
        except OSError:
            pass
        raise


def _random_name(clinic_id: object, suffix: str) -> str:
    return f"photos/{clinic_id}/{secrets.token_urlsafe(24)}{suffix}.jpg"


def upload_checkin_photo(**kwargs: Any) -> Photo:
    """A check-in photo for aftercare (aftercare/reach.py): upload_photo, its refusal as PhotoNotTaken."""
    try:
        return upload_photo(**kwargs)
    except PhotoRefused as refused:
        raise PhotoNotTaken(" ".join(refused.messages)) from None


def upload_photo(
    *,
    patient: Patient,
    by: Any,
    upload: Any,
    view: str,
    zone: str,
    taken_on: date,
    treatment_id: Any = None,
    note: str = "",
    request: Any = None,
) -> Photo:
    """Check, re-encode and store one photo privately; refuse (PhotoRefused) anything else."""
    errors: dict[str, str] = {}
    if view not in View.values:
        errors["view"] = f"The view is one of: {', '.join(View.values)}."
    _, protocol = current_protocol(patient.clinic)
    if zone not in protocol.zones:
        errors["zone"] = f"Unknown zone {zone!r}."
    if taken_on > clinic_today(patient.clinic):
        errors["taken_on"] = "A photo cannot be dated in the future."
    treatment = None
    if treatment_id:
        treatment = Treatment.objects.filter(
            clinic_id=patient.clinic_id, patient=patient, pk=treatment_id
        ).first()
        if treatment is None:
            errors["treatment_id"] = "No such session for this patient."
    if len(note) > 300:
        errors["note"] = "Keep the note within 300 characters."
    prepared = None
    if upload is None:
        errors["image"] = "Choose a photo to upload."
    elif upload.size is None or upload.size > settings.PHOTO_MAX_BYTES:
        errors["image"] = (
            f"The photo is larger than the {settings.PHOTO_MAX_BYTES // (1024 * 1024)} MB allowed: "
            "send it at the camera's normal size."
        )
    elif upload.size == 0:
        errors["image"] = "The file is empty."
    elif not errors:
        upload.seek(0)
        data = upload.read(settings.PHOTO_MAX_BYTES + 1)
        if len(data) > settings.PHOTO_MAX_BYTES:
            errors["image"] = "The photo is larger than allowed."
        else:
            try:
                prepared = imaging.prepare(data, max_pixels=settings.PHOTO_MAX_PIXELS)
            except imaging.UnsafeImage as error:
                errors["image"] = str(error)
    if errors or prepared is None:
        raise PhotoRefused(errors or {"image": "The photo could not be read."})

    storage = private_storage()
    names: list[str] = []
    try:
        with transaction.atomic():
            file_name = _write(storage, _random_name(patient.clinic_id, ""), prepared.image)
            names.append(file_name)
            thumb_name = _write(storage, _random_name(patient.clinic_id, "-t"), prepared.thumbnail)
            names.append(thumb_name)
            photo = Photo.objects.create(
                clinic_id=patient.clinic_id,
                patient=patient,
                taken_on=taken_on,
                view=view,
                zone=zone,
                treatment=treatment,
                file=file_name,
                thumbnail=thumb_name,
                width=prepared.width,
                height=prepared.height,
                bytes=len(prepared.image),
                uploaded_format=prepared.uploaded_format,
                sha256=hashlib.sha256(prepared.image).hexdigest(),
                note=note.strip(),
                uploaded_by=by,
            )
            record_event(
                clinic=patient.clinic,
                user=by,
                action="photo.upload",
                obj=photo,
                patient_id=patient.pk,
                request=request,
                detail={"view": view, "zone": zone, "format": prepared.uploaded_format},
            )
    except BaseException as error:
        for name in names:  # nothing half-written survives: the files go with the rolled-back row
            with suppress(OSError):  # a store that failed the write may fail this too: say the first
                storage.delete(name)
        if isinstance(error, OSError):
            raise PhotoNotStored(error) from error
        raise
    return photo


def marketing_consent(patient: Patient) -> tuple[bool, str]:
    """Whether the patient's latest signature says yes to photo use beyond the record, and why not."""
    signature = signatures_of(patient).first()
    if signature is None:
        return False, "The patient has not signed a consent form with the photo question."
    if signature.withdrawn_at is not None:
        return False, "The patient withdrew consent: no photo may be used beyond the clinical record."
    if not signature.photo_use:
        return False, "The patient did not agree to photo use beyond the clinical record."
    return True, "The patient agreed to photo use beyond the clinical record."


def set_photo_marketing(*, photo: Photo, by: Any, marketing: bool, request: Any = None) -> Photo:
    """Mark a photo usable for marketing, only with the patient's separate photo consent; unmark any time."""
    if marketing:
        allowed, reason = marketing_consent(photo.patient)
        if not allowed:
            raise PhotoRefused({"marketing": reason}, status=409, detail=reason)
    if photo.marketing == marketing:
        return photo
    with transaction.atomic():
        photo.marketing = marketing
        photo.save(update_fields=["marketing"])
        record_event(
            clinic=photo.patient.clinic,
            user=by,
            action="photo.marketing_set" if marketing else "photo.marketing_cleared",
            obj=photo,
            patient_id=photo.patient_id,
            request=request,
        )
    return photo


def clear_marketing_without_consent(patient: Patient, *, by: Any = None) -> int:
    """Unmark every marketing photo of a patient whose photo consent is no longer given; returns how many."""
    allowed, _ = marketing_consent(patient)
    if allowed:
        return 0
    with transaction.atomic():
        photos = list(Photo.objects.filter(clinic_id=patient.clinic_id, patient=patient, marketing=True))
        if not photos:
            return 0
        Photo.objects.filter(pk__in=[p.pk for p in photos]).update(marketing=False)
        record_event(
            clinic=patient.clinic,
            user=by,
            action="photo.marketing_cleared",
            patient_id=patient.pk,
            detail={"photos": len(photos), "reason": "photo consent not given"},
        )
    return len(photos)
