"""API shapes for erasure, FHIR, export and import."""

from typing import Literal

from ninja import Schema
from pydantic import ConfigDict, Field


class EraseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    confirm: Literal[True] = Field(description="Must be true: erasure cannot be undone.")


class ErasedOut(Schema):
    patient_id: str
    erased: dict[str, int] = Field(description="How many rows of each kind were erased or anonymised.")
    files: int = Field(description="How many photo files were deleted.")


class ImportCheckIn(Schema):
    model_config = ConfigDict(extra="forbid")

    csv: str = Field(
        max_length=2 * 1024 * 1024, description="The CSV file's text; first line = column names."
    )
    mapping: dict[str, str] | None = Field(
        default=None,
        description="Needlecare field -> column name. Left out: guessed from the column names (see the "
        "answer's `mapping`). Fields: given_name, family_name, date_of_birth (required), sex, email, phone, "
        "reference, preferred_name, address, notes, and appointment_start (YYYY-MM-DD HH:MM, the clinic's "
        "time), appointment_type, appointment_practitioner (e-mail or name).",
    )


class ImportIn(ImportCheckIn):
    confirmed_lines: list[int] = Field(
        max_length=5000,
        description="The dry run's `good_lines`; if the rows no longer check so, nothing is written (409).",
    )


class RowError(Schema):
    line: int
    field: str
    reason: str


class ImportOut(Schema):
    dry_run: bool
    rows: int
    mapping: dict[str, str]
    good_lines: list[int]
    errors: list[RowError]
    patients: int = Field(description="Patients imported (or, in a dry run, that would be).")
    appointments: int
