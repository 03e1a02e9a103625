"""The one translation of a refusal to a page's form (the API's is in needlecare/api.py)."""

from typing import Any


def add_refusal(form: Any, error: Any) -> None:
    """Put a refusal (`core.errors.Refused`, or any Django ValidationError) on the form: each field's
    messages under that field when the form has it, at the top of the form otherwise; a refusal that
    names no field goes at the top."""
    fields = getattr(error, "fields", None) or (error.message_dict if hasattr(error, "error_dict") else None)
    if not fields:
        form.add_error(None, error.messages if hasattr(error, "messages") else error.message)
        return
    for field, problems in fields.items():
        form.add_error(field if field in form.fields else None, problems)
