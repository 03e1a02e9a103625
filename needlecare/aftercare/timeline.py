"""A session's aftercare timeline from the protocol's [aftercare] table, and which step applies on a day.
Pure: no Django. CLINICAL.md section 5: deeper treatment (above 1.5 mm) lengthens each step by a day or two.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from needlecare.protocols.loader import Aftercare


@dataclass(frozen=True)
class Step:
    from_day: int
    to_day: int
    instructions: list[str]
    expected: list[str]
    call_clinic_if: list[str]
    source: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def label(self) -> str:
        """ "Day 0", "Days 1-2"."""
        if self.from_day == self.to_day:
            return f"Day {self.from_day}"
        return f"Days {self.from_day}–{self.to_day}"


@dataclass(frozen=True)
class Plan:
    steps: list[Step]
    extra_days: int
    notes: list[str]


def build(aftercare: Aftercare, deepest_mm: float) -> Plan:
    """The steps for a session whose deepest zone went to ``deepest_mm``.

    Above the protocol's ``deep_above_mm`` every step ends ``deep_extra_days.max`` days later and every
    later step starts that much later: the longer of the protocol's figures, for safety. Day 0 still
    starts on the day of the session.

    >>> from needlecare.protocols import load_default
    >>> [(s.from_day, s.to_day) for s in build(load_default().aftercare, 2.0).steps]
    [(0, 2), (3, 4), (5, 5), (9, 9), (16, 16)]
    """
    deep = deepest_mm > aftercare.deep_above_mm
    extra = aftercare.deep_extra_days.max if deep else 0
    steps = [
        Step(
            from_day=step.from_day + extra if step.from_day > 0 else 0,
            to_day=step.to_day + extra,
            instructions=list(step.instructions),
            expected=list(step.expected),
            call_clinic_if=list(step.call_clinic_if),
            source=step.source,
        )
        for step in aftercare.steps
    ]
    notes = [aftercare.serums]
    if deep:
        notes.insert(
            0,
            f"Treatment went deeper than {aftercare.deep_above_mm:g} mm ({deepest_mm:g} mm), so each step "
            f"below runs {extra} days longer than the times it names. {aftercare.note}",
        )
    return Plan(steps=steps, extra_days=extra, notes=notes)


def steps_from(stored: list[dict[str, Any]]) -> list[Step]:
    return [Step(**entry) for entry in stored]


def step_on(steps: list[Step], day: int) -> Step | None:
    """The step in force ``day`` days after the session: the last one started by then (None before day 0).

    >>> s = [Step(0, 0, ["a"], [], [], "x"), Step(3, 3, ["b"], [], [], "x")]
    >>> step_on(s, 2).from_day, step_on(s, 5).from_day, step_on(s, -1)
    (0, 3, None)
    """
    current = None
    for step in steps:
        if step.from_day <= day:
            current = step
    return current if day >= 0 else None


def dated(steps: list[Step], starts_on: date) -> list[tuple[Step, date, date]]:
    """Each step with its first and last calendar day."""
    return [
        (step, starts_on + timedelta(days=step.from_day), starts_on + timedelta(days=step.to_day))
        for step in steps
    ]
