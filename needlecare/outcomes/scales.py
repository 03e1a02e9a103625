"""The outcome scales, each defined once: range, which direction is better, labels and source
(CLINICAL.md section 7). Forms, the API and the charts are built from these definitions. Pure Python.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal

Better = Literal["lower", "higher"]


@dataclass(frozen=True)
class Scale:
    """One scale. `relative` scales rate change against the baseline (GAIS), so a baseline has none.

    >>> GAIS.check(6)
    'GAIS (Global Aesthetic Improvement Scale) runs from 1 to 5; 6 is outside it.'
    """

    key: str
    name: str
    minimum: Decimal
    maximum: Decimal
    better: Better
    labels: Mapping[int, str] = field(default_factory=dict)
    whole: bool = True
    relative: bool = False
    source: str = ""
    standard: bool = True
    computed: bool = False  # the value is computed from recorded parts (Goodman and Baron quantitative)

    @property
    def lower_is_better(self) -> bool:
        return self.better == "lower"

    @property
    def choices(self) -> list[tuple[int, str]]:
        """(value, "value · label") for a labelled whole-number scale; [] when free numeric entry fits."""
        if not self.whole or not self.labels or self.maximum - self.minimum > 12:
            return []
        return [
            (v, f"{v} · {self.labels[v]}" if v in self.labels else str(v))
            for v in range(int(self.minimum), int(self.maximum) + 1)
        ]

    def check(self, value: object) -> str | None:
        """None when `value` is a valid score on this scale, else a sentence saying what is wrong."""
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            return f"{self.name}: {value!r} is not a number."
        if not number.is_finite():
            return f"{self.name}: {value!r} is not a number."
        if number < self.minimum or number > self.maximum:
            low, high = _plain(self.minimum), _plain(self.maximum)
            return f"{self.name} runs from {low} to {high}; {_plain(number)} is outside it."
        if self.whole and number != number.to_integral_value():
            return f"{self.name} takes whole numbers; {_plain(number)} is not one."
        if number.as_tuple().exponent < -2:  # type: ignore[operator]
            return f"{self.name}: give at most two decimal places."
        return None

    def label(self, value: Decimal | int | float) -> str:
        number = Decimal(str(value))
        if number == number.to_integral_value():
            text = self.labels.get(int(number))
            if text:
                return text
        return ""

    def improvement(self, baseline: Decimal, value: Decimal) -> Decimal:
        """How much better `value` is than `baseline` (positive is better), in the scale's units."""
        return baseline - value if self.lower_is_better else value - baseline


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text


def _scale(key: str, name: str, low: int, high: int, better: Better, **kwargs: object) -> Scale:
    return Scale(key, name, Decimal(low), Decimal(high), better, **kwargs)  # type: ignore[arg-type]


GAIS = _scale(
    "gais",
    "GAIS (Global Aesthetic Improvement Scale)",
    1,
    5,
    "lower",
    labels={
        1: "Exceptional improvement",
        2: "Very improved",
        3: "Improved",
        4: "Unaltered",
        5: "Worsened",
    },
    relative=True,
    source="Narins 2003",
)
GOODMAN_BARON_QUALITATIVE = _scale(
    "goodman_baron_qualitative",
    "Goodman and Baron qualitative acne scar grade",
    1,
    4,
    "lower",
    labels={
        1: "Macular (flat marks)",
        2: "Mild: not obvious at 50 cm, covered by make-up",
        3: "Moderate: obvious at 50 cm, flattens when stretched",
        4: "Severe: obvious, does not flatten",
    },
    source="Goodman 2006a",
)
GOODMAN_BARON_QUANTITATIVE = _scale(
    "goodman_baron_quantitative",
    "Goodman and Baron quantitative acne scar score",
    0,
    84,
    "lower",
    labels={0: "No scars"},
    source="Goodman 2006b",
    computed=True,
)
GLOGAU = _scale(
    "glogau",
    "Glogau photoageing type",
    1,
    4,
    "lower",
    labels={
        1: "Type I: no wrinkles",
        2: "Type II: wrinkles in motion",
        3: "Type III: wrinkles at rest",
        4: "Type IV: only wrinkles",
    },
)
WRINKLE_SEVERITY = _scale(
    "wrinkle_severity",
    "Wrinkle Severity Rating Scale",
    1,
    5,
    "lower",
    labels={1: "Absent", 2: "Mild", 3: "Moderate", 4: "Severe", 5: "Extreme"},
    source="Day 2004",
)
SATISFACTION = _scale(
    "satisfaction",
    "Patient satisfaction",
    1,
    5,
    "higher",
    labels={
        1: "Very dissatisfied",
        2: "Dissatisfied",
        3: "Neither satisfied nor dissatisfied",
        4: "Satisfied",
        5: "Very satisfied",
    },
    relative=True,
)
SATISFACTION_VAS = _scale(
    "satisfaction_vas",
    "Patient satisfaction (0-10 visual analogue scale)",
    0,
    10,
    "higher",
    labels={0: "Not at all satisfied", 10: "Completely satisfied"},
    relative=True,
)

