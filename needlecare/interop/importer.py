"""Import patients (and upcoming appointments) from another system's CSV export.

Three steps: read the file and guess a column mapping; a dry run that checks every row with the same
code as the real import and reports each bad row by line and reason; the import, which writes every
good row in one transaction, or nothing at all when the file no longer checks as it did in the dry run.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction

from needlecare.audit.services import record_event
from needlecare.clinics.models import Clinic
from needlecare.core.clock import clinic_zone
from needlecare.core.errors import CONFLICT, Refused
from needlecare.interop.spreadsheet import unquoted
from needlecare.patients.models import Patient, Sex
from needlecare.patients.services import create_patient
from needlecare.scheduling.models import AppointmentType
from needlecare.scheduling.selectors import practitioners_of
from needlecare.scheduling.services.booking import (
    Booking,
    BookingRefused,
    SlotTaken,
    book_appointment,  # noqa: F401
)

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d.%m.%Y %H:%M",
)

# Target fields, with the header names other systems commonly use for them (compared lower-case,
# letters and digits only).
PATIENT_FIELDS: dict[str, tuple[str, ...]] = {
    "given_name": ("givenname", "firstname", "forename", "first", "given", "name"),
    "family_name": ("familyname", "lastname", "surname", "last", "family"),
    "date_of_birth": ("dateofbirth", "dob", "birthdate", "birthday", "born"),
    "sex": ("sex", "gender"),
    "email": ("email", "emailaddress", "mail"),
    "phone": ("phone", "mobile", "telephone", "tel", "phonenumber", "mobilephone", "cell"),
    "reference": ("reference", "ref", "patientid", "id", "chartnumber", "clientid", "recordnumber"),
    "preferred_name": ("preferredname", "knownas", "nickname"),
    "address": ("address", "postaladdress", "homeaddress"),
    "notes": ("notes", "note", "comments", "comment"),
}
APPOINTMENT_FIELDS: dict[str, tuple[str, ...]] = {
    "appointment_start": ("appointmentstart", "appointment", "appointmentdate", "nextappointment", "start"),
    "appointment_type": ("appointmenttype", "type", "service"),
    "appointment_practitioner": ("practitioner", "appointmentpractitioner", "staff", "provider"),
}
REQUIRED = ("given_name", "family_name", "date_of_birth")
SEXES = {
    "f": Sex.FEMALE,
    "female": Sex.FEMALE,
    "w": Sex.FEMALE,
    "woman": Sex.FEMALE,
    "m": Sex.MALE,
    "male": Sex.MALE,
    "man": Sex.MALE,
    "other": Sex.OTHER,
    "x": Sex.OTHER,
    "": Sex.UNKNOWN,
    "u": Sex.UNKNOWN,
    "unknown": Sex.UNKNOWN,
}


class ImportFileError(ValueError):
    """The file itself cannot be read (not a mapping or row problem)."""


class ImportChanged(Refused):
    """The rows no longer check as they did in the dry run; nothing was written (API: 409)."""

    status, code = CONFLICT, "import_changed"


def target_fields() -> dict[str, tuple[str, ...]]:
    return {**PATIENT_FIELDS, **APPOINTMENT_FIELDS}


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (line number in the file, values by header)
    text: str = ""  # the file as decoded, to carry to the next step


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def read_csv(data: bytes | str) -> Table:
    """Decode (UTF-8, with or without BOM, else Windows-1252), sniff , ; or tab, and read the rows."""
    if isinstance(data, str):
        text = data
    else:
        if len(data) > MAX_BYTES:
            raise ImportFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it.")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    if len(text.encode()) > MAX_BYTES:
        raise ImportFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it.")
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ImportFileError("The file is empty.")
    if "\x00" in text:
        raise ImportFileError("This is not a text (CSV) file.")
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        headers = [unquoted(h.strip()).strip() for h in next(reader)]
    except (StopIteration, csv.Error) as error:
        raise ImportFileError("The first line must name the columns.") from error
    if len(set(headers)) != len(headers) or any(not h for h in headers):
        raise ImportFileError("Every column needs a name of its own in the first line.")
    rows = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportFileError(f"The file has more than {MAX_ROWS} rows: split it.")
            line = reader.line_num
            rows.append(
                (
                    line,
                    {
                        # Needlecare's own exports quote formula-like cells (spreadsheet.py): undo it.
                        h: (unquoted(values[i].strip()).strip() if i < len(values) else "")
                        for i, h in enumerate(headers)
                    },
                )
            )
    except csv.Error as error:
        raise ImportFileError(f"Line {reader.line_num}: {error}.") from error
    return Table(headers, rows, text)


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Target field -> column, for the columns whose names say what they hold."""
    mapping: dict[str, str] = {}
    by_name = {_norm(h): h for h in headers}
    for target, names in target_fields().items():
        for name in (_norm(target), *names):
            column = by_name.get(name)
            if column and column not in mapping.values():
                mapping[target] = column
                break
    return mapping


