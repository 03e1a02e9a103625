"""Load a clinical protocol (TOML), refuse it unless it is whole and consistent, and identify it by the
hash of its text. Pure: no Django. The format is explained for clinicians in docs/protocol.md.
"""

from __future__ import annotations

import hashlib
import re
import string
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from needlecare.core.months import add_months_never_shorter

DEFAULT_PATH = Path(__file__).with_name("default.toml")

Severity = Literal["declined", "deferred", "clearance", "precautions"]
SEVERITIES: tuple[Severity, ...] = ("declined", "deferred", "clearance", "precautions")  # worst first

# DESIGN.md's identifiers: plans and the API name them, so a protocol may add more but never drop these.
REQUIRED_ZONES = (
    "forehead",
    "periorbital",
    "nose",
    "cheeks",
    "perioral",
    "chin",
    "jawline",
    "neck",
    "decolletage",
    "abdomen",
    "thighs",
    "buttocks",
    "arms",
    "back",
)
REQUIRED_INDICATIONS = (
    "fine_lines",
    "acne_scars",
    "surgical_scars",
    "uneven_texture",
    "enlarged_pores",
    "stretch_marks",
    "sun_damage",
    "hyperpigmentation",
)
REQUIRED_DEVICES = ("pen", "roller")

FieldKind = Literal["yes_no", "choice", "date", "fitzpatrick", "list"]


@dataclass(frozen=True)
class IntakeField:
    """One intake question as screening sees it: its kind, allowed answers, and a phrase naming it."""

    kind: FieldKind
    question: str
    choices: tuple[str, ...] = ()
    # A "last date" question: besides a date it takes "never" (asked, and it never happened).
    can_be_never: bool = False
    # An older question that a newer one answers completely: when the newer one is answered, this one
    # left out is not "not asked" (radiation_to_site_last_12_months, kept for stored intakes and old clients).
    superseded_by: str = ""


# The intake contract (DESIGN.md; needlecare/patients/intake.py holds the same fields for forms and API).
INTAKE_FIELDS: Mapping[str, IntakeField] = {
    "date_of_birth": IntakeField("date", "date of birth"),
    "fitzpatrick": IntakeField("fitzpatrick", "Fitzpatrick skin type"),
    "pregnant_or_breastfeeding": IntakeField("yes_no", "pregnancy or breastfeeding"),
    "active_infection_at_site": IntakeField("yes_no", "an active infection where we would treat"),
    "active_acne_at_site": IntakeField(
        "choice", "active acne where we would treat", ("none", "comedonal", "inflammatory")
    ),
    "herpes_simplex_history": IntakeField("yes_no", "a history of cold sores (herpes simplex)"),
    "dermatitis_at_site": IntakeField(
        "choice", "eczema, psoriasis or rosacea where we would treat", ("none", "stable", "active")
    ),
    "keloid_history": IntakeField("yes_no", "a history of keloid or raised scars"),
    "bleeding_disorder": IntakeField("yes_no", "a bleeding or clotting disorder, or low platelets"),
    "anticoagulant": IntakeField(
        "choice", "blood thinners (antiplatelet or anticoagulant)", ("none", "antiplatelet", "anticoagulant")
    ),
    "isotretinoin_last_dose": IntakeField(
        "date", "the last dose of isotretinoin (Roaccutane)", can_be_never=True
    ),
    "immunosuppressed": IntakeField("yes_no", "immunosuppression (medicines, illness or chemotherapy)"),
    "diabetes": IntakeField("choice", "diabetes", ("none", "controlled", "uncontrolled")),
    "radiation_to_site_last_12_months": IntakeField(
        "yes_no",
        "radiotherapy to the area in the last 12 months",
        superseded_by="radiotherapy_to_site_last_date",
    ),
    "recent_sunburn_at_site": IntakeField("yes_no", "recent sunburn on the area"),
    "topical_retinoid_last_use": IntakeField("date", "the last use of a topical retinoid", can_be_never=True),
    "neurotoxin_last_date": IntakeField(
        "date", "the last anti-wrinkle (neurotoxin) injection in the area", can_be_never=True
    ),
    "filler_last_date": IntakeField("date", "the last dermal filler in the area", can_be_never=True),
    "laser_or_peel_last_date": IntakeField(
        "date", "the last superficial peel or non-ablative laser on the area", can_be_never=True
    ),
    "skin_cancer_or_suspicious_lesion_at_site": IntakeField(
        "yes_no", "skin cancer or a changing mole or spot in the area"
    ),
    # Added by issue 13's clinical review.
    "ablative_laser_or_deep_peel_last_date": IntakeField(
        "date", "the last ablative laser or medium or deep chemical peel on the area", can_be_never=True
    ),
    "radiotherapy_to_site_last_date": IntakeField(
        "date", "the last radiotherapy to the area", can_be_never=True
    ),
    "koebner_disease": IntakeField(
        "choice",
        "psoriasis, vitiligo, lichen planus or discoid lupus anywhere on the body",
        ("none", "stable", "active"),
    ),
    "connective_tissue_disease": IntakeField(
        "yes_no", "scleroderma, lupus or another connective-tissue disease"
    ),
    "bloodborne_infection": IntakeField("choice", "HIV, hepatitis B or hepatitis C", ("none", "positive")),
    "platelet_disorder": IntakeField("yes_no", "a platelet disorder or a low platelet count"),
    "allergies": IntakeField("list", "allergies"),
    # No default rule reads these (the forecast does); a clinic's protocol may.
    "smoker": IntakeField("yes_no", "smoking"),
    "sun_exposure": IntakeField("choice", "sun exposure", ("low", "medium", "high")),
}

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


