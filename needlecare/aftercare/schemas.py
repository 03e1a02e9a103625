"""API shapes for aftercare: a session's timeline and patients' check-ins."""

from datetime import date, datetime
from uuid import UUID

from ninja import Schema


class StepOut(Schema):
    label: str
    from_day: int
    to_day: int
    starts_on: date
    ends_on: date
    instructions: list[str]
    expected: list[str]
    call_clinic_if: list[str]
    source: str


class TimelineOut(Schema):
    session_id: UUID
    patient_id: UUID
    starts_on: date
    deepest_mm: float
    extra_days: int
    notes: list[str]
    protocol: dict[str, str]
    steps: list[StepOut]


class CheckInOut(Schema):
    id: UUID
    patient_id: UUID
    session_id: UUID
    day: int
    redness: str
    swelling: str
    pain: int
    getting_worse: bool
    warmth: bool
    pus: bool
    fever: bool
    spreading_redness: bool
    blisters_or_cold_sores: bool
    rash_or_itching: bool
    darkening: bool
    notes: str
    warning_signs: list[str]
    submitted_at: datetime
    reviewed_at: datetime | None


class CheckInList(Schema):
    items: list[CheckInOut]
    count: int
