"""API shapes for screening (DESIGN.md's decision contract, extended with what a stored one adds)."""

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Schema
from pydantic import BeforeValidator, Field, WithJsonSchema

from needlecare.core.fields import iso_date_only
from needlecare.patients.intake import Intake as IntakeAnswers
from needlecare.protocols import load_default

IsoDate = Annotated[date, BeforeValidator(iso_date_only)]
OutcomeValue = Literal["eligible", "precautions", "clearance", "deferred", "declined"]


Identifier = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]
# An adjunct of the clinic's protocol: the document lists the default protocol's (as plans lists zones);
# a clinic's own protocol is checked when screening, and an adjunct it does not know answers 422.
AdjunctId = Annotated[
    Identifier,
    WithJsonSchema(
        {
            "type": "string",
            "enum": sorted(load_default().adjuncts),
            "description": "An adjunct of the clinic's protocol.",
        }
    ),
]


class EvaluateIn(Schema):
    intake: IntakeAnswers = Field(description="Intake answers in the contract's shape.")
    on: IsoDate = Field(description="The day of the planned session (YYYY-MM-DD).")
    adjuncts: Annotated[list[AdjunctId], Field(max_length=10)] = Field(
        default_factory=list,
        description='What the plan adds to the needling, from the protocol\'s [adjuncts] (e.g. ["prp"]): '
        "rules about an adjunct apply only when it is listed.",
    )


class FindingOut(Schema):
    rule: str
    severity: OutcomeValue
    message: str
    source: str


class ProtocolRef(Schema):
    name: str
    version: str


class DecisionOut(Schema):
    outcome: OutcomeValue
    defer_until: date | None
    findings: list[FindingOut]
    protocol: ProtocolRef


class OverrideOut(Schema):
    reason: str
    clearance_from: str
    clearance_dated: date | None
    document_reference: str
    overridden_by: str | None
    overridden_at: datetime


class StoredDecisionOut(DecisionOut):
    id: UUID
    adjuncts: list[str]
    screened_on: date
    valid_until: date
    intake_version: int
    decided_by: str | None
    decided_at: datetime
    override: OverrideOut | None
    valid_now: bool
    status: str


class StoredDecisionList(Schema):
    items: list[StoredDecisionOut]
    count: int


class ScreenIn(Schema):
    on: IsoDate | None = Field(None, description="Defaults to today in the clinic's time zone.")
    adjuncts: Annotated[list[AdjunctId], Field(max_length=10)] = Field(
        default_factory=list,
        description='What the plan adds to the needling (e.g. ["prp"]); its rules apply only when listed.',
    )


class OverrideIn(Schema):
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    clearance_from: Annotated[str, Field(max_length=200)] = ""
    clearance_dated: IsoDate | None = None
    document_reference: Annotated[str, Field(max_length=300)] = ""
