"""Outcomes' part of the patient's timeline: the scores given on each day, and the photos taken on each
day (one event a day each, as a visit reads)."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.urls import reverse

from needlecare.outcomes.models import Assessment, Photo
from needlecare.outcomes.services import scales_for
from needlecare.patients.history import Event, source
from needlecare.patients.models import Patient


def _days(queryset, field: str, limit: int | None) -> date | None:  # type: ignore[no-untyped-def]
    """The earliest of the newest ``limit`` days with a record (None: no record at all)."""
    days = list(queryset.values_list(field, flat=True).distinct().order_by(f"-{field}")[:limit])
    return days[-1] if days else None


@source
def assessments(patient: Patient, limit: int | None) -> Iterable[Event]:
    mine = Assessment.objects.filter(clinic_id=patient.clinic_id, patient=patient)
    since = _days(mine, "assessed_on", limit)
    if since is None:
        return
    scales = scales_for(patient.clinic)
    by_day: dict[date, list[str]] = defaultdict(list)
    baseline: set[date] = set()
    for a in mine.filter(assessed_on__gte=since).order_by("-assessed_on", "scale"):
        scale = scales.get(a.scale)
        name = scale.name.split(" (")[0] if scale else a.scale
        by_day[a.assessed_on].append(f"{name} {a.value_display}")
        if a.is_baseline:
            baseline.add(a.assessed_on)
    url = reverse("outcomes:patient", args=[patient.pk])
    for day, scores in by_day.items():
        yield Event(
            category="assessments",
            on=day,
            title="Baseline assessment" if day in baseline else "Assessment",
            detail=" · ".join(scores),
            url=url,
        )


@source
def photos(patient: Patient, limit: int | None) -> Iterable[Event]:
    mine = Photo.objects.filter(clinic_id=patient.clinic_id, patient=patient)
    since = _days(mine, "taken_on", limit)
    if since is None:
        return
    by_day: dict[date, list[str]] = defaultdict(list)
    for p in mine.filter(taken_on__gte=since).order_by("-taken_on", "view"):
        by_day[p.taken_on].append(p.get_view_display().lower())
    url = reverse("outcomes:patient", args=[patient.pk])
    for day, views in by_day.items():
        count = len(views)
        yield Event(
            category="photos",
            on=day,
            title=f"{count} photo{'s' if count != 1 else ''}",
            detail=", ".join(dict.fromkeys(views)),
            url=url,
        )
