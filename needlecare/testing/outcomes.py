"""Outcomes for tests: a clinician's score on the Goodman-Baron scale, and images made with Pillow."""

import io
from decimal import Decimal

from PIL import Image

from needlecare.outcomes.models import Assessment


def score(patient, day, value, *, indication="acne_scars", baseline=False) -> Assessment:  # type: ignore[no-untyped-def]
    """A clinician's Goodman-Baron quantitative score of the cheeks on `day` (the row, as recorded)."""
    return Assessment.objects.create(
        clinic=patient.clinic,
        patient=patient,
        scale="goodman_baron_quantitative",
        value=Decimal(value),
        assessed_on=day,
        zone="cheeks",
        indication=indication,
        rater="clinician",
        is_baseline=baseline,
    )


def jpeg_bytes(size=(64, 48), exif=None) -> bytes:  # type: ignore[no-untyped-def]
    """A small skin-coloured JPEG, with `exif` (bytes or an Image.Exif) if given."""
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, (200, 150, 130)).save(out, format="JPEG", **kwargs)
    return out.getvalue()


def png_bytes(size=(64, 48)) -> bytes:  # type: ignore[no-untyped-def]
    """A small half-transparent blue PNG."""
    out = io.BytesIO()
    Image.new("RGBA", size, (10, 120, 200, 128)).save(out, format="PNG")
    return out.getvalue()
