"""Sessions' part of the patient's timeline: each session with its zones and depths, and each adverse
event from its onset."""

from collections.abc import Iterable

from django.db.models import Prefetch
from django.urls import reverse

from needlecare.patients.history import Event, local, source
from needlecare.patients.models import Patient
from needlecare.protocols.labels import labels_for
from needlecare.treatments.models import AdverseEvent, Treatment, TreatmentZone


@source
def sessions(patient: Patient, limit: int | None) -> Iterable[Event]:
    treatments = list(
        Treatment.objects.filter(clinic_id=patient.clinic_id, patient=patient)
        .select_related("practitioner", "cartridge")
        .prefetch_related(Prefetch("zones", queryset=TreatmentZone.objects.order_by("pk")))
        .order_by("-performed_on", "-created_at")[:limit]
    )
    if not treatments:
        return
    names = labels_for(patient.clinic)
    for t in treatments:
        zones = ", ".join(f"{names.get(z.zone, z.zone)} {z.depth_mm} mm" for z in t.zones.all())
        recorded_on, at = local(t.created_at, patient)
        yield Event(
            category="sessions",
            on=t.performed_on,
            at=at if recorded_on == t.performed_on else None,
            title="Session",
            detail=f"{zones} · lot {t.cartridge.lot} · {t.practitioner.display_name}",
            url=reverse("treatments:detail", args=[patient.pk, t.pk]),
            tone="ok",
        )


@source
def adverse_events(patient: Patient, limit: int | None) -> Iterable[Event]:
    events = (
        AdverseEvent.objects.filter(treatment__clinic_id=patient.clinic_id, treatment__patient=patient)
        .select_related("treatment")
        .order_by("-onset_on", "-pk")[:limit]
    )
    for e in events:
        resolved = f"resolved {e.resolved_on:%-d %b %Y}" if e.resolved_on else "not resolved"
        yield Event(
            category="adverse_events",
            on=e.onset_on,
            title=f"Adverse event: {e.get_kind_display()}",
            detail=f"grade {e.get_grade_display()} · {resolved} · after the session of "
            f"{e.treatment.performed_on:%-d %b %Y}",
            url=reverse("treatments:detail", args=[patient.pk, e.treatment.pk]),
            tone="warn" if e.resolved_on else "danger",
        )
