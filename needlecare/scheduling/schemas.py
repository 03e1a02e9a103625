"""API shapes for appointments, free slots and series bookings."""

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import AwareDatetime, BeforeValidator, Field

from needlecare.core.api_errors import Error
from needlecare.core.fields import iso_date_only, one_line, required_line
from needlecare.scheduling.models import TypeCode

IsoDate = Annotated[date, BeforeValidator(iso_date_only), Field(description="YYYY-MM-DD")]
TypeValue = Literal[tuple(TypeCode.values)]  # type: ignore[valid-type]
Reason = Annotated[one_line(500), Field(description="Why (a cancellation; a session outside its window).")]  # type: ignore[valid-type]


def _text_only(value: Any) -> Any:
    # A number is never a moment here (pydantic would read it as seconds since 1970).
    if isinstance(value, datetime | str):
        return value
    raise ValueError("must be a date and time written as ISO 8601 with its offset, e.g. 2026-12-01T09:00:00Z")


Moment = Annotated[
    AwareDatetime,
    BeforeValidator(_text_only),
    Field(description="ISO 8601 with a UTC offset, e.g. 2026-12-01T09:00:00Z or 2026-12-01T09:00:00+00:00."),
]
UserId = Annotated[int, Field(ge=1, le=2**62)]
ResourceId = Annotated[int, Field(ge=1, le=2**62)]


class AppointmentIn(Schema):
    patient_id: UUID
    practitioner_id: UserId
    type: TypeValue
    starts_at: Moment
    ends_at: Moment | None = Field(
        None, description="Optional; when given it must match the type's duration after starts_at."
    )
    room_id: ResourceId | None = Field(None, description="Chosen automatically when the type needs a room.")
    device_id: ResourceId | None = Field(
        None, description="Chosen automatically when the type needs a device."
    )
    plan_id: UUID | None = None
    session_number: Annotated[int, Field(ge=1, le=20)] | None = None
    reason: Reason = ""


class MoveIn(Schema):
    starts_at: Moment
    practitioner_id: UserId | None = None
    room_id: ResourceId | None = None
    device_id: ResourceId | None = None
    reason: Reason = ""


class CancelIn(Schema):
    reason: required_line(500)  # type: ignore[valid-type]


class StatusIn(Schema):
    status: Literal["checked_in", "completed", "no_show"]


class AppointmentOut(Schema):
    id: UUID
    patient_id: UUID
    patient_name: str
    practitioner_id: int
    practitioner_name: str
    type: str
    type_name: str
    room_id: int | None
    room: str | None
    device_id: int | None
    device: str | None
    starts_at: datetime
    ends_at: datetime
    status: str
    cancel_reason: str
    move_reason: str
    sequence: int
    plan_id: UUID | None
    session_number: int | None


class AppointmentList(Schema):
    items: list[AppointmentOut]
    count: int


class Refusal(Error):
    """The API's error shape (core/api_errors.Error) as the calendar refuses: its `code` and `reasons`."""

    detail: str = Field(description="What stops the booking, in words a person can act on.")
    code: Literal["slot_taken", "refused"] = Field(
        description="slot_taken: someone or something needed is booked then; refused: a rule says no."
    )
    reasons: dict[str, str] = Field(default_factory=dict, description="Field -> reason, for `refused`.")


class SlotQuery(Schema):
    type: TypeValue
    first: IsoDate
    last: IsoDate | None = Field(None, description="Default and latest: 31 days after `first`.")
    practitioner_id: UserId | None = None
    patient_id: UUID | None = Field(None, description="For a treatment: no slot before screening allows.")


class SlotOut(Schema):
    starts_at: datetime
    ends_at: datetime
    practitioner_id: int
    practitioner_name: str
    room_id: int | None
    device_id: int | None


class SlotList(Schema):
    items: list[SlotOut]
    count: int
    first: date
    last: date
    note: str = ""


class RangeQuery(Schema):
    first: IsoDate | None = Field(None, description="Default: today.")
    last: IsoDate | None = Field(None, description="Default and latest: 92 days after `first`.")


class VisitOut(Schema):
    session_number: int | None
    type: str
    window_first: date
    window_last: date
    starts_at: datetime | None
    ends_at: datetime | None
    room_id: int | None
    device_id: int | None
    note: str


class SeriesProposalOut(Schema):
    plan_id: UUID
    practitioner_id: int
    sessions_done: int
    sessions_booked: int
    visits: list[VisitOut]
    refusal: str


class SeriesQuery(Schema):
    practitioner_id: UserId | None = Field(None, description="Default: the signed-in user, if they treat.")


class VisitIn(Schema):
    session_number: Annotated[int, Field(ge=1, le=20)] | None = Field(
        None, description="The plan's session number; null for the maintenance visit."
    )
    starts_at: Moment
    reason: Reason = ""


class SeriesIn(Schema):
    practitioner_id: UserId
    visits: Annotated[list[VisitIn], Field(min_length=1, max_length=21)]