class ProtocolError(ValueError):
    """A protocol was refused. ``problems`` holds (entry, reason) pairs; the message names the file too.

    >>> str(ProtocolError("clinic.toml", [("zones.cheeks.depth_mm", "min 2.0 is above max 1.5")]))
    'clinic.toml: zones.cheeks.depth_mm: min 2.0 is above max 1.5'
    """

    def __init__(self, filename: str, problems: list[tuple[str, str]]) -> None:
        self.filename = filename
        self.problems = problems
        super().__init__("\n".join(f"{filename}: {entry}: {reason}" for entry, reason in problems))


# ------------------------------------------------------------------------------------------------------
# The document, entry by entry. Strict: a number must be a number, and an unknown key (a typo) is refused.
# ------------------------------------------------------------------------------------------------------

Text = Annotated[str, Field(min_length=1)]
PositiveInt = Annotated[int, Field(ge=1)]


class _Entry(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Band(_Entry):
    """A depth band in mm."""

    min: float = Field(gt=0)
    max: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class Span(_Entry):
    """A range of whole numbers (sessions, weeks, months, days)."""

    min: PositiveInt
    max: PositiveInt

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class Period(_Entry):
    """A wait after a date: ``{days = 14}`` or ``{months = 6}``."""

    days: PositiveInt | None = None
    months: PositiveInt | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.days is None) == (self.months is None):
            raise ValueError("give exactly one of days or months")
        return self

    def after(self, start: date) -> date:
        """The date the wait ends: ``Period(days=14).after(date(2025, 1, 1)) == date(2025, 1, 15)``."""
        if self.months is not None:
            return add_months_never_shorter(start, self.months)
        return start + timedelta(days=self.days or 0)


class About(_Entry):
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")]
    title: Text
    summary: str = ""
    caveat: str = ""
    source: Text


