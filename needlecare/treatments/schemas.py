"""API shapes for sessions, adverse events and the lot trace."""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Literal
from uuid import UUID

from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, Field

from needlecare.core.fields import free_text, iso_date_only, one_line, required_line
from needlecare.plans.schemas import ZoneId
from needlecare.treatments.models import Adjunct, AdverseEventKind, EndPoint, Reaction

IsoDate = Annotated[date, BeforeValidator(iso_date_only), Field(description="YYYY-MM-DD")]
NumbingValue = Annotated[
    str,
    Field(
        min_length=1,
        max_length=20,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="A key of the clinic protocol's [numbing.agents] (default: none, cooling, lidocaine_4, "
        "emla, lido_tetra, blt, tetracaine_4, other).",
    ),
]
AdjunctValue = Literal[tuple(Adjunct.values)]  # type: ignore[valid-type]
EndPointValue = Literal[tuple(EndPoint.values)]  # type: ignore[valid-type]
ReactionValue = Literal[tuple(Reaction.values)]  # type: ignore[valid-type]
KindValue = Literal[tuple(AdverseEventKind.values)]  # type: ignore[valid-type]


class ZoneIn(Schema):
    zone: ZoneId  # type: ignore[valid-type]
    depth_mm: Annotated[
        float,
        Field(ge=0.1, le=3.0, strict=True, description="Needle depth in mm (a number), kept to 0.01 mm."),
        AfterValidator(lambda depth: Decimal(str(depth)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)),
    ]
    passes: Annotated[int, Field(ge=1, le=8)]


class SessionIn(Schema):
    performed_on: IsoDate
    plan_id: UUID | None = None
    device: Literal["pen", "roller"]
    device_model: required_line(120)  # type: ignore[valid-type]
    device_serial: required_line(80)  # type: ignore[valid-type]
    cartridge_id: required_line(60)  # type: ignore[valid-type]
    cartridge_lot: required_line(60)  # type: ignore[valid-type]
    cartridge_expiry: IsoDate
    numbing_agent: NumbingValue
    numbing_minutes: Annotated[int, Field(ge=0, le=120)] = 0
    end_point: EndPointValue
    product_applied: one_line(200) = ""  # type: ignore[valid-type]
    duration_minutes: Annotated[int, Field(ge=1, le=240)]
    immediate_reaction: ReactionValue
    notes: free_text(4000) = ""  # type: ignore[valid-type]
    interval_reason: free_text(2000) = ""  # type: ignore[valid-type]
    numbing_reason: free_text(2000) = Field(  # type: ignore[valid-type]
        "",
        description="Why an agent containing an ingredient the patient is allergic to is used (409 without).",
    )
    adjunct: AdjunctValue = Field(
        "none", description="prp: a blood product; the kit and screening are required."
    )
    blood_kit_id: one_line(60) = ""  # type: ignore[valid-type]
    blood_kit_lot: one_line(60) = ""  # type: ignore[valid-type]
    bloodborne_screening_checked: bool = False
    zones: Annotated[list[ZoneIn], Field(min_length=1, max_length=14)]


class ZoneOut(Schema):
    zone: str
    depth_mm: Decimal
    passes: int


class AdverseEventOut(Schema):
    id: int
    kind: str
    grade: int
    onset_on: date
    resolved_on: date | None
    notes: str


class SessionOut(Schema):
    id: UUID
    patient_id: UUID
    plan_id: UUID | None
    performed_on: date
    practitioner: str
    screening_id: UUID
    consent_id: UUID
    device: str
    device_model: str
    device_serial: str
    cartridge_id: str
    cartridge_lot: str
    cartridge_expiry: date
    numbing_agent: str
    numbing_agent_label: str
    numbing_ingredients: list[str]
    numbing_reason: str
    numbing_minutes: int
    end_point: str
    product_applied: str
    duration_minutes: int
    immediate_reaction: str
    notes: str
    interval_reason: str
    adjunct: str
    blood_kit_id: str
    blood_kit_lot: str
    bloodborne_screening_checked: bool
    zones: list[ZoneOut]
    adverse_events: list[AdverseEventOut] | None = Field(
        description="The session's adverse events; null for a role that may not read them (the front desk)."
    )
    created_at: datetime


class SessionList(Schema):
    items: list[SessionOut]
    count: int


class AdverseEventIn(Schema):
    kind: KindValue
    grade: Annotated[int, Field(ge=1, le=4)]
    onset_on: IsoDate
    resolved_on: IsoDate | None = None
    notes: free_text(4000) = ""  # type: ignore[valid-type]


class LotSession(Schema):
    session_id: UUID
    performed_on: date
    patient_id: UUID
    patient_name: str
    cartridge_id: str
    practitioner: str


class LotTrace(Schema):
    lot: str
    sessions: list[LotSession]
    patients: int
    count: int
