"""Consent's part of the patient's timeline: each signature, and its withdrawal."""

from collections.abc import Iterable

from django.urls import reverse

from needlecare.consent.models import ConsentSignature
from needlecare.patients.history import Event, local, source
from needlecare.patients.models import Patient


@source
def signatures(patient: Patient, limit: int | None) -> Iterable[Event]:
    signed = (
        ConsentSignature.objects.filter(clinic_id=patient.clinic_id, patient=patient)
        .select_related("template")
        .order_by("-signed_at")[:limit]
    )
    for s in signed:
        url = reverse("consent:detail", args=[patient.pk, s.pk])
        on, at = local(s.signed_at, patient)
        photos = (
            "photos may be used beyond the record" if s.photo_use else "photos for the clinical record only"
        )
        yield Event(
            category="consent",
            on=on,
            at=at,
            title=f"Consent signed (version {s.template.version})",
            detail=f"{s.get_signed_via_display()} · {photos}",
            url=url,
            tone="ok",
        )
        if s.withdrawn_at:
            on, at = local(s.withdrawn_at, patient)
            yield Event(category="consent", on=on, at=at, title="Consent withdrawn", url=url, tone="warn")
