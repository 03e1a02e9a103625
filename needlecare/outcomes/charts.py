"""A small progress chart drawn as inline SVG by hand: scores over time with "better" always up, sessions
marked, and the forecast band when there is one. Presentation attributes and classes only (CSP: no inline
style, no script), every text escaped."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from needlecare.outcomes.selectors import Series

WIDTH, HEIGHT = 640, 230
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 14, 34


@dataclass(frozen=True)
class Band:
    """The forecast to draw: when improvement is expected to fall below half its peak, and maintenance."""

    fade_low: date
    fade_median: date
    fade_high: date
    maintenance_due: date | None = None


def _ticks(low: Decimal, high: Decimal) -> list[Decimal]:
    span = high - low
    if span <= 10:
        step = Decimal(1) if span > 1 else Decimal("0.25")
    else:
        step = max(Decimal(1), (span / 4).to_integral_value())
    ticks, value = [], low
    while value <= high:
        ticks.append(value)
        value += step
    return ticks


def progress_svg(
    series: Series, *, sessions: list[date], today: date, band: Band | None = None, label: str = ""
) -> SafeString:
    scale = series.scale
    dates = [p.on for p in series.points] + [d for d in sessions] + [today]
    start, end = min(dates) - timedelta(days=14), max(dates) + timedelta(days=14)
    if band:
        # Show the forecast up to a little past maintenance, not to the far end of its interval: years
        # of axis would squash the months of scores that matter into a sliver on the left.
        # At most a year past the last score: what lies further is written at the right-hand edge.
        anchor = band.maintenance_due or band.fade_low
        horizon = min(
            anchor + timedelta(days=120), band.fade_high + timedelta(days=14), end + timedelta(days=365)
        )
        end = max(end, horizon)
    days = max((end - start).days, 1)
    low, high = scale.minimum, scale.maximum
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        return round(LEFT + plot_w * (day - start).days / days, 1)

    def y(value: Decimal) -> float:
        share = float((value - low) / (high - low)) if high > low else 0.5
        if scale.lower_is_better:
            share = 1 - share  # better is up, whatever the scale's direction
        return round(TOP + plot_h * (1 - share), 1)

    title = label or f"{scale.name}: {series.zone.replace('_', ' ')}, {series.indication.replace('_', ' ')}"
    parts = [
        f'<svg class="progress-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<rect class="plot" x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none"/>',
    ]
    for tick in _ticks(low, high):
        ty = y(tick)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty}" y2="{ty}" stroke="#e4e7ec"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{ty + 4}" text-anchor="end" font-size="11">'
            f"{escape(format(tick.normalize(), 'f'))}</text>"
        )
    parts.append(
        f'<text class="axis-note" x="{LEFT}" y="{HEIGHT - 4}" font-size="11" fill="#667085">better ↑</text>'
    )
    months = max(days // 30, 1)
    step = max(1, round(months / 5))
    cursor = date(start.year, start.month, 1)
    while cursor <= end:
        if cursor >= start:
            tx = x(cursor)
            parts.append(
                f'<text class="tick" x="{tx}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" font-size="11">'
                f"{cursor:%b %Y}</text>"
            )
        month = cursor.month - 1 + step
        cursor = date(cursor.year + month // 12, month % 12 + 1, 1)
    if band:
        right = WIDTH - RIGHT
        bx1, bx2 = min(x(band.fade_low), right - 1), min(x(band.fade_high), right)
        parts.append(
            f'<rect class="forecast-band" x="{bx1}" y="{TOP}" width="{max(bx2 - bx1, 1)}" height="{plot_h}" '
            f'fill="#fef0c7" fill-opacity="0.7"><title>80% interval for fading below half the peak: '
            f"{band.fade_low:%d %b %Y} to {band.fade_high:%d %b %Y}</title></rect>"
        )
        if band.fade_median <= end:
            parts.append(
                f'<line class="forecast-median" x1="{x(band.fade_median)}" x2="{x(band.fade_median)}" '
                f'y1="{TOP}" y2="{TOP + plot_h}" stroke="#b54708" stroke-dasharray="4 3"/>'
            )
        if band.fade_high > end:
            # The interval goes on past the axis: say where it reaches.
            parts.append(
                f'<text class="forecast-beyond" x="{right - 4}" y="{TOP + plot_h - 6}" text-anchor="end" '
                f'font-size="11" fill="#b54708">fading likely by {band.fade_median:%b %Y} '
                f"(80%: to {band.fade_high:%b %Y}) →</text>"
            )
        if band.maintenance_due and band.maintenance_due > end:
            parts.append(
                f'<text class="maintenance-beyond" x="{right - 4}" y="{TOP + 13}" text-anchor="end" '
                f'font-size="11" fill="#027a48">maintenance due {band.maintenance_due:%b %Y} →</text>'
            )
        elif band.maintenance_due:
            mx = x(band.maintenance_due)
            parts.append(
                f'<line class="maintenance" x1="{mx}" x2="{mx}" y1="{TOP}" y2="{TOP + plot_h}" '
                f'stroke="#027a48" stroke-width="2">'
                f"<title>Maintenance due {band.maintenance_due:%d %b %Y}</title></line>"
                f'<text x="{mx + 3}" y="{TOP + 11}" font-size="11" fill="#027a48">maintenance</text>'
            )
    for day in sessions:
        sx = x(day)
        parts.append(
            f'<line class="session" x1="{sx}" x2="{sx}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#98a2b3" '
            f'stroke-dasharray="2 3"><title>Session {day:%d %b %Y}</title></line>'
            f'<path class="session-mark" d="M{sx - 4} {TOP + plot_h + 7} L{sx + 4} {TOP + plot_h + 7} '
            f'L{sx} {TOP + plot_h + 1} Z" fill="#667085"/>'
        )
    tx = x(today)
    parts.append(
        f'<line class="today" x1="{tx}" x2="{tx}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#1570ef" '
        f'stroke-opacity="0.4"><title>Today</title></line>'
    )
    if len(series.points) > 1:
        path = " ".join(f"{x(p.on)},{y(p.value)}" for p in series.points)
        parts.append(
            f'<polyline class="scores" points="{path}" fill="none" stroke="#1570ef" stroke-width="2"/>'
        )
    for p in series.points:
        text = f"{p.on:%d %b %Y}: {format(p.value.normalize(), 'f')}{' · ' + p.label if p.label else ''}"
        if p.is_baseline:
            text += " (baseline)"
        parts.append(
            f'<circle class="score{" baseline" if p.is_baseline else ""}" cx="{x(p.on)}" cy="{y(p.value)}" '
            f'r="{6 if p.is_baseline else 4}" fill="{"#fff" if p.is_baseline else "#1570ef"}" '
            f'stroke="#1570ef" stroke-width="2"><title>{escape(text)}</title></circle>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built above from numbers, dates and escaped text
