"""API shapes for outcome scales, assessments and photos."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, WithJsonSchema

from needlecare.core.fields import free_text, iso_date_only, one_line, whole_number
from needlecare.outcomes import scales
from needlecare.outcomes.models import Rater, View
from needlecare.protocols import load_default

IsoDate = Annotated[date, BeforeValidator(iso_date_only), Field(description="YYYY-MM-DD")]
Identifier = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]
_DEFAULT = load_default()


def _protocol_id(what: str, known: list[str]) -> Any:
    """Checked against the clinic's protocol (422 with the valid ones); the document lists the default's."""
    return Annotated[
        str,
        Field(min_length=1, max_length=40),
        WithJsonSchema(
            {"type": "string", "enum": known, "description": f"A {what} of the clinic's protocol."}
        ),
    ]


ZoneId = _protocol_id("zone", list(_DEFAULT.zones))
IndicationId = _protocol_id("indication", list(_DEFAULT.indications))
RaterValue = Literal[tuple(Rater.values)]  # type: ignore[valid-type]
ViewValue = Literal[tuple(View.values)]  # type: ignore[valid-type]


def _json_number(value: Any) -> Any:
    # A score is a JSON number: "3" and true are refused, as the document says.
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float | Decimal)):
        raise ValueError("must be a number")
    return value


Score = Annotated[
    Decimal,
    BeforeValidator(_json_number),
    # Decimal places are the scale's business (the service answers which, naming the scale).
    Field(ge=Decimal("-9999.99"), le=Decimal("9999.99"), allow_inf_nan=False),
]


class ScaleOut(Schema):
    key: str
    name: str
    minimum: Decimal
    maximum: Decimal
    better: Literal["lower", "higher"]
    whole_numbers: bool
    relative: bool = Field(description="Rated as change since the baseline (GAIS): no baseline score.")
    computed: bool = Field(description="Computed from scar_counts (Goodman and Baron quantitative).")
    standard: bool
    labels: dict[str, str]
    source: str


class ScaleList(Schema):
    items: list[ScaleOut]
    scar_types: dict[str, str] = Field(description="Goodman and Baron scar types: key -> description.")


def _one_variant_per_scale(schema: dict[str, Any]) -> None:
    """The document states each standard scale's range, so a client (and the fuzzer) knows which scores
    are refused: one variant per scale, told apart by `scale`; a clinic's own scale (listed by GET
    /api/v1/outcome-scales) takes any number within its own range, and an unknown one answers 404."""
    variants: list[dict[str, Any]] = []
    for scale in scales.STANDARD.values():
        if scale.computed:
            counts = {
                "type": "object",
                "properties": {
                    key: {"type": "integer", "minimum": 0, "maximum": scales.MAX_SCAR_COUNT}
                    for key in scales.SCAR_TYPE_KEYS
                },
                "additionalProperties": False,
            }
            props: dict[str, Any] = {"value": {"type": "null"}, "scar_counts": counts}
            required = ["scale", "scar_counts"]
        else:
            value = {
                "type": "integer" if scale.whole else "number",
                "minimum": int(scale.minimum),
                "maximum": int(scale.maximum),
            }
            props = {"value": value, "scar_counts": {"type": "null"}}
            required = ["scale", "value"]
        if scale.relative:
            props["is_baseline"] = {"const": False}
        variants.append({"properties": {"scale": {"const": scale.key}, **props}, "required": required})
    variants.append(
        {
            "properties": {
                "scale": {"not": {"enum": list(scales.STANDARD)}},
                "value": {"type": "number", "minimum": -9999.99, "maximum": 9999.99},
                "scar_counts": {"type": "null"},
            },
            "required": ["scale", "value"],
        }
    )
    schema["oneOf"] = variants


class AssessmentIn(Schema):
    model_config = ConfigDict(json_schema_extra=_one_variant_per_scale)

    scale: Identifier = Field(
        description="A standard scale (gais, goodman_baron_qualitative, goodman_baron_quantitative, glogau, "
        "wrinkle_severity, satisfaction, satisfaction_vas) or the key of one of the clinic's own scales "
        "(GET /api/v1/outcome-scales)."
    )
    value: Score | None = Field(
        default=None, description="The score, within the scale's range; omit for computed scales."
    )
    scar_counts: (
        dict[Annotated[str, Field(max_length=40)], Annotated[StrictInt, BeforeValidator(whole_number)]] | None
    ) = Field(
        default=None,
        description="Goodman and Baron quantitative only: the number of scars of each type "
        "(keys from GET /api/v1/outcome-scales); the score is computed.",
        max_length=20,
    )
    assessed_on: IsoDate
    zone: ZoneId  # type: ignore[valid-type]
    indication: IndicationId  # type: ignore[valid-type]
    rater: RaterValue
    is_baseline: StrictBool = False
    session_id: UUID | None = Field(default=None, description="The session this assessment follows.")
    plan_id: UUID | None = None
    photo_ids: Annotated[list[UUID], Field(max_length=20)] = []
    notes: free_text(2000) = ""  # type: ignore[valid-type]


class AssessmentOut(Schema):
    assessment_id: UUID
    patient_id: UUID
    scale: str
    scale_name: str
    value: Decimal
    label: str
    scar_counts: dict[str, int] | None
    assessed_on: date
    zone: str
    indication: str
    rater: str
    is_baseline: bool
    session_id: UUID | None
    plan_id: UUID | None
    photo_ids: list[UUID]
    notes: str
    recorded_by: str | None
    recorded_at: datetime


class AssessmentList(Schema):
    items: list[AssessmentOut]
    count: int


class PhotoOut(Schema):
    photo_id: UUID
    patient_id: UUID
    taken_on: date
    view: str
    zone: str
    session_id: UUID | None
    width: int
    height: int
    bytes: int
    uploaded_format: str
    sha256: str
    marketing: bool
    note: str
    image_url: str
    uploaded_at: datetime


class PhotoList(Schema):
    items: list[PhotoOut]
    count: int


class PhotoForm(Schema):
    """The form fields sent beside the file in a multipart upload."""

    view: ViewValue
    zone: Identifier
    taken_on: IsoDate
    session_id: UUID | None = None
    note: one_line(300) = ""  # type: ignore[valid-type]


class MarketingIn(Schema):
    marketing: StrictBool
