"""Consent for tests: a signed consent form, on the clinic's latest template (made if it has none)."""

from needlecare.consent.models import ConsentSignature, ConsentTemplate


def sign_consent(patient, template=None, *, photo_use: bool = False) -> ConsentSignature:  # type: ignore[no-untyped-def]
    """The patient signs `template` (default: the clinic's latest, or a minimal one) at the tablet,
    agreeing to clinical photo use beyond the record when `photo_use`."""
    template = template or ConsentTemplate.objects.filter(clinic=patient.clinic).order_by("-version").first()
    if template is None:
        template = ConsentTemplate.objects.create(
            clinic=patient.clinic, version=1, title="Consent", body="I agree.", photo_use_text="Photos?"
        )
    return ConsentSignature.objects.create(
        clinic=patient.clinic,
        patient=patient,
        template=template,
        signed_text=template.body,
        signed_name=patient.full_name,
        signature_svg="M1 1 L2 2",
        photo_use=photo_use,
        signed_via="tablet",
    )
