"""API shapes for proposals and treatment plans.

Zones, indications and devices are checked against the clinic's protocol (unknown ones answer 422 with
the valid ones); the document lists the default protocol's identifiers, so a client can tell them apart.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field, WithJsonSchema

from needlecare.core.fields import free_text, iso_date_only, one_line, whole_number
from needlecare.protocols import load_default

_DEFAULT = load_default()


def _identifier(what: str, known: list[str]) -> Any:
    return Annotated[
        str,
        Field(max_length=40),
        WithJsonSchema(
            {"type": "string", "enum": known, "description": f"A {what} of the clinic's protocol."}
        ),
    ]


ZoneId = _identifier("zone", list(_DEFAULT.zones))
IndicationId = _identifier("indication", list(_DEFAULT.indications))
DeviceId = _identifier("device", list(_DEFAULT.devices))
IsoDate = Annotated[date, BeforeValidator(iso_date_only), Field(description="YYYY-MM-DD")]


def _whole(low: int, high: int) -> Any:
    """A whole number; 3.0 is 3 (JSON Schema's integer), but 3.5, "3" and true are refused."""
    return Annotated[int, Field(ge=low, le=high, strict=True), BeforeValidator(whole_number)]


Fitzpatrick = _whole(1, 6)
Depth = Annotated[float, Field(ge=0.1, le=3.0, strict=True, description="mm; kept to three decimals")]


class ProposeIn(Schema):
    indications: Annotated[list[IndicationId], Field(min_length=1, max_length=20)]  # type: ignore[valid-type]
    zones: Annotated[list[ZoneId], Field(min_length=1, max_length=30)]  # type: ignore[valid-type]
    device: DeviceId  # type: ignore[valid-type]
    fitzpatrick: Fitzpatrick | None = Field(
        None, description="1 to 6; null when not known (the darker-skin settings then apply)."
    )
    start: IsoDate


class PlanBand(Schema):
    min: float
    max: float


class PlanWeeks(Schema):
    min: int
    max: int


class PlanProposedZone(Schema):
    zone: str
    depth_mm: PlanBand
    notes: list[str] = []


class PlanProtocol(Schema):
    name: str
    version: str


class ProposalOut(Schema):
    """DESIGN.md's contract, plus the notes and the protocol version it came from."""

    zones: list[PlanProposedZone]
    sessions: int
    interval_weeks: PlanWeeks
    schedule: list[date]
    maintenance_months: int
    notes: list[str]
    protocol: PlanProtocol


class PlanDepthIn(Schema):
    min: Depth
    max: Depth


class PlanZoneDepthIn(Schema):
    zone: ZoneId  # type: ignore[valid-type]
    depth_mm: PlanDepthIn
    reason: free_text(2000) = Field(  # type: ignore[valid-type]
        "", description="Required when the depth leaves the protocol's band for the zone."
    )


class PlanIntervalIn(Schema):
    min: _whole(1, 26)
    max: _whole(1, 26)


class PlanAdjustments(Schema):
    sessions: _whole(1, 20) | None = None
    interval_weeks: PlanIntervalIn | None = None
    maintenance_months: _whole(1, 60) | None = None
    schedule: Annotated[list[IsoDate], Field(min_length=1, max_length=20)] | None = Field(
        None, description="One date per session, each at least the shortest interval after the one before."
    )
    depths: Annotated[list[PlanZoneDepthIn], Field(max_length=30)] = Field(
        [], description="Per-zone depths that differ from the proposal."
    )
    notes: free_text(4000) | None = None  # type: ignore[valid-type]


def _absent_not_null(schema: dict[str, Any]) -> None:
    for field in schema.get("properties", {}).values():
        field.pop("default", None)


class PlanIn(PlanAdjustments):
    """The proposal's inputs, and any adjustments to what it proposes."""

    indications: Annotated[list[IndicationId], Field(min_length=1, max_length=20)]  # type: ignore[valid-type]
    zones: Annotated[list[ZoneId], Field(min_length=1, max_length=30)]  # type: ignore[valid-type]
    device: DeviceId  # type: ignore[valid-type]
    fitzpatrick: Fitzpatrick | None = Field(
        None, description="Left out: taken from the patient's latest intake."
    )
    start: IsoDate | None = Field(None, description="Left out: the clinic's today.")


class PlanPatch(PlanAdjustments):
    """Send only what changes; a field left out keeps its value."""

    model_config = ConfigDict(json_schema_extra=_absent_not_null)


class PlanStatusIn(Schema):
    status: Literal["active", "completed", "stopped"]
    reason: one_line(500) = Field("", description="Required to stop a plan; a note when completing.")  # type: ignore[valid-type]


class PlanZoneOut(Schema):
    zone: str
    label: str
    depth_mm: PlanBand
    protocol_depth_mm: PlanBand
    outside_band: bool
    reason: str


class PlanStatusChangeOut(Schema):
    from_status: str | None
    to_status: str
    reason: str
    at: datetime
    by: str | None


class PlanOut(Schema):
    id: UUID
    patient_id: UUID
    status: str
    status_reason: str
    indications: list[str]
    device: str
    fitzpatrick: int | None
    start: date
    zones: list[PlanZoneOut]
    sessions: int
    interval_weeks: PlanWeeks
    maintenance_months: int
    schedule: list[date]
    notes: str
    protocol: PlanProtocol
    proposal: dict[str, Any]
    activated_at: datetime | None
    ended_at: datetime | None
    history: list[PlanStatusChangeOut]
    created_by: str | None
    created_at: datetime
    updated_at: datetime


class PlanList(Schema):
    items: list[PlanOut]
    count: int
