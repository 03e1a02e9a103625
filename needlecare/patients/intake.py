"""The intake (medical history) answers, exactly in DESIGN.md's contract shape. Pure: no Django.

An absent key means "not asked"; ``None`` means "asked, and the answer is unknown". Both are kept as
given, so screening can tell them apart. A "last date" question takes a date, ``"never"`` or ``None``:

>>> Intake.model_validate({"fitzpatrick": 3, "keloid_history": None, "filler_last_date": "never"}).answers()
{'fitzpatrick': 3, 'keloid_history': None, 'filler_last_date': 'never'}
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, WithJsonSchema

from needlecare.core.fields import iso_date_only, whole_number

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def _plain_text(value: Any) -> Any:
    # NUL cannot be stored in PostgreSQL, and no answer needs a control character.
    if isinstance(value, str) and _CONTROLS.search(value):
        raise ValueError("must be plain text, without control characters")
    return value


def _date_or_never(value: Any) -> Any:
    # A "when did you last..." question: a date, or "never" (the question was asked and it never
    # happened). ``None`` (unknown) is handled by the field's ``| None``.
    if value == NEVER or isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError('must be a date written as YYYY-MM-DD, or "never"')


NEVER = "never"
IsoDate = Annotated[date, BeforeValidator(iso_date_only)]
# date | "never"; with `| None` (unknown) on the field, the contract's `date | "never" | null`.
LastDate = Annotated[
    date | Literal["never"],
    BeforeValidator(_date_or_never),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "format": "date"}, {"type": "string", "const": "never"}],
            "description": 'The date (YYYY-MM-DD), or "never"; null when unknown.',
        }
    ),
]
Allergy = Annotated[
    str,
    BeforeValidator(_plain_text),
    Field(min_length=1, max_length=80, json_schema_extra={"pattern": r"^[^\x00-\x1f\x7f]*$"}),
]


class Intake(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    date_of_birth: IsoDate | None = None
    fitzpatrick: Annotated[StrictInt, Field(ge=1, le=6), BeforeValidator(whole_number)] | None = None
    pregnant_or_breastfeeding: StrictBool | None = None
    active_infection_at_site: StrictBool | None = None
    active_acne_at_site: Literal["none", "comedonal", "inflammatory"] | None = None
    herpes_simplex_history: StrictBool | None = None
    dermatitis_at_site: Literal["none", "stable", "active"] | None = None
    keloid_history: StrictBool | None = None
    bleeding_disorder: StrictBool | None = None
    anticoagulant: Literal["none", "antiplatelet", "anticoagulant"] | None = None
    isotretinoin_last_dose: LastDate | None = None
    immunosuppressed: StrictBool | None = None
    diabetes: Literal["none", "controlled", "uncontrolled"] | None = None
    radiation_to_site_last_12_months: StrictBool | None = None
    recent_sunburn_at_site: StrictBool | None = None
    topical_retinoid_last_use: LastDate | None = None
    neurotoxin_last_date: LastDate | None = None
    filler_last_date: LastDate | None = None
    laser_or_peel_last_date: LastDate | None = None
    skin_cancer_or_suspicious_lesion_at_site: StrictBool | None = None
    # Added by issue 13's clinical review (docs/protocol.md, "Changes").
    ablative_laser_or_deep_peel_last_date: LastDate | None = None
    radiotherapy_to_site_last_date: LastDate | None = None
    koebner_disease: Literal["none", "stable", "active"] | None = None
    connective_tissue_disease: StrictBool | None = None
    bloodborne_infection: Literal["none", "positive"] | None = None
    platelet_disorder: StrictBool | None = None
    allergies: Annotated[list[Allergy], Field(max_length=40)] | None = None
    # Not contraindications: they tell the forecast how fast collagen is likely to fade (CLINICAL.md).
    smoker: StrictBool | None = None
    sun_exposure: Literal["low", "medium", "high"] | None = None

    def answers(self) -> dict[str, Any]:
        """The answers given (absent keys stay absent), JSON-ready."""
        return self.model_dump(mode="json", exclude_unset=True)


# The "when did you last..." questions: each takes a date, "never" or null (unknown).
LAST_DATE_FIELDS: tuple[str, ...] = (
    "isotretinoin_last_dose",
    "topical_retinoid_last_use",
    "neurotoxin_last_date",
    "filler_last_date",
    "laser_or_peel_last_date",
    "ablative_laser_or_deep_peel_last_date",
    "radiotherapy_to_site_last_date",
)


@dataclass(frozen=True)
class Question:
    field: str
    text: str
    kind: Literal["yes_no", "choice", "date", "fitzpatrick", "list"]
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""


QUESTIONS: tuple[Question, ...] = (
    Question("date_of_birth", "Date of birth", "date"),
    Question(
        "fitzpatrick",
        "Fitzpatrick skin type",
        "fitzpatrick",
        help="I always burns, never tans … VI never burns, deeply pigmented.",
    ),
    Question("pregnant_or_breastfeeding", "Pregnant or breastfeeding?", "yes_no"),
    Question(
        "active_infection_at_site",
        "Active infection where we would treat (bacterial, viral including cold sore, fungal)?",
        "yes_no",
    ),
    Question(
        "active_acne_at_site",
        "Active acne where we would treat?",
        "choice",
        (("none", "None"), ("comedonal", "Comedonal (blackheads, whiteheads)"), ("inflammatory", "Inflamed")),
    ),
    Question("herpes_simplex_history", "Ever had cold sores (herpes simplex)?", "yes_no"),
    Question(
        "dermatitis_at_site",
        "Eczema, psoriasis or rosacea where we would treat?",
        "choice",
        (("none", "None"), ("stable", "Yes, currently quiet"), ("active", "Yes, flaring now")),
    ),
    Question("keloid_history", "Ever formed keloid or raised (hypertrophic) scars?", "yes_no"),
    Question("bleeding_disorder", "A bleeding or clotting disorder, or low platelets?", "yes_no"),
    Question(
        "anticoagulant",
        "Taking blood thinners?",
        "choice",
        (
            ("none", "No"),
            ("antiplatelet", "Antiplatelet or NSAID (e.g. aspirin, clopidogrel)"),
            ("anticoagulant", "Anticoagulant (e.g. warfarin, apixaban, heparin)"),
        ),
    ),
    Question("isotretinoin_last_dose", "Last dose of isotretinoin (Roaccutane)", "date"),
    Question("immunosuppressed", "Immunosuppressed (medicines or illness)?", "yes_no"),
    Question(
        "diabetes",
        "Diabetes?",
        "choice",
        (("none", "No"), ("controlled", "Yes, well controlled"), ("uncontrolled", "Yes, poorly controlled")),
    ),
    Question(
        "radiation_to_site_last_12_months",
        "Radiotherapy to the area in the last 12 months?",
        "yes_no",
        help="The older question; the date of the last radiotherapy below says more.",
    ),
    Question(
        "radiotherapy_to_site_last_date",
        "Last radiotherapy (radiation treatment) to the area",
        "date",
    ),
    Question("recent_sunburn_at_site", "Sunburn on the area now or in the last two weeks?", "yes_no"),
    Question("topical_retinoid_last_use", "Last use of a topical retinoid (tretinoin, retinol)", "date"),
    Question("neurotoxin_last_date", "Last anti-wrinkle (botulinum toxin) injection in the area", "date"),
    Question("filler_last_date", "Last dermal filler in the area", "date"),
    Question(
        "laser_or_peel_last_date",
        "Last superficial peel or non-ablative laser on the area",
        "date",
        help="For example a glycolic or salicylic peel, IPL, or a non-ablative laser.",
    ),
    Question(
        "ablative_laser_or_deep_peel_last_date",
        "Last ablative laser resurfacing, or medium or deep chemical peel, on the area",
        "date",
        help="For example CO2 or erbium resurfacing, a TCA or phenol peel.",
    ),
    Question(
        "skin_cancer_or_suspicious_lesion_at_site",
        "Skin cancer, or a mole or spot that is changing, in the area?",
        "yes_no",
    ),
    Question(
        "koebner_disease",
        "Psoriasis, vitiligo, lichen planus or discoid lupus anywhere on the body?",
        "choice",
        (("none", "None"), ("stable", "Yes, currently quiet"), ("active", "Yes, active or spreading now")),
        help="These can appear in skin that is injured (the Koebner response), not only where they are now.",
    ),
    Question(
        "connective_tissue_disease",
        "Scleroderma, lupus or another connective-tissue disease?",
        "yes_no",
    ),
    Question(
        "bloodborne_infection",
        "HIV, hepatitis B or hepatitis C?",
        "choice",
        (("none", "No (or tested negative)"), ("positive", "Yes")),
        help="Asked before treatments that use your own blood (platelet-rich plasma, PRP).",
    ),
    Question(
        "platelet_disorder",
        "A platelet disorder or a low platelet count?",
        "yes_no",
        help="Asked before treatments that use your own blood (platelet-rich plasma, PRP).",
    ),
    Question(
        "allergies",
        "Allergies (one per line, e.g. lidocaine, EMLA, nickel, gold, jewellery)",
        "list",
    ),
    Question(
        "smoker",
        "Do you smoke?",
        "yes_no",
        help="Not a reason to refuse treatment: smoking breaks collagen down faster, so it helps us plan "
        "your maintenance.",
    ),
    Question(
        "sun_exposure",
        "How much sun does your skin get?",
        "choice",
        (
            ("low", "Little: mostly indoors"),
            ("medium", "Some: outdoors at weekends"),
            ("high", "A lot: outdoors most days"),
        ),
        help="Sun breaks collagen down faster, so this too helps us plan your maintenance.",
    ),
)

assert {q.field for q in QUESTIONS} == set(Intake.model_fields), "every intake field needs a question"


# Answers with no contraindication at all (Fitzpatrick 3): the demo and the tests start from these.
CLEAN_ANSWERS: dict[str, object] = {
    "fitzpatrick": 3,
    "pregnant_or_breastfeeding": False,
    "active_infection_at_site": False,
    "active_acne_at_site": "none",
    "herpes_simplex_history": False,
    "dermatitis_at_site": "none",
    "keloid_history": False,
    "bleeding_disorder": False,
    "anticoagulant": "none",
    "immunosuppressed": False,
    "diabetes": "none",
    "radiation_to_site_last_12_months": False,
    "recent_sunburn_at_site": False,
    "skin_cancer_or_suspicious_lesion_at_site": False,
    # The date questions: "never" is the answer, not a left-out key (a left-out key is "not asked").
    "isotretinoin_last_dose": NEVER,
    "topical_retinoid_last_use": NEVER,
    "neurotoxin_last_date": NEVER,
    "filler_last_date": NEVER,
    "laser_or_peel_last_date": NEVER,
    "ablative_laser_or_deep_peel_last_date": NEVER,
    "radiotherapy_to_site_last_date": NEVER,
    "koebner_disease": "none",
    "connective_tissue_disease": False,
    "bloodborne_infection": "none",
    "platelet_disorder": False,
    "allergies": [],
    "smoker": False,
    "sun_exposure": "medium",
}
