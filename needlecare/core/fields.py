"""Field types for API schemas and forms that every app shares: text without control characters, dates
written as YYYY-MM-DD, whole numbers. Pure: pydantic only, no Django, no app of Needlecare.

Each rule the validators enforce is also written into the OpenAPI document (length, pattern), so an
integrator, or a fuzzer, can tell a good request from a bad one before sending it.
"""

import re
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

# Control characters are never part of a name, a phone number or a note, and NUL cannot be stored in
# PostgreSQL at all. One-line fields refuse all of them; multi-line fields keep tab, newline and return.
LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
NAME_PATTERN = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"  # and not only spaces
LINE_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")  # only reachable through a "\ud800" escape in JSON
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def refuse_controls(controls: re.Pattern[str], what: str) -> Any:
    """A validator, run before any other, that refuses text containing ``controls`` (``what`` names them
    in the message) or a lone surrogate. ``Annotated[str, refuse_controls(LINE_CONTROLS, "such as tab")]``.
    """

    def check(value: Any) -> Any:
        if isinstance(value, str):
            if controls.search(value):
                raise ValueError(f"must not contain control characters ({what})")
            if _SURROGATES.search(value):
                raise ValueError("must be valid Unicode text")
        return value

    return BeforeValidator(check)


def not_blank(value: str) -> str:
    """Refuse the empty string (run it after trimming): ``not_blank("a") == "a"``."""
    if not value:
        raise ValueError("must not be blank")
    return value


def documented(**schema: Any) -> Any:
    """Write ``schema`` into the field's OpenAPI document only; the validators give the readable error
    message. ``documented(pattern=LINE_PATTERN)``."""
    return Field(json_schema_extra=schema)


def one_line(max_length: int) -> Any:
    """The type of one line of text, trimmed; the length limit applies to what was sent.
    ``note: one_line(300) = ""``."""
    return Annotated[
        str,
        refuse_controls(LINE_CONTROLS, "such as tab, newline or NUL"),
        Field(max_length=max_length),
        documented(pattern=LINE_PATTERN),
        AfterValidator(str.strip),
    ]


def required_line(max_length: int) -> Any:
    """The type of one line of text that must say something: not empty, not only spaces (trimmed).
    ``reason: required_line(500)``."""
    return Annotated[
        str,
        refuse_controls(LINE_CONTROLS, "such as tab, newline or NUL"),
        Field(max_length=max_length),
        documented(minLength=1, pattern=NAME_PATTERN),
        AfterValidator(str.strip),
        AfterValidator(not_blank),
    ]


def free_text(max_length: int) -> Any:
    """The type of free text over several lines (tab, newline and return allowed), kept as sent.
    ``notes: free_text(4000) = ""``."""
    return Annotated[
        str,
        refuse_controls(TEXT_CONTROLS, "other than tab and newline"),
        Field(max_length=max_length),
        documented(pattern=TEXT_PATTERN),
    ]


def iso_date_only(value: Any) -> Any:
    """A before-validator for dates: a date object (forms) or an ISO ``YYYY-MM-DD`` string (JSON) passes;
    a number, a timestamp written as a string or a date-time is never a date here.

    >>> iso_date_only("2026-01-31")
    '2026-01-31'
    >>> iso_date_only("2026-01-31T10:00")
    Traceback (most recent call last):
    ...
    ValueError: must be a date written as YYYY-MM-DD
    """
    if value is None or isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("must be a date written as YYYY-MM-DD")


def whole_number(value: Any) -> Any:
    """A before-validator for integers: JSON has one number type, so 3.0 is the integer 3 (as JSON Schema
    says), but 3.5, "3" and true are left for the strict integer field to refuse.

    >>> whole_number(3.0), whole_number(3.5), whole_number("3")
    (3, 3.5, '3')
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
