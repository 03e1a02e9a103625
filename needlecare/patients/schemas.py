"""API shapes for patients and intake.

Every constraint the server enforces on a field is also written into the OpenAPI document (length,
pattern, format), so an integrator, or a fuzzer, can tell a good request from a bad one before sending
it. The rule JSON Schema cannot say (a birth date between 1900 and today) is in the field's description.
"""

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, WithJsonSchema

from needlecare.core.fields import (
    LINE_CONTROLS,
    LINE_PATTERN,
    NAME_PATTERN,
    documented,
    free_text,
    iso_date_only,
    not_blank,
    one_line,
    refuse_controls,
)
from needlecare.patients.intake import Intake as IntakeAnswers

PHONE_PATTERN = r"^(\+?[0-9 ()./-]{6,30})?$"
_PHONE = re.compile(r"(\+?[0-9 ()./-]{6,30})?")


def _phone(value: str) -> str:
    if not _PHONE.fullmatch(value):
        raise ValueError("must be a phone number of 6 to 30 digits, spaces and + ( ) - . / only")
    return value


def _email_or_blank(value: str) -> str:
    # The same rule as the model's EmailField, so the pages and the API accept the same addresses.
    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise ValueError("is not a valid e-mail address (like name@example.com)") from None
    return value


Name = Annotated[
    str,
    refuse_controls(LINE_CONTROLS, "such as tab, newline or NUL"),
    Field(max_length=80),
    documented(minLength=1, pattern=NAME_PATTERN),
    AfterValidator(str.strip),
    AfterValidator(not_blank),
]
Line80 = one_line(80)
Line40 = one_line(40)
Address = free_text(500)
Notes = free_text(4000)
Phone = Annotated[
    str,
    refuse_controls(LINE_CONTROLS, "such as tab, newline or NUL"),
    Field(max_length=30),
    documented(pattern=PHONE_PATTERN),
    AfterValidator(_phone),
]
Email = Annotated[
    str,
    refuse_controls(LINE_CONTROLS, "such as tab, newline or NUL"),
    Field(max_length=254),
    AfterValidator(_email_or_blank),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "email", "maxLength": 254},
                {"type": "string", "const": ""},
            ],
            "description": "An e-mail address with an ASCII local part, or an empty string for none.",
        }
    ),
]
BirthDate = Annotated[
    date,
    BeforeValidator(iso_date_only),
    Field(description="YYYY-MM-DD, between 1900-01-01 and today."),
]
SexValue = Literal["female", "male", "other", "unknown"]


class PatientIn(Schema):
    given_name: Name
    family_name: Name
    date_of_birth: BirthDate
    preferred_name: Line80 = ""
    sex: SexValue = "unknown"
    email: Email = ""
    phone: Phone = ""
    reference: Line40 = Field("", description="The clinic's own reference; unique within the clinic.")
    address: Address = ""
    notes: Notes = ""


def _absent_not_null(schema: dict[str, Any]) -> None:
    # In a PATCH a field is either sent with a value or left out: `null` is not a value, so the document
    # shows no `default: null` that a client might copy.
    for field in schema.get("properties", {}).values():
        field.pop("default", None)


class PatientPatch(Schema):
    """Send only the fields to change. A field left out keeps its value; none may be set to null."""

    model_config = ConfigDict(json_schema_extra=_absent_not_null)

    # The defaults are never validated: a field is None here only when it was left out.
    given_name: Name = None
    family_name: Name = None
    date_of_birth: BirthDate = None
    preferred_name: Line80 = None
    sex: SexValue = None  # type: ignore[assignment]
    email: Email = None
    phone: Phone = None
    reference: Line40 = Field(None, description="The clinic's own reference; unique within the clinic.")
    address: Address = None
    notes: Notes = None


class PatientOut(Schema):
    id: UUID
    reference: str
    given_name: str
    family_name: str
    preferred_name: str
    date_of_birth: date
    sex: str
    email: str
    phone: str
    address: str
    notes: str
    archived: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_archived(obj) -> bool:  # type: ignore[no-untyped-def]
        return obj.archived_at is not None


class PatientList(Schema):
    items: list[PatientOut]
    count: int


class IntakeOut(Schema):
    id: UUID
    version: int
    answers: dict[str, object]
    source: str
    submitted_at: datetime
    submitted_by: str | None

    @staticmethod
    def resolve_submitted_by(obj) -> str | None:  # type: ignore[no-untyped-def]
        return obj.submitted_by.email if obj.submitted_by else None


class IntakeList(Schema):
    items: list[IntakeOut]
    count: int


class IntakeIn(Schema):
    answers: IntakeAnswers


class ListParams(Schema):
    q: Annotated[
        str,
        refuse_controls(LINE_CONTROLS, "such as tab, newline or NUL"),
        Field(max_length=100, description="Search words; every word must match."),
        documented(pattern=LINE_PATTERN),
    ] = ""
    archived: bool = Field(False, description="List archived patients instead of current ones.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10_000_000)
