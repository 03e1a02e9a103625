"""Every write to patients and intakes: one transaction each, audited."""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from needlecare.audit.services import record_event
from needlecare.clinics.models import Clinic
from needlecare.core.errors import CONFLICT, Refused
from needlecare.patients.intake import Intake as IntakeAnswers
from needlecare.patients.models import Intake, IntakeSource, Patient

EDITABLE_FIELDS = (
    "reference",
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "sex",
    "email",
    "phone",
    "address",
    "notes",
)
REFERENCE_TAKEN = "reference: another patient of this clinic already has this reference."


def _saved(patient: Patient) -> None:
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError as error:
        # The only unique field a client sets is the reference; two requests raced for the same one.
        raise Refused(REFERENCE_TAKEN, code="reference_taken", status=CONFLICT) from error


def create_patient(*, clinic: Clinic, by: Any, data: dict[str, Any], request: Any = None) -> Patient:
    patient = Patient(clinic=clinic, **{k: v for k, v in data.items() if k in EDITABLE_FIELDS})
    patient.full_clean()
    with transaction.atomic():
        _saved(patient)
        record_event(
            clinic=clinic,
            user=by,
            action="patient.create",
            obj=patient,
            patient_id=patient.pk,
            request=request,
        )
    return patient


def update_patient(*, patient: Patient, by: Any, data: dict[str, Any], request: Any = None) -> Patient:
    # Compare with the stored row: a ModelForm has already copied its data onto `patient`.
    stored = Patient.objects.get(pk=patient.pk)
    changed = sorted(k for k, v in data.items() if k in EDITABLE_FIELDS and getattr(stored, k) != v)
    for field in changed:
        setattr(patient, field, data[field])
    patient.full_clean()
    with transaction.atomic():
        _saved(patient)
        # Field names only: values would keep personal data in the log after an erasure.
        record_event(
            clinic=patient.clinic,
            user=by,
            action="patient.update",
            obj=patient,
            patient_id=patient.pk,
            request=request,
            detail={"fields": changed},
        )
    return patient


def archive_patient(*, patient: Patient, by: Any, request: Any = None) -> Patient:
    with transaction.atomic():
        if patient.archived_at is None:
            patient.archived_at = timezone.now()
            patient.save(update_fields=["archived_at", "updated_at"])
        record_event(
            clinic=patient.clinic,
            user=by,
            action="patient.archive",
            obj=patient,
            patient_id=patient.pk,
            request=request,
        )
    return patient


def restore_patient(*, patient: Patient, by: Any, request: Any = None) -> Patient:
    with transaction.atomic():
        patient.archived_at = None
        patient.save(update_fields=["archived_at", "updated_at"])
        record_event(
            clinic=patient.clinic,
            user=by,
            action="patient.restore",
            obj=patient,
            patient_id=patient.pk,
            request=request,
        )
    return patient


def submit_intake(
    *,
    patient: Patient,
    answers: IntakeAnswers,
    by: Any,
    source: str = IntakeSource.STAFF,
    request: Any = None,
) -> Intake:
    """Store a new version of the patient's intake; earlier versions stay as they were."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                latest = Intake.objects.filter(patient=patient).aggregate(v=Max("version"))["v"] or 0
                intake = Intake.objects.create(
                    clinic_id=patient.clinic_id,
                    patient=patient,
                    version=latest + 1,
                    answers=answers.answers(),
                    source=source,
                    submitted_by=by if getattr(by, "pk", None) else None,
                )
                record_event(
                    clinic=patient.clinic,
                    user=by,
                    action="intake.submit",
                    obj=intake,
                    patient_id=patient.pk,
                    request=request,
                    detail={"version": intake.version},
                )
                return intake
        except IntegrityError:
            # Two submissions raced for the same version number (PostgreSQL); take the next one.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def record_patient_read(
    *,
    patient: Patient,
    by: Any,
    action: str = "patient.view",
    request: Any = None,
    detail: dict[str, Any] | None = None,
) -> None:
    record_event(
        clinic=patient.clinic,
        user=by,
        action=action,
        obj=patient,
        patient_id=patient.pk,
        request=request,
        detail=detail,
    )
