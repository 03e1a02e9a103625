"""Reads of consent, and the question sessions ask: has this patient consented to the current text?"""

from dataclasses import dataclass

from needlecare.clinics.models import Clinic
from needlecare.consent.models import ConsentSignature, ConsentTemplate
from needlecare.patients.models import Patient


def current_template(clinic: Clinic) -> ConsentTemplate | None:
    return ConsentTemplate.objects.filter(clinic=clinic).order_by("-version").first()


def signatures_of(patient: Patient):  # type: ignore[no-untyped-def]
    return ConsentSignature.objects.filter(clinic_id=patient.clinic_id, patient=patient).select_related(
        "template", "witnessed_by"
    )


@dataclass(frozen=True)
class ConsentStatus:
    valid: bool
    reason: str
    signature: ConsentSignature | None


def consent_status(patient: Patient) -> ConsentStatus:
    """Valid when the patient's latest, not withdrawn, signature is on the clinic's current template."""
    template = current_template(patient.clinic)
    if template is None:
        return ConsentStatus(False, "The clinic has no consent form yet.", None)
    signature = signatures_of(patient).filter(withdrawn_at__isnull=True).order_by("-signed_at").first()
    if signature is None:
        return ConsentStatus(False, "No signed consent.", None)
    if signature.template_id != template.pk:
        return ConsentStatus(
            False,
            f"Consent was signed on version {signature.template.version}; the form changed to version "
            f"{template.version}, so a new signature is needed before the next session.",
            signature,
        )
    return ConsentStatus(
        True, f"Signed {signature.signed_at:%d %b %Y} (version {template.version}).", signature
    )
