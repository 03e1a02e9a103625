"""The API's one error shape and the statuses every operation declares with it in OpenAPI.

`needlecare/api.py` answers every refusal in this shape (its exception handlers); each app's router
declares `response={200: ..., **ERRORS}`.
"""

from typing import Any

from ninja import Schema
from pydantic import Field


class Error(Schema):
    detail: Any = Field(
        description="What went wrong: a sentence a person can act on, or for invalid input a list of "
        "{loc, msg, type} naming each field (loc) and the problem (msg)."
    )
    code: str | None = Field(
        default=None,
        description="A short stable name of the refusal, for programs: `refused` (a rule says no), "
        "`slot_taken`, `unknown_choice`, `forbidden`, ...; absent when the status says it all.",
    )
    fields: dict[str, list[str]] | None = Field(
        default=None, description="Field -> what is wrong with it, when the refusal names fields."
    )


# Every operation may answer these (a bad body, no token, a role that may not, an id of another clinic,
# a conflict with the record's state, invalid input); an operation adds what else it may answer (503, 507).
ERRORS: dict[int, Any] = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
