"""Demo consent: most screened patients have signed on the tablet; at Harbour Aesthetics the owner has
since revised the form (after the past sessions), so the patients who signed the first version are
asked to sign again before their next session."""

from datetime import date

from needlecare.clinics.models import Clinic, Membership, Role
from needlecare.consent import services
from needlecare.consent.models import ConsentSignature, SignedVia
from needlecare.patients.models import Patient

# A short, shaky two-stroke signature, drawn once and varied per patient by shifting it.
STROKES = [
    [(60, 130), (80, 70), (100, 140), (120, 80), (140, 120), (170, 95)],
    [(200, 110), (240, 80), (290, 120), (340, 90), (380, 115), (430, 100)],
]


def demo_signature(shift: int) -> str:
    path = ""
    for stroke in STROKES:
        for index, (x, y) in enumerate(stroke):
            path += f"{'M' if index == 0 else 'L'}{x + shift} {y + (shift % 17) - 8}"
    return path


def seed_clinic(clinic: Clinic, today: date) -> None:
    template = services.ensure_default_template(clinic)
    witness = (
        Membership.objects.filter(clinic=clinic, role__in=[Role.PRACTITIONER, Role.OWNER])
        .order_by("-role")
        .select_related("user")
        .first()
    )
    if witness is None or ConsentSignature.objects.filter(clinic=clinic).exists():
        return  # seeded before: the seed runs at every `make demo`
    patients = (
        Patient.objects.filter(clinic=clinic, screenings__isnull=False).distinct().order_by("reference")
    )
    for index, patient in enumerate(patients):
        if index % 9 == 4:
            continue  # screened, not yet signed: the session form will refuse until they do
        services.sign_consent(
            patient=patient,
            version=template.version,
            signed_name=patient.full_name,
            photo_use=index % 3 != 0,
            signature=demo_signature(index * 7 % 120),
            signed_via=SignedVia.TABLET,
            by=witness.user,
        )


def finish_clinic(clinic: Clinic, today: date) -> None:
    """After every app's demo data (sessions were recorded on version 1), Harbour revises its form."""
    if clinic.slug != "harbour":
        return
    template = services.ensure_default_template(clinic)
    witness = Membership.objects.filter(clinic=clinic, role=Role.OWNER).select_related("user").first()
    if witness is None or template.version > 1:
        return
    services.revise_template(
        clinic=clinic,
        title=template.title,
        body=template.body
        + "\n\nChanges in this version\nWe now ask you to tell us about any supplements you take.",
        photo_use_text=template.photo_use_text,
        note="Asks about supplements.",
        by=witness.user,
    )
    # A few patients have already signed the new text.
    new = services.ensure_default_template(clinic)
    signed = Patient.objects.filter(clinic=clinic, consents__isnull=False).distinct().order_by("reference")
    for patient in signed[:6]:
        services.sign_consent(
            patient=patient,
            version=new.version,
            signed_name=patient.full_name,
            photo_use=False,
            signature=demo_signature(30),
            by=witness.user,
        )
