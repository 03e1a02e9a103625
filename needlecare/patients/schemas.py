"""API shapes for patients and intake."""

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Schema
from pydantic import BeforeValidator, EmailStr, Field, StringConstraints

from needlecare.patients.intake import Intake as IntakeAnswers
from needlecare.patients.intake import _iso_date_only

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=30, pattern=r"^(\+?[0-9 ()./-]{6,30})?$")
]
SexValue = Literal["female", "male", "other", "unknown"]


class PatientIn(Schema):
    given_name: Name
    family_name: Name
    date_of_birth: IsoDate
    preferred_name: Annotated[str, Field(max_length=80)] = ""
    sex: SexValue = "unknown"
    email: EmailStr | Literal[""] = ""
    phone: Phone = ""
    reference: Annotated[str, Field(max_length=40)] = ""
    address: Annotated[str, Field(max_length=500)] = ""
    notes: Annotated[str, Field(max_length=4000)] = ""


class PatientPatch(Schema):
    given_name: Name | None = None
    family_name: Name | None = None
    date_of_birth: IsoDate | None = None
    preferred_name: Annotated[str, Field(max_length=80)] | None = None
    sex: SexValue | None = None
    email: EmailStr | Literal[""] | None = None
    phone: Phone | None = None
    reference: Annotated[str, Field(max_length=40)] | None = None
    address: Annotated[str, Field(max_length=500)] | None = None
    notes: Annotated[str, Field(max_length=4000)] | None = None


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


class Message(Schema):
    detail: object
