"""The business rules behind an operation's refusals, stated in its OpenAPI response declarations.

JSON Schema says what shape a request must have; these descriptions say what else the server checks
(a birth date's range, an appointment's length, the protocol's scales and zones), so a client can tell
from the document alone why it may hear 409 or 422. tests/test_openapi_rules.py reads them back.
"""

from typing import Any

Extra = dict[str, Any]


def refusals(*, extra: Extra | None = None, **by_status: str) -> Extra:
    """`openapi_extra` for a route: `refusals(status_422="...", status_409="...")`, merged into `extra`."""
    out: Extra = dict(extra or {})
    responses = dict(out.get("responses", {}))
    for key, text in by_status.items():
        status = int(key.removeprefix("status_"))
        responses[status] = {**responses.get(status, {}), "description": text}
    out["responses"] = responses
    return out
