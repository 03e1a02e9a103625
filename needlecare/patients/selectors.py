"""Reads of patients and intakes, always scoped to one clinic."""

import re
from datetime import date, datetime

from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404

from needlecare.clinics.models import Clinic
from needlecare.patients.models import Intake, Patient

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")


def _as_date(text: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def patients_for(clinic: Clinic, *, query: str = "", archived: bool = False) -> QuerySet[Patient]:
    """Search by name, date of birth, phone or e-mail; every word must match somewhere."""
    latest = Intake.objects.filter(patient=OuterRef("pk")).order_by("-version")
    patients = Patient.objects.filter(
        clinic=clinic, archived_at__isnull=not archived, erased_at__isnull=True
    ).annotate(
        fitzpatrick=Subquery(
            latest.annotate(value=Cast(KT("answers__fitzpatrick"), IntegerField())).values("value")[:1]
        ),
        intake_version=Subquery(latest.values("version")[:1]),
    )
    query = query.strip()[:100]
    born = _as_date(query)
    if born:
        return patients.filter(date_of_birth=born)
    compact = re.sub(r"[\s()+./-]", "", query)
    if len(compact) >= 4 and compact.isdigit():
        # A phone number, however it was typed; the trunk 0 is dropped so +44 7700… matches 07700….
        return patients.filter(phone_digits__contains=compact.lstrip("0") or compact).order_by(
            "family_name", "given_name", "id"
        )
    for word in query.split():
        match = (
            Q(given_name__icontains=word)
            | Q(family_name__icontains=word)
            | Q(preferred_name__icontains=word)
            | Q(email__icontains=word)
            | Q(reference__iexact=word)
        )
        digits = re.sub(r"\D", "", word)
        if len(digits) >= 4 and len(digits) >= len(word) - 3:
            match |= Q(phone_digits__contains=digits.lstrip("0") or digits)
        patients = patients.filter(match)
    return patients.order_by("family_name", "given_name", "id")


def patient_for(clinic: Clinic, patient_id: object, *, include_archived: bool = True) -> Patient:
    """The clinic's patient, or 404: another clinic's id, or an erased patient's, is indistinguishable
    from no id."""
    patients = Patient.objects.filter(clinic=clinic, erased_at__isnull=True)
    if not include_archived:
        patients = patients.filter(archived_at__isnull=True)
    return get_object_or_404(patients, pk=patient_id)


def intakes_of(patient: Patient) -> QuerySet[Intake]:
    return Intake.objects.filter(clinic_id=patient.clinic_id, patient=patient).select_related("submitted_by")


def latest_intake(patient: Patient) -> Intake | None:
    return intakes_of(patient).order_by("-version").first()


def intake_version(patient: Patient, version: int) -> Intake:
    return get_object_or_404(intakes_of(patient), version=version)
