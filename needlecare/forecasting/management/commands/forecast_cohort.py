"""Fit the durability model on a cohort in a JSON Lines file and write each patient's forecast.

    manage.py forecast_cohort IN.jsonl OUT.jsonl [--protocol FILE]

Input, one patient and indication a line: ``{id, date_of_birth, fitzpatrick, indication, sun_exposure:
"low"|"medium"|"high", smoker, sessions: [date], assessments: [{date, scale, value}]}``. Output, in the
same order: ``{id, fade_median, fade_low, fade_high, maintenance_due, basis: "evidence"|"clinic"}``.
A bad line is reported on stderr by its number and skipped; the rest still run. "-" reads stdin or
writes stdout. No database is read or written.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from django.core.management.base import BaseCommand, CommandError
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from needlecare.forecasting import durability
from needlecare.patients.intake import IsoDate as AnyIsoDate
from needlecare.protocols import ProtocolError, load_default, load_protocol_file

# Dates a clinic's records can hold; far outside, the forecast's arithmetic would leave the calendar.
IsoDate = Annotated[AnyIsoDate, Field(ge=date(1900, 1, 1), le=date(2200, 12, 31))]


def _whole_number(value: Any) -> Any:
    # JSON has one number type: 3.0 is the type 3, but 3.5, "3" and true are not.
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _finite_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    return value


class ScoreLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: IsoDate
    scale: str
    value: Annotated[float, BeforeValidator(_finite_number), Field(allow_inf_nan=False)]
    baseline: StrictBool = False


class PatientLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(min_length=1, max_length=200)] | StrictInt
    date_of_birth: IsoDate | None = None
    fitzpatrick: Annotated[StrictInt, Field(ge=1, le=6), BeforeValidator(_whole_number)] | None = None
    indication: str
    sun_exposure: Literal["low", "medium", "high"] | None = None
    smoker: StrictBool | None = None
    sessions: Annotated[list[IsoDate], Field(min_length=1, max_length=200)]
    assessments: Annotated[list[ScoreLine], Field(max_length=2000)] = []


def read_line(
    text: str, prior: durability.Prior, scales: dict[str, durability.Scale]
) -> tuple[str | int, durability.History]:
    """One input line as (id, history); ValueError with a message a person can act on."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(raw, dict):
        raise ValueError("each line must be a JSON object")
    try:
        line = PatientLine.model_validate(raw)
    except ValidationError as error:
        raise ValueError(
            "; ".join(
                f"{'.'.join(str(part) for part in detail['loc']) or 'line'}: {detail['msg']}"
                for detail in error.errors()
            )
        ) from None
    problems = []
    if line.indication not in prior.half_life_months:
        problems.append(f"indication: unknown {line.indication!r} (known: {', '.join(prior.indications)})")
    first = min(line.sessions)
    if line.date_of_birth is not None and line.date_of_birth >= first:
        problems.append("date_of_birth: must be before the first session")
    for index, score in enumerate(line.assessments):
        scale, where = scales.get(score.scale), f"assessments.{index}"
        if scale is None:
            problems.append(f"{where}.scale: unknown {score.scale!r} (known: {', '.join(scales)})")
        elif not scale.low <= score.value <= scale.high:
            problems.append(f"{where}.value: {score.value:g} is outside {scale.low:g}-{scale.high:g}")
    if problems:
        raise ValueError("; ".join(problems))
    history = durability.History(
        indication=line.indication,
        sessions=tuple(sorted(line.sessions)),
        assessments=tuple(
            durability.Assessment(score.date, score.scale, score.value, score.baseline)
            for score in line.assessments
        ),
        date_of_birth=line.date_of_birth,
        fitzpatrick=line.fitzpatrick,
        sun_exposure=line.sun_exposure,
        smoker=line.smoker,
    )
    return line.id, history


def _lines(name: str) -> Iterator[bytes]:
    if name == "-":
        yield from sys.stdin.buffer
        return
    try:
        with Path(name).open("rb") as source:
            yield from source
    except OSError as error:
        raise CommandError(f"cannot read {name}: {error.strerror}") from None


class Command(BaseCommand):
    help = "Fit the durability model on the patients in IN.jsonl and write each one's forecast to OUT.jsonl."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("input", metavar="IN.jsonl", help='patients, one JSON object a line ("-": stdin)')
        parser.add_argument("output", metavar="OUT.jsonl", help='forecasts, one a line ("-": stdout)')
        parser.add_argument("--protocol", help="a protocol TOML file (default: the shipped protocol)")

    def handle(self, *args, input, output, protocol, **options):  # type: ignore[no-untyped-def]
        try:
            document = load_protocol_file(protocol) if protocol else load_default()
        except (ProtocolError, OSError) as error:
            raise CommandError(f"cannot load the protocol: {error}") from None
        prior = durability.Prior.from_protocol(document.durability)
        scales = durability.SCALES
        ids: list[str | int] = []
        histories: list[durability.History] = []
        seen: set[str | int] = set()
        bad = 0
        for number, raw in enumerate(_lines(input), start=1):
            try:
                text = raw.decode("utf-8")
                if not text.strip():
                    continue
                patient_id, history = read_line(text, prior, scales)
                if patient_id in seen:
                    raise ValueError(f"id: {patient_id!r} appears on an earlier line")
            except ValueError as error:  # UnicodeDecodeError is one
                bad += 1
                reason = "not UTF-8 text" if isinstance(error, UnicodeDecodeError) else str(error)
                self.stderr.write(f"line {number}: {reason}; skipped")
                continue
            seen.add(patient_id)
            ids.append(patient_id)
            histories.append(history)
        model, forecasts = durability.forecast_cohort(histories, prior, scales)
        lines = "".join(json.dumps(_output(i, f)) + "\n" for i, f in zip(ids, forecasts, strict=True))
        if output == "-":
            self.stdout.write(lines, ending="")
        else:
            try:
                Path(output).write_text(lines, encoding="utf-8")
            except OSError as error:
                raise CommandError(f"cannot write {output}: {error.strerror}") from None
        basis = (
            f"fitted on {model.clinic_patients} patients with follow-up past the peak"
            if model.clinic_patients
            else "no follow-up past the peak in the input: forecasting from published evidence alone"
        )
        self.stderr.write(f"forecast {len(forecasts)} patients ({basis}); skipped {bad} bad lines")


def _output(patient_id: str | int, forecast: durability.Forecast) -> dict[str, Any]:
    return {
        "id": patient_id,
        "fade_median": forecast.fade_median.isoformat(),
        "fade_low": forecast.fade_low.isoformat(),
        "fade_high": forecast.fade_high.isoformat(),
        "maintenance_due": forecast.maintenance_due.isoformat(),
        "basis": forecast.basis,
    }