class Device(_Entry):
    label: Text
    adjustable: bool
    lengths_mm: list[Annotated[float, Field(gt=0)]] = []
    note: str = ""
    source: Text

    @model_validator(mode="after")
    def _lengths(self) -> Self:
        if self.adjustable and self.lengths_mm:
            raise ValueError("an adjustable device has no fixed lengths_mm")
        if not self.adjustable and not self.lengths_mm:
            raise ValueError("a fixed-length device needs lengths_mm")
        if self.lengths_mm != sorted(set(self.lengths_mm)):
            raise ValueError("lengths_mm must be listed shortest first, each once")
        return self


class DepthLimits(_Entry):
    non_body_max_mm: float = Field(gt=0)
    note: str = ""
    source: Text


class Zone(_Entry):
    label: Text
    region: Literal["face", "neck", "body"]
    depth_mm: Band
    upper_mm: float = Field(gt=0)
    upper_for: list[str] = []
    note: str = ""
    source: Text

    @model_validator(mode="after")
    def _upper(self) -> Self:
        if self.upper_mm < self.depth_mm.max:
            raise ValueError(f"upper_mm {self.upper_mm} is below depth_mm.max {self.depth_mm.max}")
        return self

    def max_mm_for(self, indication: str) -> float:
        """The deepest a plan proposes here for ``indication``: the ceiling if the zone allows it, else
        the usual band's top."""
        return self.upper_mm if indication in self.upper_for else self.depth_mm.max


class Series(_Entry):
    sessions: Span
    interval_weeks: Span
    maintenance_months: Span
    maintenance_note: str = ""
    note: str = ""
    source: Text


class Indication(_Entry):
    label: Text
    depth_mm: Band
    pigment: bool = False
    # On darker skin ([darker_skin] fitzpatrick_from), the band proposed instead, within the zone's ceiling.
    darker_skin_depth_mm: Band | None = None
    note: str = ""
    source: Text
    series: Series


class SeriesNotes(_Entry):
    shortest_published_interval_weeks: PositiveInt
    usual_minimum_interval_weeks: PositiveInt
    note: str = ""
    source: Text


class DarkerSkin(_Entry):
    fitzpatrick_from: Annotated[int, Field(ge=1, le=6)]
    pigment_lower_half: bool
    interval_extra_weeks: Annotated[int, Field(ge=0)]
    precautions: list[Text]
    note: str = ""
    source: Text


class Message(_Entry):
    staff_message: Text
    patient_message: Text
    source: Text

    @model_validator(mode="after")
    def _placeholders(self) -> Self:
        for key in ("staff_message", "patient_message"):
            _check_placeholders(key, getattr(self, key), {"question", "consequence"})
        return self


class Screening(_Entry):
    valid_days: PositiveInt
    note: str = ""
    source: Text
    unknown: Message
    not_asked: Message


# The placeholders each kind of condition can fill in its messages.
_CONDITION_PLACEHOLDERS: dict[str, set[str]] = {
    "values": set(),
    "defer_after": {"date", "until"},
    "age_below_years": {"age"},
    "contains_any": {"matched"},
    "ever": {"date"},
    "allergens_any": {"matched"},
}


def _check_placeholders(key: str, text: str, allowed: set[str]) -> None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as error:
        raise ValueError(f"{key}: {error} (write a literal brace as {{{{ or }}}})") from None
    unknown = sorted(names - allowed)
    if unknown:
        can = ", ".join("{" + name + "}" for name in sorted(allowed)) or "none"
        raise ValueError(f"{key} uses {{{unknown[0]}}}, which this entry cannot fill (it can fill: {can})")


