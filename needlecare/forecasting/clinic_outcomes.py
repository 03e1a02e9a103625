"""The clinic's own outcomes, in aggregate: how long improvement lasts (Kaplan-Meier by indication, on the
same fade and censoring data the forecast is fitted on) and how much patients improved, by indication,
depth band and device. A constant number of queries, whatever the number of patients."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Max
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from needlecare.clinics.models import Clinic
from needlecare.forecasting import durability
from needlecare.forecasting.forecasting import clinic_model, histories_of, scales_of
from needlecare.treatments.models import Treatment, TreatmentZone

# Depth bands (mm, upper bound included), after CLINICAL.md section 2's bands.
DEPTH_BANDS = (
    (Decimal("0.5"), "up to 0.5 mm"),
    (Decimal("1.0"), "0.5–1.0 mm"),
    (Decimal("1.5"), "1.0–1.5 mm"),
    (Decimal("2.0"), "1.5–2.0 mm"),
)
DEEPEST = "over 2.0 mm"
COLOURS = ("#1570ef", "#b54708", "#027a48", "#c11574", "#6938ef", "#475467", "#d92d20", "#0e9384")


def depth_band(depth: Decimal | None) -> str:
    if depth is None:
        return "unknown"
    return next((label for top, label in DEPTH_BANDS if depth <= top), DEEPEST)


@dataclass
class Curve:
    """The share of patients still above half their peak improvement, months after the peak."""

    indication: str
    label: str = ""
    times: list[float] = field(default_factory=list)  # step times (months after the peak), from 0
    survival: list[float] = field(default_factory=list)
    censored_at: list[float] = field(default_factory=list)
    patients: int = 0
    faded: int = 0
    median_months: float | None = None
    colour: str = COLOURS[0]


@dataclass
class ImprovementRow:
    indication: str
    depth_band: str
    device: str
    n: int
    mean_improvement: float  # share of the scale's range, toward "better"
    label: str = ""

    @property
    def percent(self) -> float:
        return round(100 * self.mean_improvement, 1)


@dataclass
class ClinicOutcomes:
    curves: list[Curve]
    improvement: list[ImprovementRow]
    histories: int

    @property
    def empty(self) -> bool:
        return not self.curves and not self.improvement


def clinic_outcomes(clinic: Clinic) -> ClinicOutcomes:
    model = clinic_model(clinic)
    prior = model.prior
    scales = scales_of(clinic)
    pairs = histories_of(clinic, prior=prior)
    patient_ids = {patient_id for patient_id, _ in pairs}
    devices: dict[Any, str] = {}
    for patient_id, device in (
        Treatment.objects.filter(clinic=clinic, patient_id__in=list(patient_ids))
        .order_by("performed_on", "created_at")
        .values_list("patient_id", "device")
    ):
        devices[patient_id] = device  # the latest session's device
    depths = dict(
        TreatmentZone.objects.filter(treatment__clinic=clinic, treatment__patient_id__in=list(patient_ids))
        .values("treatment__patient_id")
        .annotate(deepest=Max("depth_mm"))
        .values_list("treatment__patient_id", "deepest")
    )
    survival: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    gains: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for patient_id, history in pairs:
        observation = durability.observe(history, prior, scales)
        if observation.status == "faded":
            survival[history.indication].append((observation.upper_months, True))
        elif observation.status == "holding":
            survival[history.indication].append((observation.lower_months, False))
        series = durability.improvement_series(history, scales)
        if series:
            best = max(value for _, value in series)
            key = (history.indication, depth_band(depths.get(patient_id)), devices.get(patient_id, "unknown"))
            gains[key].append(best)
    curves = [kaplan_meier(name, data) for name, data in sorted(survival.items()) if data]
    for index, curve in enumerate(curves):
        curve.colour = COLOURS[index % len(COLOURS)]
    rows = [
        ImprovementRow(indication, band, device, len(values), sum(values) / len(values))
        for (indication, band, device), values in sorted(gains.items())
    ]
    return ClinicOutcomes(curves=curves, improvement=rows, histories=len(pairs))


def kaplan_meier(indication: str, data: list[tuple[float, bool]]) -> Curve:
    """lifelines' Kaplan-Meier estimate: fade seen at the first visit below half the peak (an event),
    still holding at the last visit (censored, never a failure)."""
    from lifelines import KaplanMeierFitter  # heavy: only the clinic page needs it

    durations = [max(months, 0.0) for months, _ in data]
    events = [faded for _, faded in data]
    fitter = KaplanMeierFitter().fit(durations, event_observed=events)
    frame = fitter.survival_function_
    times = [float(t) for t in frame.index]
    values = [float(v) for v in frame.iloc[:, 0]]
    median = float(fitter.median_survival_time_)
    return Curve(
        indication=indication,
        times=times,
        survival=values,
        censored_at=sorted(months for months, faded in zip(durations, events, strict=True) if not faded),
        patients=len(data),
        faded=sum(events),
        median_months=median if median != float("inf") else None,
    )


WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 14, 40


def curves_svg(curves: list[Curve]) -> SafeString:
    """The curves as inline SVG drawn by hand (as charts.py): steps, censoring ticks, axes, titles."""
    end = max([t for c in curves for t in c.times + c.censored_at] + [6.0])
    end = 6 * (int(end // 6) + 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(months: float) -> float:
        return round(LEFT + plot_w * months / end, 1)

    def y(share: float) -> float:
        return round(TOP + plot_h * (1 - share), 1)

    title = "Share of patients still above half their peak improvement, by months after the peak"
    parts = [
        f'<svg class="durability-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<rect class="plot" x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none"/>',
    ]
    for share in (0, 0.25, 0.5, 0.75, 1):
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(share)}" y2="{y(share)}" '
            f'stroke="#e4e7ec"/><text class="tick" x="{LEFT - 6}" y="{y(share) + 4}" text-anchor="end" '
            f'font-size="11">{round(share * 100)}%</text>'
        )
    step = 6 if end <= 48 else 12
    for months in range(0, end + 1, step):
        parts.append(
            f'<text class="tick" x="{x(months)}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
            f'font-size="11">{months}</text>'
        )
    parts.append(
        f'<text class="axis-note" x="{LEFT + plot_w / 2}" y="{HEIGHT - 6}" text-anchor="middle" '
        f'font-size="11" fill="#667085">months after the peak</text>'
    )
    for curve in curves:
        points = [(0.0, 1.0)]
        for t, s in zip(curve.times, curve.survival, strict=True):
            points.append((t, points[-1][1]))
            points.append((t, s))
        points.append((max(curve.times + curve.censored_at + [0.0]), points[-1][1]))
        path = " ".join(f"{x(t)},{y(s)}" for t, s in points)
        label = escape(curve.label or curve.indication)
        parts.append(
            f'<polyline class="km" points="{path}" fill="none" stroke="{curve.colour}" stroke-width="2">'
            f"<title>{label}: {curve.patients} patient{'s' if curve.patients != 1 else ''}, "
            f"{curve.faded} faded</title></polyline>"
        )
        for t in curve.censored_at:
            share = _at(curve, t)
            parts.append(
                f'<line class="censored" x1="{x(t)}" x2="{x(t)}" y1="{y(share) - 4}" y2="{y(share) + 4}" '
                f'stroke="{curve.colour}" stroke-width="1.5"/>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - numbers, colours from COLOURS, escaped text


def _at(curve: Curve, months: float) -> float:
    share = 1.0
    for t, s in zip(curve.times, curve.survival, strict=True):
        if t <= months:
            share = s
    return share
