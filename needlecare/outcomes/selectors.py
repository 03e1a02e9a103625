"""Reads of assessments and photos, always scoped to the patient's clinic; the progress series per scale."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from needlecare.clinics.models import Clinic
from needlecare.consent.models import ConsentSignature
from needlecare.outcomes import scales
from needlecare.outcomes.models import Assessment, Photo
from needlecare.patients.models import Patient


def assessments_of(patient: Patient) -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(clinic_id=patient.clinic_id, patient=patient)
        .select_related("recorded_by")
        .prefetch_related(Prefetch("photos", queryset=Photo.objects.order_by("taken_on", "uploaded_at")))
        .order_by("assessed_on", "recorded_at")
    )


def assessment_of(patient: Patient, assessment_id: object) -> Assessment:
    """One of the patient's assessments, or 404 (another patient's or clinic's id finds nothing)."""
    return get_object_or_404(assessments_of(patient), pk=assessment_id)


def photos_of(patient: Patient) -> QuerySet[Photo]:
    return Photo.objects.filter(clinic_id=patient.clinic_id, patient=patient).order_by(
        "-taken_on", "-uploaded_at"
    )


def photo_of(patient: Patient, photo_id: object) -> Photo:
    return get_object_or_404(photos_of(patient), pk=photo_id)


def comparison(patient: Patient, *, view: str, zone: str) -> tuple[Photo | None, Photo | None]:
    """The baseline (earliest) and the latest photo of one view of one zone; None where missing."""
    same = photos_of(patient).filter(view=view, zone=zone)
    first = same.order_by("taken_on", "uploaded_at").first()
    last = same.order_by("-taken_on", "-uploaded_at").first()
    if first is not None and last is not None and first.pk == last.pk:
        last = None
    return first, last


def photo_pairs(patient: Patient) -> list[tuple[str, str]]:
    """Every (view, zone) with at least two photos: what the comparison page can show."""
    rows = photos_of(patient).order_by().values_list("view", "zone")
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        counts[row] = counts.get(row, 0) + 1
    return sorted(k for k, n in counts.items() if n >= 2)


def marketing_photos(clinic: Clinic) -> QuerySet[Photo]:
    """Photos marked for marketing whose patient's latest signature still says yes (checked again here)."""
    latest = ConsentSignature.objects.filter(patient=OuterRef("patient")).order_by("-signed_at")
    return (
        Photo.objects.filter(clinic=clinic, marketing=True)
        .annotate(
            latest_photo_use=Subquery(latest.values("photo_use")[:1]),
            latest_withdrawn_at=Subquery(latest.values("withdrawn_at")[:1]),
        )
        .filter(latest_photo_use=True, latest_withdrawn_at__isnull=True)
        .select_related("patient")
        .order_by("-taken_on")
    )


@dataclass
class Point:
    on: date
    value: Decimal
    label: str
    is_baseline: bool
    rater: str


@dataclass
class Series:
    """The scores of one scale for one zone and indication, oldest first, by one kind of rater."""

    scale: scales.Scale
    zone: str
    indication: str
    rater: str
    points: list[Point] = field(default_factory=list)

    @property
    def baseline(self) -> Point | None:
        marked = [p for p in self.points if p.is_baseline]
        return marked[0] if marked else (self.points[0] if not self.scale.relative and self.points else None)

    @property
    def latest(self) -> Point | None:
        return self.points[-1] if self.points else None

    @property
    def change(self) -> Decimal | None:
        """How much better the latest is than the baseline, in the scale's units (positive is better)."""
        base, last = self.baseline, self.latest
        if base is None or last is None or base is last:
            return None
        return self.scale.improvement(base.value, last.value)


def progress(assessments: list[Assessment], available: dict[str, scales.Scale]) -> list[Series]:
    """Group assessments (already loaded, oldest first) into one series per scale, zone, indication, rater."""
    series: dict[tuple[str, str, str, str], Series] = {}
    for a in assessments:
        scale = available.get(a.scale)
        if scale is None:
            continue
        key = (a.scale, a.zone, a.indication, a.rater)
        if key not in series:
            series[key] = Series(scale, a.zone, a.indication, a.rater)
        series[key].points.append(Point(a.assessed_on, a.value, scale.label(a.value), a.is_baseline, a.rater))
    order = list(available)
    return sorted(series.values(), key=lambda s: (order.index(s.scale.key), s.zone, s.indication, s.rater))