STANDARD: dict[str, Scale] = {
    s.key: s
    for s in (
        GAIS,
        GOODMAN_BARON_QUALITATIVE,
        GOODMAN_BARON_QUANTITATIVE,
        GLOGAU,
        WRINKLE_SEVERITY,
        SATISFACTION,
        SATISFACTION_VAS,
    )
}


def clinic_scale(
    *,
    key: str,
    name: str,
    minimum: Decimal,
    maximum: Decimal,
    better: Better,
    labels: Mapping[int, str],
    whole: bool,
) -> Scale:
    """A clinic-defined numeric scale, in the same shape as the standard ones."""
    return Scale(
        key=key,
        name=name,
        minimum=Decimal(minimum),
        maximum=Decimal(maximum),
        better=better,
        labels=dict(labels),
        whole=whole,
        standard=False,
        source="Defined by the clinic",
    )


# --- Goodman and Baron quantitative: store the counts, compute the score [Goodman 2006b] -----------
# Points per scar of each type, by the published grading (milder 1, moderate 2, severe 3, hyperplastic
# papular 2, keloidal 6); each type's points times the count factor; the published maximum is 84.


@dataclass(frozen=True)
class ScarType:
    key: str
    grade: str
    label: str
    points: int


SCAR_TYPES: tuple[ScarType, ...] = (
    ScarType("macular", "milder", "Macular erythematous or pigmented scars", 1),
    ScarType("mild_atrophic", "milder", "Mildly atrophic dish-like scars", 1),
    ScarType("moderate_atrophic", "moderate", "Moderately atrophic dish-like scars", 2),
    ScarType("punched_shallow_small", "moderate", "Punched-out, shallow base, small (< 5 mm)", 2),
    ScarType("punched_shallow_broad", "moderate", "Punched-out, shallow but broad base (> 5 mm)", 2),
    ScarType("punched_deep_small", "severe", "Punched-out, deep normal-looking base (< 5 mm)", 3),
    ScarType("punched_deep_broad", "severe", "Punched-out, deep normal-looking base (> 5 mm)", 3),
    ScarType("linear_troughed", "severe", "Linear or troughed dermal scarring", 3),
    ScarType("deep_broad_atrophic", "severe", "Deep, broad atrophic areas", 3),
    ScarType("papular", "hyperplastic", "Hyperplastic papular scars", 2),
    ScarType("keloidal", "hyperplastic", "Keloidal or hypertrophic scars", 6),
)
SCAR_TYPE_KEYS = tuple(t.key for t in SCAR_TYPES)
MAX_SCAR_COUNT = 500


def count_factor(count: int) -> int:
    """1-10 scars count once, 11-20 twice, over 20 three times; none count nothing.

    >>> [count_factor(n) for n in (0, 1, 10, 11, 20, 21)]
    [0, 1, 1, 2, 2, 3]
    """
    if count <= 0:
        return 0
    if count <= 10:
        return 1
    if count <= 20:
        return 2
    return 3


def goodman_baron_score(counts: Mapping[str, int]) -> int:
    """The quantitative score (0-84) from the number of scars of each type.

    >>> goodman_baron_score({"macular": 12, "punched_deep_small": 3})
    5
    """
    problems = check_scar_counts(counts)
    if problems:
        raise ValueError("; ".join(problems))
    return sum(t.points * count_factor(int(counts.get(t.key, 0))) for t in SCAR_TYPES)


def check_scar_counts(counts: object) -> list[str]:
    """Every problem with a set of scar counts, as sentences; [] when they can be scored."""
    if not isinstance(counts, Mapping):
        return ["Give the scar counts as an object of scar type -> count."]
    problems = []
    unknown = sorted(set(map(str, counts)) - set(SCAR_TYPE_KEYS))
    if unknown:
        problems.append(f"Unknown scar types: {', '.join(unknown)}; known: {', '.join(SCAR_TYPE_KEYS)}.")
    for key, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{key}: the count must be a whole number.")
        elif not 0 <= value <= MAX_SCAR_COUNT:
            problems.append(f"{key}: the count must be between 0 and {MAX_SCAR_COUNT}.")
    return problems


def all_scales(custom: Iterable[Scale] = ()) -> dict[str, Scale]:
    """The standard scales followed by the clinic's own, by key."""
    scales = dict(STANDARD)
    for scale in custom:
        scales.setdefault(scale.key, scale)
    return scales