def check_mapping(mapping: dict[str, str], headers: list[str]) -> dict[str, str]:
    errors = {}
    known = target_fields()
    for target, column in mapping.items():
        if target not in known:
            errors[target] = "Not a field Needlecare imports."
        elif column not in headers:
            errors[target] = f"The file has no column {column!r}."
    for target in REQUIRED:
        if not mapping.get(target):
            errors[target] = "Choose the column that holds this (required)."
    appointment = [t for t in APPOINTMENT_FIELDS if mapping.get(t)]
    if appointment and not mapping.get("appointment_start"):
        errors["appointment_start"] = "Appointments need the column with their start."
    columns = [c for c in mapping.values() if c]
    if len(columns) != len(set(columns)):
        errors["mapping"] = "Each column can feed one field only."
    return errors


def parse_date(text: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_local_datetime(text: str, tz: ZoneInfo) -> datetime | None:
    for fmt in DATETIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    return None


@dataclass
class Report:
    rows: int = 0
    good_lines: list[int] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)  # {line, field, reason}
    patients: int = 0
    appointments: int = 0
    dry_run: bool = True

    def bad(self, line: int, field_name: str, reason: str) -> None:
        self.errors.append({"line": line, "field": field_name, "reason": reason})


class _RowFailed(Exception):
    pass


def run_import(
    *,
    clinic: Clinic,
    table: Table,
    mapping: dict[str, str],
    by: Any,
    dry_run: bool,
    confirmed_lines: list[int] | None = None,
    request: Any = None,
) -> Report:
    """Check (dry run) or import every row. The dry run runs the very same writes and rolls them back,
    so what it reports is what the import will do. The import writes only if the good lines are still
    exactly `confirmed_lines` (what the dry run showed); otherwise it raises ImportChanged and writes
    nothing."""
    report = Report(rows=len(table.rows), dry_run=dry_run)
    tz = clinic_zone(clinic)
    with transaction.atomic():
        seen_refs: dict[str, int] = {}
        seen_people: dict[tuple[str, str, date], int] = {}
        for line, values in table.rows:
            data = {t: values.get(c, "") for t, c in mapping.items() if c}
            try:
                with transaction.atomic():
                    booked = _import_row(clinic, line, data, by, tz, report, seen_refs, seen_people)
            except _RowFailed:
                continue
            report.good_lines.append(line)
            report.patients += 1
            report.appointments += booked
        if not dry_run and confirmed_lines is not None and report.good_lines != sorted(confirmed_lines):
            transaction.set_rollback(True)
            raise ImportChanged(
                "The rows no longer check as they did in the dry run (the file, the mapping or the "
                "clinic's patients changed): nothing was imported. Run the dry run again."
            )
        if dry_run:
            transaction.set_rollback(True)
        else:
            record_event(
                clinic=clinic,
                user=by,
                action="patients.import",
                request=request,
                detail={
                    "rows": report.rows,
                    "patients": report.patients,
                    "appointments": report.appointments,
                    "skipped": len({e["line"] for e in report.errors}),
                },
            )
    return report


