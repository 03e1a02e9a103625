"""The isolation sweep's objects for outcomes: one assessment and one photo in the world's clinic."""

from datetime import date
from decimal import Decimal


def ids(world) -> dict[str, object]:  # type: ignore[no-untyped-def]
    from needlecare.outcomes.models import Photo
    from needlecare.outcomes.services import AssessmentInput, record_assessment

    # The row alone (no file written): the sweep only asks whether another clinic can reach it.
    photo = Photo.objects.create(
        clinic=world.clinic,
        patient=world.patient,
        taken_on=date(2026, 1, 5),
        view="front",
        zone="cheeks",
        file="photos/sweep/missing.jpg",
        thumbnail="photos/sweep/missing-t.jpg",
        width=1,
        height=1,
        bytes=1,
        uploaded_format="JPEG",
        sha256="0" * 64,
    )
    assessment = record_assessment(
        patient=world.patient,
        by=world.practitioner,
        data=AssessmentInput(
            scale="wrinkle_severity",
            value=Decimal(3),
            assessed_on=date(2026, 1, 5),
            zone="cheeks",
            indication="fine_lines",
            rater="clinician",
            photo_ids=[photo.pk],
        ),
    )
    return {"assessment_id": assessment.pk, "photo_id": photo.pk}


BODIES = {
    ("post", "/api/v1/patients/{patient_id}/assessments"): {
        "scale": "gais",
        "value": 2,
        "assessed_on": "2026-01-05",
        "zone": "cheeks",
        "indication": "acne_scars",
        "rater": "clinician",
    },
    ("post", "/api/v1/patients/{patient_id}/photos"): {
        "view": "front",
        "zone": "cheeks",
        "taken_on": "2026-01-05",
    },
    ("put", "/api/v1/patients/{patient_id}/photos/{photo_id}/marketing"): {"marketing": False},
}
