"""One refusal for every rule that says no: a short code, a sentence, per-field messages, a status hint.

Services raise `Refused` (or their app's subclass of it); `needlecare/api.py` answers it in the API's one
error shape and `core/forms.add_refusal` puts it on a form. Pure Python, so the clinical core raises it too.
"""

from collections.abc import Mapping
from typing import Any

INVALID = 422  # the request breaks a rule: change it and send it again
CONFLICT = 409  # well formed, but the record's state (or another request) stands in the way
NOT_FOUND = 404  # it names something that does not exist here


class Refused(Exception):
    """`Refused("sentence", code="slot_taken", status=409)` or `Refused({"field": "why", ...})`.

    - `code`: short and stable, for programs (`refused`, `slot_taken`, `unknown_choice`, ...);
    - `message`: the sentence for a person (from the fields when not given);
    - `fields`: field -> its messages;
    - `status`: what kind of refusal, as an HTTP status (422 invalid, 409 conflict, 404 not found);
    - `detail`: what the API answers as `detail` (the message, unless given: a list of problems).

    An app's subclass may also be a Django `ValidationError` (`class BookingRefused(Refused,
    ValidationError)`): the first argument is then read by Django as well, so `messages` and
    `message_dict` keep working for pages.
    """

    status: int = INVALID
    code: str = "refused"
    message: str
    params: dict[str, Any] | None  # as Django's ValidationError declares it

    def __init__(
        self,
        message: Any = "",
        *args: Any,
        code: str | None = None,
        fields: Mapping[str, Any] | None = None,
        status: int | None = None,
        detail: Any = None,
    ) -> None:
        super().__init__(message, *args)
        listed = isinstance(message, Mapping) or hasattr(message, "error_dict")
        self.fields: dict[str, list[str]] = {
            **(_fields(getattr(message, "message_dict", message)) if listed else {}),
            **_fields(fields or {}),
        }
        if message and not listed and not isinstance(message, (list, tuple)):
            self.message = str(message)
        elif listed or not message:
            self.message = self.summary()
        else:
            self.message = " ".join(_texts(message))
        self.code = type(self).code if code is None else code
        self.status = type(self).status if status is None else status
        if not hasattr(self, "params"):
            self.params = (
                None  # a Django ValidationError hashes (message, code, params) once it has a message
            )
        self.detail: Any = self.message if detail is None else detail

    def answer(self) -> dict[str, Any]:
        """The API's error shape: `detail`, `code`, and `fields` when the refusal names fields."""
        body: dict[str, Any] = {"detail": self.detail, "code": self.code}
        if self.fields:
            body["fields"] = self.fields
        return body

    def summary(self) -> str:
        """The sentence made from the fields: each field's messages after its name."""
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in self.fields.items())


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if hasattr(value, "messages"):  # a Django ValidationError, without importing Django
        return [str(m) for m in value.messages]
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in _texts(item)]
    return [str(value)]


def _fields(messages: Mapping[str, Any]) -> dict[str, list[str]]:
    return {str(field): _texts(value) for field, value in messages.items()}
