"""The interop part of the API: erasure, the FHIR bundle, the full export, import. Thin."""

import json
from typing import Any
from uuid import UUID

from django.http import HttpResponse
from django.utils import timezone
from ninja import Router

from needlecare.audit.services import record_event
from needlecare.clinics.policies import Category, api_owner_only, api_policy, readable_for
from needlecare.core.api_errors import ERRORS
from needlecare.core.errors import CONFLICT, Refused
from needlecare.interop import services
from needlecare.interop.export import clinic_zip, download, patient_zip
from needlecare.interop.fhir import patient_bundle
from needlecare.interop.importer import (
    ImportFileError,
    check_mapping,
    guess_mapping,
    read_csv,
    run_import,
)
from needlecare.interop.schemas import ErasedOut, EraseIn, ImportCheckIn, ImportIn, ImportOut
from needlecare.patients import selectors as patient_selectors
from needlecare.patients.services import record_patient_read

router = Router(tags=["interop"])


def _content(status: int, media_type: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"responses": {status: {"description": "OK", "content": {media_type: {"schema": schema}}}}}


ZIP = _content(200, "application/zip", {"type": "string", "format": "binary"})


@router.post("/patients/{patient_id}/erase", response={200: ErasedOut, **ERRORS})
@api_owner_only
def erase_patient(request, patient_id: UUID, payload: EraseIn):  # type: ignore[no-untyped-def]
    """Erase the patient on their request (owner only; send `{"confirm": true}`). Identity, contact
    details, free text and photos go; sessions with cartridge lots and adverse events stay without
    identity. Afterwards the patient answers 404 everywhere. Cannot be undone."""
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    done = services.erase_patient(patient=patient, by=request.user, request=request)
    return {"patient_id": str(patient.pk), "erased": done.counts, "files": len(done.files)}


@router.get(
    "/patients/{patient_id}/fhir",
    response={200: dict[str, Any], **ERRORS},
    openapi_extra=_content(200, "application/fhir+json", {"type": "object"}),
)
@api_policy(Category.DEMOGRAPHICS)
def fhir_bundle(request, patient_id: UUID):  # type: ignore[no-untyped-def]
    """The patient's whole record as a FHIR R4 Bundle (type `collection`, `application/fhir+json`):
    Patient, Condition, AllergyIntolerance, QuestionnaireResponse, CarePlan, Procedure, Observation,
    Appointment, Consent and Media. Codes and local code systems: docs/fhir.md. A token holds the
    resources of the data categories its role may read (the front desk gets no Observation of scores, no
    Media and no complications; see the data policies in docs/architecture.md)."""
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    bundle = patient_bundle(patient, generated_at=timezone.now(), readable=readable_for(request))
    record_patient_read(patient=patient, by=request.user, action="patient.fhir_export", request=request)
    return HttpResponse(json.dumps(bundle), content_type="application/fhir+json")


@router.get("/patients/{patient_id}/export", response={200: bytes, **ERRORS}, openapi_extra=ZIP)
@api_policy(Category.DEMOGRAPHICS)
def patient_export(request, patient_id: UUID):  # type: ignore[no-untyped-def]
    """The patient's whole record as a ZIP (`application/zip`): `fhir.json` (FHIR R4 Bundle),
    `record.json` (every row, table by table), `photos/`, `consents/` (as signed, HTML) and
    `aftercare/` (the PDF sheets); for a token's role only the data categories it may read (README.txt
    names what was left out)."""
    patient = patient_selectors.patient_for(request.clinic, patient_id)
    archive = patient_zip(
        patient, by=request.user, generated_at=timezone.now(), categories=readable_for(request)
    )
    record_patient_read(patient=patient, by=request.user, action="patient.full_export", request=request)
    return download(archive, f"patient-{patient.pk}.zip")


@router.get("/clinic/export", response={200: bytes, **ERRORS}, openapi_extra=ZIP)
@api_owner_only
def clinic_export(request):  # type: ignore[no-untyped-def]
    """The whole clinic as a ZIP (owner only): `record.json`, `patients.csv` (the import's shape),
    `audit.json`, and each patient's own export under `patients/<id>/`. Erased patients are not in it."""
    archive = clinic_zip(request.clinic, by=request.user, generated_at=timezone.now())
    record_event(clinic=request.clinic, user=request.user, action="clinic.full_export", request=request)
    return download(archive, f"clinic-{request.clinic.slug}.zip")


def _import(request, payload, *, dry_run: bool, confirmed: list[int] | None):  # type: ignore[no-untyped-def]
    try:
        table = read_csv(payload.csv)
    except ImportFileError as error:
        # A file that cannot be read is the dry run's finding, like a bad row: the whole file is refused.
        table, mapping = None, payload.mapping or {}
        file_errors = [{"line": 1, "field": "csv", "reason": str(error)}]
    else:
        mapping = payload.mapping if payload.mapping is not None else guess_mapping(table.headers)
        file_errors = [
            {"line": 1, "field": f"mapping.{k}", "reason": v}
            for k, v in check_mapping(mapping, table.headers).items()
        ]
    if table is None or file_errors:
        if not dry_run and confirmed:
            raise Refused(
                "The file no longer checks as it did in the dry run: nothing was imported.",
                code="import_changed",
                status=CONFLICT,
            )
        rows = len(table.rows) if table is not None else 0
        return {
            "dry_run": dry_run,
            "rows": rows,
            "mapping": mapping,
            "good_lines": [],
            "errors": file_errors,
            "patients": 0,
            "appointments": 0,
        }
    report = run_import(
        clinic=request.clinic,
        table=table,
        mapping=mapping,
        by=request.user,
        dry_run=dry_run,
        confirmed_lines=confirmed,
        request=request,
    )
    return {**report.__dict__, "mapping": mapping}


@router.post("/import/patients/check", response={200: ImportOut, **ERRORS})
@api_owner_only
def check_import(request, payload: ImportCheckIn):  # type: ignore[no-untyped-def]
    """The dry run of an import from another system's CSV (owner only): every row is checked exactly as
    the import would write it, and every bad row is reported by line, field and reason. Nothing is saved.
    A file that cannot be read, or a mapping that does not fit it, is reported on line 1."""
    return _import(request, payload, dry_run=True, confirmed=None)


@router.post("/import/patients", response={200: ImportOut, **ERRORS})
@api_owner_only
def import_patients(request, payload: ImportIn):  # type: ignore[no-untyped-def]
    """Import patients (and upcoming appointments) from another system's CSV (owner only). Send the same
    CSV and mapping as the dry run (`/import/patients/check`) with `confirmed_lines` = its `good_lines`:
    every good row is written in one transaction, or nothing at all (409) when the rows no longer check
    as they did."""
    return _import(request, payload, dry_run=False, confirmed=payload.confirmed_lines)