class Rule(_Entry):
    """A contraindication: reads one intake field and, on its condition, gives a finding."""

    title: Text
    field: str
    severity: Severity
    values: list[Any] | None = None
    defer_after: Period | None = None
    age_below_years: PositiveInt | None = None
    contains_any: list[Text] | None = None
    ever: Literal[True] | None = None  # any date answer, however long ago (not "never")
    allergens_any: list[Text] | None = None  # ingredient keys of [allergens]
    applies_to_zones: list[str] = []
    applies_to_regions: list[Literal["face", "neck", "body"]] = []
    applies_to_adjuncts: list[str] = []
    # Accepted so that stored protocol versions still load; it no longer changes anything: since a date
    # question can be answered "never", a left-out answer is "not asked" for every question.
    if_not_asked: Literal["ask", "assume_no"] = "ask"
    clearance_by: str = ""
    ends: Text
    staff_message: Text
    patient_message: Text
    note: str = ""
    source: Text

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str) -> str:
        if value not in INTAKE_FIELDS:
            raise ValueError(f"unknown intake field {value!r}; intake fields are: {', '.join(INTAKE_FIELDS)}")
        return value

    @property
    def condition(self) -> str:
        """Which condition the rule uses: values, defer_after, age_below_years or contains_any."""
        return next(name for name in _CONDITION_PLACEHOLDERS if getattr(self, name) is not None)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        given = [name for name in _CONDITION_PLACEHOLDERS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one condition of {', '.join(_CONDITION_PLACEHOLDERS)}")
        condition, kind = given[0], INTAKE_FIELDS[self.field]
        if condition == "values":
            self._check_values(kind)
        elif condition == "defer_after" and (kind.kind != "date" or self.field == "date_of_birth"):
            raise ValueError("defer_after needs a date field (date_of_birth is not one)")
        elif condition == "age_below_years" and self.field != "date_of_birth":
            raise ValueError("age_below_years reads date_of_birth")
        elif condition in ("contains_any", "allergens_any") and kind.kind != "list":
            raise ValueError(f"{condition} needs a list field (allergies)")
        elif condition == "ever" and not kind.can_be_never:
            raise ValueError("ever needs a 'last date' field (one that can be answered \"never\")")
        if condition == "defer_after" and self.severity != "deferred":
            raise ValueError("a rule with defer_after must have severity 'deferred'")
        if (self.severity == "clearance") != bool(self.clearance_by):
            raise ValueError("clearance_by names who clears, and is given for 'clearance' rules only")
        for key in ("staff_message", "patient_message"):
            _check_placeholders(key, getattr(self, key), _CONDITION_PLACEHOLDERS[condition])
        return self

    def _check_values(self, kind: IntakeField) -> None:
        if not self.values:
            raise ValueError("values must list at least one answer")
        for value in self.values:
            ok = {
                "yes_no": isinstance(value, bool),
                "choice": isinstance(value, str) and value in kind.choices,
                "fitzpatrick": isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 6,
            }.get(kind.kind, False)
            if not ok:
                answers = {
                    "yes_no": "true or false",
                    "choice": ", ".join(repr(choice) for choice in kind.choices),
                    "fitzpatrick": "1 to 6",
                }.get(kind.kind, f"none: use a different condition for a {kind.kind} field")
                raise ValueError(f"{value!r} is not an answer to {self.field}; its answers are {answers}")


class Allergen(_Entry):
    """An ingredient or metal a patient may be allergic to, and the names (brands, synonyms) it goes by."""

    label: Text
    kind: Literal["anaesthetic", "metal", "other"]
    names: list[Text] = []  # besides the key itself
    note: str = ""
    source: Text


class Allergens(_Entry):
    """``[allergens]``: how an intake's allergies in the patient's words map to ingredient keys."""

    note: str = ""
    source: Text
    # Words that name every ingredient of a kind ("local anaesthetic", "numbing cream").
    kinds: dict[str, list[Text]] = {}
    ingredients: dict[str, Allergen]


class Adjunct(_Entry):
    """Something used with microneedling that screening must know about (``prp``)."""

    label: Text
    note: str = ""
    source: Text


class AftercareStep(_Entry):
    from_day: Annotated[int, Field(ge=0)]
    to_day: Annotated[int, Field(ge=0)]
    instructions: list[Text]
    expected: list[Text] = []
    call_clinic_if: list[Text]
    note: str = ""
    source: Text

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.from_day > self.to_day:
            raise ValueError(f"from_day {self.from_day} is after to_day {self.to_day}")
        return self


class Aftercare(_Entry):
    deep_above_mm: float = Field(gt=0)
    deep_extra_days: Span
    serums: Text
    note: str = ""
    source: Text
    steps: Annotated[list[AftercareStep], Field(min_length=1)]

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        for before, after in zip(self.steps, self.steps[1:], strict=False):
            if after.from_day <= before.to_day:
                raise ValueError(f"steps must run in day order without overlap (day {after.from_day})")
        return self


class Multipliers(_Entry):
    high_sun_exposure: float = Field(gt=0)
    low_sun_exposure: float = Field(gt=0)
    smoker: float = Field(gt=0)
    per_decade_over_age: float = Field(gt=0)
    age_from_years: PositiveInt
    source: Text


class Spread(_Entry):
    distribution: Literal["lognormal"]
    sigma: float = Field(gt=0)
    source: Text


class Durability(_Entry):
    peak_months_after_last_session: float = Field(gt=0)
    half_life_months: dict[str, Annotated[float, Field(gt=0)]]
    multipliers: Multipliers
    spread: Spread
    caveat: Text
    note: str = ""
    source: Text


class NumbingIngredient(_Entry):
    """An active ingredient of a numbing agent, and the words (brand names, synonyms) that name it."""

    label: Text
    family: Literal["amide", "ester"]
    names: list[Text] = []
    note: str = ""
    source: Text


class NumbingAgent(_Entry):
    """A numbing agent offered at the chair, with its active ingredients (keys of [numbing.ingredients])."""

    label: Text
    ingredients: list[str]
    ingredients_known: bool = True
    names: list[Text] = []
    note: str = ""
    source: Text

    @model_validator(mode="after")
    def _unknown_has_none(self) -> Self:
        if not self.ingredients_known and self.ingredients:
            raise ValueError("an agent whose ingredients are not known lists none")
        return self


class Numbing(_Entry):
    """``[numbing]``: the agents and their ingredients, for the allergy check at the chair."""

    any_anaesthetic: list[Text] = []
    note: str = ""
    source: Text
    ingredients: dict[str, NumbingIngredient]
    agents: Annotated[dict[str, NumbingAgent], Field(min_length=1)]


class AdverseEventGuide(_Entry):
    """What to do when an adverse event of one kind is recorded: the steps and where to refer."""

    label: Text
    management: Annotated[list[Text], Field(min_length=1)]
    referral: Text
    note: str = ""
    source: Text


class ProtocolDocument(_Entry):
    """The protocol as written: one attribute per top-level table."""

    protocol: About
    sources: dict[str, Text]
    devices: dict[str, Device]
    depth: DepthLimits
    zones: dict[str, Zone]
    indications: dict[str, Indication]
    series: SeriesNotes
    darker_skin: DarkerSkin
    screening: Screening
    contraindications: dict[str, Rule]
    # Optional so that protocol versions stored before issue 13 still load.
    allergens: Allergens | None = None
    adjuncts: dict[str, Adjunct] = {}
    aftercare: Aftercare
    durability: Durability
    # Optional, so that protocol versions stored before issue 13 still load (the chair then uses the
    # default protocol's numbing agents: needlecare.treatments.numbing).
    numbing: Numbing | None = None
    adverse_events: dict[str, AdverseEventGuide] = {}


class Protocol(ProtocolDocument):
    """A validated protocol with its identity: ``version`` is the sha256 of its canonical ``text``."""

    filename: str
    version: str
    text: str = Field(repr=False)

    @property
    def name(self) -> str:
        return self.protocol.name

    def ref(self) -> dict[str, str]:
        """``{name, version}``, as screening decisions and plans record it."""
        return {"name": self.name, "version": self.version}


# ------------------------------------------------------------------------------------------------------
# Loading
# ------------------------------------------------------------------------------------------------------


def canonical_text(text: str) -> str:
    """The text a protocol is hashed and stored as: Unix line ends, no trailing spaces, one final newline.

    >>> canonical_text("a = 1  \\r\\n\\r\\n")
    'a = 1\\n'
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n") + "\n"


def content_hash(text: str) -> str:
    """The protocol's version: sha256 (hex) of its canonical text, so layout-only edits keep the version.

    >>> content_hash("a = 1\\n") == content_hash("a = 1   \\r\\n")
    True
    """
    return hashlib.sha256(canonical_text(text).encode("utf-8")).hexdigest()


def load_protocol(text: str, *, filename: str = "<protocol>") -> Protocol:
    """Parse and validate a protocol text; raise ProtocolError naming the file, entry and reason.

    >>> load_protocol(DEFAULT_PATH.read_text(), filename="default.toml").darker_skin.fitzpatrick_from
    4
    """
    canonical = canonical_text(text)
    try:
        raw = tomllib.loads(canonical)
    except tomllib.TOMLDecodeError as error:
        raise ProtocolError(filename, [("TOML syntax", str(error))]) from None
    try:
        document = ProtocolDocument.model_validate(raw)
    except ValidationError as error:
        raise ProtocolError(filename, [_problem(detail) for detail in error.errors()]) from None
    problems = _cross_check(document) + _check_numbing(document)
    if problems:
        raise ProtocolError(filename, problems)
    return Protocol(**dict(document), filename=filename, version=content_hash(canonical), text=canonical)


def load_protocol_file(path: Path | str) -> Protocol:
    """Load a protocol from a file: ``load_protocol_file(DEFAULT_PATH).name == "needlecare-default"``."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(str(path), [("file", f"not UTF-8 text ({error.reason})")]) from None
    return load_protocol(text, filename=str(path))


def _problem(detail: Mapping[str, Any]) -> tuple[str, str]:
    entry = ""
    for part in detail["loc"]:
        entry += f"[{part}]" if isinstance(part, int) else (f".{part}" if entry else str(part))
    reason = str(detail["msg"]).removeprefix("Value error, ")
    if detail["type"] == "missing":
        reason = "is missing"
    elif detail["type"] == "extra_forbidden":
        reason = "is not a key this format knows (a typo?)"
    return entry or "(top level)", reason


def _cross_check(doc: ProtocolDocument) -> list[tuple[str, str]]:
    """Checks that span entries: identifiers, references between tables, and sources."""
    problems: list[tuple[str, str]] = []
    for table, ids, required in (
        ("zones", doc.zones, REQUIRED_ZONES),
        ("indications", doc.indications, REQUIRED_INDICATIONS),
        ("devices", doc.devices, REQUIRED_DEVICES),
        ("contraindications", doc.contraindications, ()),
    ):
        problems += [
            (f"{table}.{key}", "identifiers are lower-case letters, digits and _")
            for key in ids
            if not _IDENTIFIER.match(key)
        ]
        problems += [
            (table, f"{key!r} is missing (plans and the API use it)") for key in required if key not in ids
        ]
    for zone_id, zone in doc.zones.items():
        problems += [
            (f"zones.{zone_id}.upper_for", f"unknown indication {name!r}")
            for name in zone.upper_for
            if name not in doc.indications
        ]
        if zone.region != "body" and zone.upper_mm > doc.depth.non_body_max_mm:
            problems.append(
                (
                    f"zones.{zone_id}.upper_mm",
                    f"{zone.upper_mm} is above depth.non_body_max_mm {doc.depth.non_body_max_mm} "
                    "(only body zones go deeper)",
                )
            )
    for rule_id, rule in doc.contraindications.items():
        problems += [
            (f"contraindications.{rule_id}.applies_to_zones", f"unknown zone {name!r}")
            for name in rule.applies_to_zones
            if name not in doc.zones
        ]
        problems += [
            (f"contraindications.{rule_id}.applies_to_adjuncts", f"unknown adjunct {name!r}")
            for name in rule.applies_to_adjuncts
            if name not in doc.adjuncts
        ]
        ingredients = doc.allergens.ingredients if doc.allergens else {}
        problems += [
            (f"contraindications.{rule_id}.allergens_any", f"unknown ingredient {name!r} (see [allergens])")
            for name in rule.allergens_any or []
            if name not in ingredients
        ]
    if doc.allergens:
        problems += [
            (f"allergens.kinds.{kind}", "unknown kind (anaesthetic, metal or other)")
            for kind in doc.allergens.kinds
            if kind not in ("anaesthetic", "metal", "other")
        ]
    for table, keys in (
        ("adjuncts", list(doc.adjuncts)),
        ("allergens.ingredients", list(ingredients_of(doc))),
    ):
        problems += [
            (f"{table}.{key}", "identifiers are lower-case letters, digits and _")
            for key in keys
            if not _IDENTIFIER.match(key)
        ]
    half_lives = doc.durability.half_life_months
    problems += [
        ("durability.half_life_months", f"no half-life for indication {name!r}")
        for name in doc.indications
        if name not in half_lives
    ]
    problems += [
        (f"durability.half_life_months.{name}", "unknown indication")
        for name in half_lives
        if name not in doc.indications
    ]
    for entry, source in _sources(doc, ""):
        problems += [
            (f"{entry}.source", f"{part!r} does not start with a key from [sources]")
            for part in unknown_source_parts(source, doc.sources)
        ]
    return problems


def ingredients_of(doc: ProtocolDocument) -> dict[str, Allergen]:
    return doc.allergens.ingredients if doc.allergens else {}


def _check_numbing(doc: ProtocolDocument) -> list[tuple[str, str]]:
    """The numbing agents name known ingredients; identifiers as elsewhere."""
    problems: list[tuple[str, str]] = []
    if doc.numbing is not None:
        for table, ids in (
            ("numbing.ingredients", doc.numbing.ingredients),
            ("numbing.agents", doc.numbing.agents),
        ):
            problems += [
                (f"{table}.{key}", "identifiers are lower-case letters, digits and _")
                for key in ids
                if not _IDENTIFIER.match(key)
            ]
        for key, agent in doc.numbing.agents.items():
            problems += [
                (
                    f"numbing.agents.{key}.ingredients",
                    f"unknown ingredient {name!r} (see [numbing.ingredients])",
                )
                for name in agent.ingredients
                if name not in doc.numbing.ingredients
            ]
    problems += [
        (f"adverse_events.{key}", "identifiers are lower-case letters, digits and _")
        for key in doc.adverse_events
        if not _IDENTIFIER.match(key)
    ]
    return problems


def _sources(node: object, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            value = getattr(node, name)
            if name == "source" and isinstance(value, str):
                yield path or "(top level)", value
            else:
                yield from _sources(value, f"{path}.{name}" if path else name)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _sources(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _sources(value, f"{path}[{index}]")


def source_parts(source: str) -> list[str]:
    """A ``source`` split into its citations, at semicolons outside parentheses.

    >>> source_parts("Alster 2018 (keloid: many; relative); practice")
    ['Alster 2018 (keloid: many; relative)', 'practice']
    """
    parts, depth, current = [], 0, ""
    for char in source:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ";" and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()]


def unknown_source_parts(source: str, keys: Mapping[str, str]) -> list[str]:
    """The citations in a ``source`` that do not start with a key of ``[sources]``.

    >>> unknown_source_parts("Alster 2018 (Koebner risk); Smith 2020", {"Alster 2018": "..."})
    ['Smith 2020']
    """
    return [
        part
        for part in source_parts(source)
        if not any(part == key or (part.startswith(key) and part[len(key)] in " ,(:") for key in keys)
    ]
