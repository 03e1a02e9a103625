"""Patients and intake over the API. Thin: parse, call a selector or service, answer."""

from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from needlecare.audit.services import record_event
from needlecare.patients import selectors, services
from needlecare.patients.models import IntakeSource
from needlecare.patients.schemas import (
    IntakeIn,
    IntakeList,
    IntakeOut,
    Message,
    PatientIn,
    PatientList,
    PatientOut,
    PatientPatch,
)

router = Router(tags=["patients"])
ERRORS = {400: Message, 401: Message, 404: Message, 422: Message}


class ListParams(Schema):
    q: str = Field("", max_length=100)
    archived: bool = False
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10_000_000)


def _write(service, **kwargs):  # type: ignore[no-untyped-def]
    try:
        return service(**kwargs)
    except DjangoValidationError as error:
        raise HttpError(
            422, "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
        ) from error


def _reference_free(clinic, reference: str, exclude=None) -> None:  # type: ignore[no-untyped-def]
    if reference:
        taken = selectors.Patient.objects.filter(clinic=clinic, reference=reference)
        if exclude is not None:
            taken = taken.exclude(pk=exclude.pk)
        if taken.exists():
            raise HttpError(422, "reference: another patient of this clinic has this reference.")


@router.get("", response={200: PatientList, **ERRORS})
def list_patients(request, params: Query[ListParams]):  # type: ignore[no-untyped-def]
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


@router.post("", response={201: PatientOut, **ERRORS})
def create_patient(request, payload: PatientIn):  # type: ignore[no-untyped-def]
    _reference_free(request.clinic, payload.reference)
    patient = _write(
        services.create_patient, clinic=request.clinic, by=request.user, data=payload.dict(), request=request
    )
    return 201, patient


@router.get("/{patient_id}", response={200: PatientOut, **ERRORS})
def get_patient(request, patient_id: UUID):  # type: ignore[no-untyped-def]
    patient = selectors.patient_for(request.clinic, patient_id)
    services.record_patient_read(patient=patient, by=request.user, request=request)
    return patient


@router.patch("/{patient_id}", response={200: PatientOut, **ERRORS})
def update_patient(request, patient_id: UUID, payload: PatientPatch):  # type: ignore[no-untyped-def]
    patient = selectors.patient_for(request.clinic, patient_id)
    data = payload.dict(exclude_unset=True)
    if any(data.get(k) is None for k in data):
        raise HttpError(422, "Fields may be left out, but not set to null.")
    _reference_free(request.clinic, data.get("reference", ""), exclude=patient)
    return _write(services.update_patient, patient=patient, by=request.user, data=data, request=request)


@router.post("/{patient_id}/archive", response={200: PatientOut, **ERRORS})
def archive_patient(request, patient_id: UUID):  # type: ignore[no-untyped-def]
    patient = selectors.patient_for(request.clinic, patient_id)
    return services.archive_patient(patient=patient, by=request.user, request=request)


@router.get("/{patient_id}/intakes", response={200: IntakeList, **ERRORS})
def list_intakes(request, patient_id: UUID):  # type: ignore[no-untyped-def]
    patient = selectors.patient_for(request.clinic, patient_id)
    intakes = list(selectors.intakes_of(patient).order_by("-version"))
    services.record_patient_read(patient=patient, by=request.user, action="intake.view", request=request)
    return {"items": intakes, "count": len(intakes)}


@router.post("/{patient_id}/intakes", response={201: IntakeOut, **ERRORS})
def submit_intake(request, patient_id: UUID, payload: IntakeIn):  # type: ignore[no-untyped-def]
    patient = selectors.patient_for(request.clinic, patient_id, include_archived=False)
    intake = services.submit_intake(
        patient=patient, answers=payload.answers, by=request.user, source=IntakeSource.API, request=request
    )
    return 201, intake


@router.get("/{patient_id}/intakes/{version}", response={200: IntakeOut, **ERRORS})
def get_intake(request, patient_id: UUID, version: int):  # type: ignore[no-untyped-def]
    patient = selectors.patient_for(request.clinic, patient_id)
    if not 1 <= version <= 1_000_000:
        raise HttpError(404, "Not found.")
    intake = selectors.intake_version(patient, version)
    services.record_patient_read(
        patient=patient, by=request.user, action="intake.view", request=request, detail={"version": version}
    )
    return intake
