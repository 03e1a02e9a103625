"""Reads of consent, and the question sessions ask: has this patient consented to the current text?"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from needlecare.clinics.models import Clinic
from needlecare.consent.models import ConsentSignature, ConsentTemplate
from needlecare.core.clock import local_time
from needlecare.patients.models import Patient


def current_template(clinic: Clinic) -> ConsentTemplate | None:
    return ConsentTemplate.objects.filter(clinic=clinic).order_by("-version").first()


def templates_of(clinic: Clinic) -> QuerySet[ConsentTemplate]:
    """Every version of the clinic's consent form, newest first."""
    return ConsentTemplate.objects.filter(clinic=clinic).select_related("created_by").order_by("-version")


def template_for(clinic: Clinic, template_id: object) -> ConsentTemplate:
    """One version of the clinic's form by its id, or 404 (another clinic's id included)."""
    return get_object_or_404(templates_of(clinic), pk=template_id)


def signatures_of(patient: Patient) -> QuerySet[ConsentSignature]:
    return (
        ConsentSignature.objects.filter(clinic_id=patient.clinic_id, patient=patient)
        .select_related("template", "witnessed_by")
        .order_by("-signed_at")
    )


def signature_of(patient: Patient, signature_id: object) -> ConsentSignature:
    """One of the patient's signatures, or 404: another patient's or clinic's id finds nothing."""
    return get_object_or_404(signatures_of(patient), pk=signature_id)


@dataclass(frozen=True)
class ConsentStatus:
    valid: bool
    reason: str
    signature: ConsentSignature | None


def consent_status(patient: Patient) -> ConsentStatus:
    """Valid when the patient's latest signature is on the clinic's current template and not withdrawn.

    Only the latest signature counts: a withdrawal is not undone by an older signature still on file.
    """
    template = current_template(patient.clinic)
    if template is None:
        # A clinic's form is made on first use (services.ensure_default_template), so nobody signed yet.
        return ConsentStatus(False, "No signed consent.", None)
    signature = signatures_of(patient).first()
    if signature is None:
        return ConsentStatus(False, "No signed consent.", None)
    if signature.withdrawn_at is not None:
        withdrawn = local_time(patient.clinic, signature.withdrawn_at)
        return ConsentStatus(
            False, f"Consent was withdrawn on {withdrawn:%d %b %Y}: a new signature is needed.", signature
        )
    if signature.template_id != template.pk:
        return ConsentStatus(
            False,
            f"Consent was signed on version {signature.template.version}; the form changed to version "
            f"{template.version}, so a new signature is needed before the next session.",
            signature,
        )
    signed = local_time(patient.clinic, signature.signed_at)
    return ConsentStatus(True, f"Signed {signed:%d %b %Y} (version {template.version}).", signature)
