"""What every calendar page parses alike: a practitioner from a form or query, and a refusal's reasons."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404

from needlecare.scheduling import selectors


def practitioner_or_404(request, value: object) -> Any:  # type: ignore[no-untyped-def]
    practitioner = selectors.practitioner_for(request.clinic, value) if value else None
    if value and practitioner is None:
        raise Http404
    return practitioner


def reasons(error: ValidationError) -> list[str]:
    return (
        [" ".join(v) for v in error.message_dict.values()] if hasattr(error, "error_dict") else error.messages
    )