def _import_row(  # type: ignore[no-untyped-def]
    clinic, line, data, by, tz, report, seen_refs, seen_people
) -> int:
    """Write one row (in the caller's savepoint); the number of appointments booked, or _RowFailed."""
    problems: list[tuple[str, str]] = []
    patient_data: dict[str, Any] = {k: v for k, v in data.items() if k in PATIENT_FIELDS}
    for required in REQUIRED:
        if not patient_data.get(required):
            problems.append((required, "is empty"))
    born_text = patient_data.get("date_of_birth", "")
    if born_text:
        born = parse_date(born_text)
        if born is None:
            problems.append(("date_of_birth", f"{born_text!r} is not a date (use YYYY-MM-DD or DD/MM/YYYY)"))
        patient_data["date_of_birth"] = born
    sex = patient_data.get("sex", "")
    if _norm(sex) in SEXES:
        patient_data["sex"] = SEXES[_norm(sex)]
    else:
        problems.append(("sex", f"{sex!r} is not female, male, other or unknown"))
    reference = patient_data.get("reference", "")
    if reference:
        if reference in seen_refs:
            problems.append(("reference", f"{reference!r} is also on line {seen_refs[reference]}"))
        else:
            seen_refs[reference] = line
    if not problems:
        try:
            Patient(clinic=clinic, **patient_data).full_clean()
        except ValidationError as error:
            problems += [(k, " ".join(v)) for k, v in error.message_dict.items()]
    if not problems:
        person = (patient_data["given_name"].casefold(), patient_data["family_name"].casefold(), born)
        if person in seen_people:
            problems.append(
                ("family_name", f"the same person (name and date of birth) is on line {seen_people[person]}")
            )
        elif Patient.objects.filter(
            clinic=clinic,
            erased_at__isnull=True,
            given_name__iexact=patient_data["given_name"],
            family_name__iexact=patient_data["family_name"],
            date_of_birth=born,
        ).exists():
            problems.append(
                ("family_name", "a patient with this name and date of birth is already registered")
            )
        else:
            seen_people[person] = line
    if problems:
        for name, reason in problems:
            report.bad(line, name, reason)
        raise _RowFailed
    patient = create_patient(clinic=clinic, by=by, data=patient_data)
    if data.get("appointment_start"):
        _book(clinic, line, data, patient, by, tz, report)
        return 1
    return 0


def _book(clinic, line, data, patient, by, tz, report) -> None:  # type: ignore[no-untyped-def]

    problems: list[tuple[str, str]] = []
    starts_at = parse_local_datetime(data["appointment_start"], tz)
    if starts_at is None:
        problems.append(
            ("appointment_start", f"{data['appointment_start']!r} is not a date and time (YYYY-MM-DD HH:MM)")
        )
    types = AppointmentType.objects.filter(clinic=clinic, is_active=True)
    wanted = data.get("appointment_type", "") or "consultation"
    kind = next((t for t in types if _norm(wanted) in (_norm(t.code), _norm(t.name))), None)
    if kind is None:
        names = ", ".join(sorted(t.code for t in types))
        problems.append(("appointment_type", f"{wanted!r} is not one of the clinic's types ({names})"))
    staff = list(practitioners_of(clinic))
    who = data.get("appointment_practitioner", "")
    practitioner = next(
        (u for u in staff if who and who.casefold() in (u.email.casefold(), (u.full_name or "").casefold())),
        staff[0] if not who and len(staff) == 1 else None,
    )
    if practitioner is None:
        problems.append(
            ("appointment_practitioner", f"{who!r} is not a practitioner of this clinic (e-mail or name)")
        )
    if not problems:
        try:
            book_appointment(
                clinic=clinic,
                booking=Booking(patient=patient, practitioner=practitioner, type=kind, starts_at=starts_at),
                by=by,
            )
        except BookingRefused as error:
            problems += [
                (f"appointment_{k}".replace("appointment_starts_at", "appointment_start"), " ".join(v))
                for k, v in error.message_dict.items()
            ]
        except SlotTaken as error:
            problems.append(("appointment_start", str(error) or "that time is already taken"))
    if problems:
        for name, reason in problems:
            report.bad(line, name, reason)
        raise _RowFailed
