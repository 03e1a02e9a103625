"""Patients and intake over the API. Thin: parse, call a selector or service, answer."""

from typing import Annotated
from uuid import UUID

from ninja import Path, Query, Router
from ninja.errors import HttpError, ValidationError
from ninja.responses import Status

from needlecare.audit.services import record_event
from needlecare.clinics.policies import Category, api_policy
from needlecare.core.api_errors import ERRORS
from needlecare.core.errors import CONFLICT, Refused
from needlecare.openapi import refusals
from needlecare.patients import selectors, services
from needlecare.patients.models import IntakeSource
from needlecare.patients.schemas import (
    IntakeIn,
    IntakeList,
    IntakeOut,
    ListParams,
    PatientIn,
    PatientList,
    PatientOut,
    PatientPatch,
)

router = Router(tags=["patients"])
Version = Annotated[int, Path(ge=1, le=2_147_483_647, description="The intake's version number, from 1.")]


BIRTH_DATE_RULE = (
    "Invalid input, each problem naming its field in `loc`; besides the schema's own rules, the server "
    "refuses a date of birth before 1900-01-01 or after today."
)


def _reference_free(clinic, reference: str, exclude=None) -> None:  # type: ignore[no-untyped-def]
    if reference:
        taken = selectors.Patient.objects.filter(clinic=clinic, reference=reference)
        if exclude is not None:
            taken = taken.exclude(pk=exclude.pk)
        if taken.exists():
            raise Refused(services.REFERENCE_TAKEN, code="reference_taken", status=CONFLICT)


def _refuse_unknown_query(request, params) -> None:  # type: ignore[no-untyped-def]
    # A misspelt filter (`?search=` for `?q=`) would otherwise quietly list every patient.
    unknown = sorted(set(request.GET) - set(params.model_fields))
    if unknown:
        known = ", ".join(params.model_fields)
        raise ValidationError(
            [
                {"type": "extra_forbidden", "loc": ["query", name], "msg": f"Unknown parameter; use {known}."}
                for name in unknown
            ]
        )


@router.get("", response={200: PatientList, **ERRORS})
@api_policy(Category.DEMOGRAPHICS)
def list_patients(request, params: Query[ListParams]):  # type: ignore[no-untyped-def]
    """The clinic's patients, by family name. `q` searches names, e-mail, phone, reference and date of
    birth (YYYY-MM-DD or DD/MM/YYYY); every word must match."""
    _refuse_unknown_query(request, ListParams)
    patients = selectors.patients_for(request.clinic, query=params.q, archived=params.archived)
    items = list(patients[params.offset : params.offset + params.limit])
    count = patients.count()
    record_event(
        clinic=request.clinic,
        user=request.user,
        action="patient.search" if params.q else "patient.list",
        request=request,
        detail={"results": count, "via": "api"},
    )
    return {"items": items, "count": count}


@router.post("", response={201: PatientOut, **ERRORS}, openapi_extra=refusals(status_422=BIRTH_DATE_RULE))
@api_policy(Category.DEMOGRAPHICS, write=True)
def create_patient(request, payload: PatientIn):  # type: ignore[no-untyped-def]
    """Register a patient. 409 if another patient of the clinic has the same `reference`."""
    _reference_free(request.clinic, payload.reference)
    patient = services.create_patient(
        clinic=request.clinic, by=request.user, data=payload.dict(), request=request
    )
    return Status(201, patient)


@router.get("/{patient_id}", response={200: PatientOut, **ERRORS})
@api_policy(Category.DEMOGRAPHICS)
def get_patient(request, patient_id: UUID):  # type: ignore[no-untyped-def]
    patient = selectors.patient_for(request.clinic, patient_id)
    services.record_patient_read(patient=patient, by=request.user, request=request)
    return patient


@router.patch(
    "/{patient_id}",
    response={200: PatientOut, **ERRORS},
    openapi_extra=refusals(status_422=BIRTH_DATE_RULE),
)
@api_policy(Category.DEMOGRAPHICS, write=True)
def update_patient(request, patient_id: UUID, payload: PatientPatch):  # type: ignore[no-untyped-def]
    """Change the fields sent; fields left out keep their values. None may be set to null."""
    patient = selectors.patient_for(request.clinic, patient_id)
    data = payload.dict(exclude_unset=True)
    _reference_free(request.clinic, data.get("reference", ""), exclude=patient)
    return services.update_patient(patient=patient, by=request.user, data=data, request=request)


@router.post("/{patient_id}/archive", response={200: PatientOut, **ERRORS})
@api_policy(Category.DEMOGRAPHICS, write=True)
def archive_patient(request, patient_id: UUID):  # type: ignore[no-untyped-def]
    """Archive a patient: kept, readable, out of the default list. Archiving twice changes nothing."""
    patient = selectors.patient_for(request.clinic, patient_id)
    return services.archive_patient(patient=patient, by=request.user, request=request)


@router.get("/{patient_id}/intakes", response={200: IntakeList, **ERRORS})
@api_policy(Category.INTAKE)
def list_intakes(request, patient_id: UUID):  # type: ignore[no-untyped-def]
    """Every intake version of the patient, newest first."""
    patient = selectors.patient_for(request.clinic, patient_id)
    intakes = list(selectors.intakes_of(patient).order_by("-version"))
    services.record_patient_read(patient=patient, by=request.user, action="intake.view", request=request)
    return {"items": intakes, "count": len(intakes)}


@router.post("/{patient_id}/intakes", response={201: IntakeOut, **ERRORS})
@api_policy(Category.INTAKE, write=True)
def submit_intake(request, patient_id: UUID, payload: IntakeIn):  # type: ignore[no-untyped-def]
    """Store the answers as the patient's next intake version; earlier versions stay as they were.
    409 if the patient is archived."""
    patient = selectors.patient_for(request.clinic, patient_id)
    if patient.is_archived:
        raise HttpError(409, "This patient is archived: restore the patient before submitting an intake.")
    intake = services.submit_intake(
        patient=patient, answers=payload.answers, by=request.user, source=IntakeSource.API, request=request
    )
    return Status(201, intake)


@router.get("/{patient_id}/intakes/{version}", response={200: IntakeOut, **ERRORS})
@api_policy(Category.INTAKE)
def get_intake(request, patient_id: UUID, version: Version):  # type: ignore[no-untyped-def]
    patient = selectors.patient_for(request.clinic, patient_id)
    intake = selectors.intake_version(patient, version)
    services.record_patient_read(
        patient=patient, by=request.user, action="intake.view", request=request, detail={"version": version}
    )
    return intake
