"""Dosing: from indications, zones, device, skin type and a start date, propose depths and a series.

Pure: no Django. Every figure comes from the protocol; ``Proposal.to_dict()`` is DESIGN.md's
``/api/v1/plans/propose`` answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from needlecare.core.errors import CONFLICT, INVALID, Refused
from needlecare.protocols.loader import Protocol


class DosingError(Refused, ValueError):
    """A proposal cannot be made from these inputs; the message says why (API: 409)."""

    status = CONFLICT


class UnknownChoice(DosingError):
    """Unknown identifiers: ``what`` is "zones", "indications" or "device"; ``valid`` lists the known ones."""

    status, code = INVALID, "unknown_choice"

    def __init__(self, what: str, unknown: Sequence[str], valid: Sequence[str]) -> None:
        self.what, self.unknown, self.valid = what, list(unknown), list(valid)
        message = f"unknown {what}: {', '.join(unknown)}; valid {what}: {', '.join(valid)}"
        # The API names the request's field, as it does for input the schema refuses.
        problem = {"loc": ["body", "payload", what], "msg": message, "type": "unknown_choice"}
        super().__init__(
            message,
            fields={what: [message]},
            detail=[{**problem, "unknown": self.unknown, "valid": self.valid}],
        )


@dataclass(frozen=True)
class ZoneDepth:
    """The proposed depth band for one zone, in mm, and why it is what it is."""

    zone: str
    min_mm: float
    max_mm: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Proposal:
    zones: tuple[ZoneDepth, ...]
    sessions: int
    interval_weeks_min: int
    interval_weeks_max: int
    schedule: tuple[date, ...]
    maintenance_months: int
    notes: tuple[str, ...]
    protocol_name: str
    protocol_version: str

    def to_dict(self) -> dict[str, Any]:
        """DESIGN.md's shape, JSON-ready: ``{zones: [{zone, depth_mm: {min, max}}], sessions,
        interval_weeks: {min, max}, schedule: [date], maintenance_months}``."""
        return {
            "zones": [{"zone": z.zone, "depth_mm": {"min": z.min_mm, "max": z.max_mm}} for z in self.zones],
            "sessions": self.sessions,
            "interval_weeks": {"min": self.interval_weeks_min, "max": self.interval_weeks_max},
            "schedule": [day.isoformat() for day in self.schedule],
            "maintenance_months": self.maintenance_months,
        }


def is_darker_skin(fitzpatrick: int | None, protocol: Protocol) -> bool:
    """Whether the darker-skin settings apply; an unknown type gets them (they only add caution).

    >>> from needlecare.protocols import load_default
    >>> [is_darker_skin(fitzpatrick, load_default()) for fitzpatrick in (3, 4, None)]
    [False, True, True]
    """
    return fitzpatrick is None or fitzpatrick >= protocol.darker_skin.fitzpatrick_from


def depth_band(
    protocol: Protocol, zone: str, indication: str, *, darker_skin: bool
) -> tuple[float, float, tuple[str, ...]]:
    """The pen band (min_mm, max_mm, notes) for one zone and indication.

    The intersection of the zone's and the indication's bands. Where they do not overlap, the shallower
    bound wins, never the deeper (safety over effect): an indication deeper than the zone allows gets the
    zone's ceiling; one shallower than the zone's usual band keeps its own ceiling. On darker skin,
    pigment indications keep to the lower half of the band, and an indication with a darker-skin band of
    its own (hyperpigmentation: 0.25-0.375 mm) takes it in every zone.

    >>> from needlecare.protocols import load_default
    >>> depth_band(load_default(), "cheeks", "acne_scars", darker_skin=False)[:2]
    (1.0, 2.0)
    >>> depth_band(load_default(), "cheeks", "hyperpigmentation", darker_skin=True)[:2]
    (0.25, 0.375)
    """
    z, ind = protocol.zones[zone], protocol.indications[indication]
    zone_max = z.max_mm_for(indication)
    if darker_skin and ind.darker_skin_depth_mm is not None:
        # Pigment on darker skin (hyperpigmentation: 0.25-0.375 mm, Cohen 2016): the indication's own
        # darker-skin band in every zone, within the zone's ceiling. A zone's usual band (0.5 mm and up
        # on the cheeks) is set for collagen indications; taking its floor put melasma at 0.5 mm, the
        # deepest of the pigment band, where PIH risk is highest.
        band = ind.darker_skin_depth_mm
        high = min(zone_max, band.max)
        low = min(band.min, high)
        note = (
            f"{ind.label} on darker skin: {round(low, 3)}-{round(high, 3)} mm, the lower half of the "
            f"{ind.depth_mm.min}-{ind.depth_mm.max} mm band (post-inflammatory hyperpigmentation risk)."
        )
        return round(low, 3), round(high, 3), (note,)
    high = min(zone_max, ind.depth_mm.max)
    low = min(max(z.depth_mm.min, ind.depth_mm.min), high)
    notes: list[str] = []
    if ind.depth_mm.min > zone_max:
        notes.append(
            f"{ind.label}: the usual {ind.depth_mm.min}-{ind.depth_mm.max} mm is deeper than the "
            f"{z.label.lower()} allows ({zone_max} mm); the zone's bound wins."
        )
    elif ind.depth_mm.max < z.depth_mm.min:
        notes.append(
            f"{ind.label}: {ind.depth_mm.min}-{ind.depth_mm.max} mm lies below the {z.label.lower()}'s usual "
            f"{z.depth_mm.min}-{z.depth_mm.max} mm; the shallower band is kept."
        )
    if darker_skin and ind.pigment and protocol.darker_skin.pigment_lower_half:
        high = low + (high - low) / 2
    return round(low, 3), round(high, 3), tuple(notes)


def roller_lengths(protocol: Protocol, device: str, low: float, high: float) -> tuple[float, float] | None:
    """The fixed needle lengths to propose for a band: those inside it, else the nearest one below it;
    None when every length is above the band (never propose a needle longer than the band allows).

    >>> from needlecare.protocols import load_default
    >>> roller_lengths(load_default(), "roller", 0.5, 1.0), roller_lengths(load_default(), "roller", 1.2, 1.4)
    ((0.5, 1.0), (1.0, 1.0))
    """
    eps = 1e-9
    lengths = protocol.devices[device].lengths_mm
    inside = [length for length in lengths if low - eps <= length <= high + eps]
    if inside:
        return inside[0], inside[-1]
    below = [length for length in lengths if length < low]
    return (below[-1], below[-1]) if below else None


def propose(
    *,
    indications: Sequence[str],
    zones: Sequence[str],
    device: str,
    fitzpatrick: int | None,
    start: date,
    protocol: Protocol,
) -> Proposal:
    """Propose depths per zone and a series of sessions, all from the protocol.

    Sessions, interval and maintenance take the lower end of each range (the practitioner adjusts); with
    several indications the series is long enough, spaced enough and maintained often enough for each.

    >>> from needlecare.protocols import load_default
    >>> propose(indications=["acne_scars"], zones=["cheeks"], device="pen", fitzpatrick=2,
    ...         start=date(2025, 3, 3), protocol=load_default()).to_dict()["schedule"]
    ['2025-03-03', '2025-03-31', '2025-04-28']
    """
    indications = _known("indications", indications, protocol.indications)
    zones = _known("zones", zones, protocol.zones)
    if device not in protocol.devices:
        raise UnknownChoice("device", [str(device)], list(protocol.devices))
    if fitzpatrick is not None and (type(fitzpatrick) is not int or not 1 <= fitzpatrick <= 6):
        raise DosingError("fitzpatrick must be a whole number from 1 to 6")
    if isinstance(start, datetime) or not isinstance(start, date):
        raise DosingError("start must be a date")
    darker = is_darker_skin(fitzpatrick, protocol)

    zone_depths = tuple(_zone_depth(protocol, zone, indications, device, darker) for zone in zones)

    series = [protocol.indications[name].series for name in indications]
    sessions = max(s.sessions.min for s in series)
    interval_min = max(s.interval_weeks.min for s in series)
    interval_max = max(interval_min, min(s.interval_weeks.max for s in series))
    maintenance = min(s.maintenance_months.min for s in series)
    notes: list[str] = []
    if darker:
        extra = protocol.darker_skin.interval_extra_weeks
        interval_min, interval_max = interval_min + extra, interval_max + extra
        if fitzpatrick is None:
            notes.append("Fitzpatrick type not recorded: the darker-skin settings apply until it is.")
        notes += protocol.darker_skin.precautions
    if not protocol.devices[device].adjustable:
        notes.append(protocol.devices[device].note.replace("\n", " "))
    schedule = tuple(start + timedelta(weeks=interval_min * index) for index in range(sessions))
    return Proposal(
        zones=zone_depths,
        sessions=sessions,
        interval_weeks_min=interval_min,
        interval_weeks_max=interval_max,
        schedule=schedule,
        maintenance_months=maintenance,
        notes=tuple(notes),
        protocol_name=protocol.name,
        protocol_version=protocol.version,
    )


def _known(what: str, chosen: Sequence[str], table: dict[str, Any]) -> list[str]:
    if isinstance(chosen, str):
        raise DosingError(f"{what} must be a list")
    unknown = [str(name) for name in chosen if name not in table]
    if unknown:
        raise UnknownChoice(what, unknown, list(table))
    if not chosen:
        raise DosingError(f"choose at least one of {what}: {', '.join(table)}")
    return list(dict.fromkeys(chosen))


def _zone_depth(
    protocol: Protocol, zone: str, indications: list[str], device: str, darker: bool
) -> ZoneDepth:
    """One zone's band. With several indications it spans them all: shallow passes for pigment, deeper
    for scars; each end is still within the band of the indication it comes from."""
    lows: list[float] = []
    highs: list[float] = []
    notes: list[str] = []
    for indication in indications:
        low, high, why = depth_band(protocol, zone, indication, darker_skin=darker)
        notes += why
        if not protocol.devices[device].adjustable:
            lengths = roller_lengths(protocol, device, low, high)
            if lengths is None:
                raise DosingError(
                    f"no {device} length fits {zone} for {indication} (up to {high} mm); "
                    "use an adjustable device"
                )
            low, high = lengths
        lows.append(low)
        highs.append(high)
        if len(indications) > 1:
            band = f"{low} mm" if low == high else f"{low}-{high} mm"
            notes.append(f"{protocol.indications[indication].label}: {band}.")
    return ZoneDepth(zone, min(lows), max(highs), tuple(notes))
