"""What aftercare needs from apps above it, which answer here at start-up (their ``AppConfig.ready``).

Aftercare sits below outcomes and the portal in the layer order and may not import them, yet:

- a check-in photo goes through the clinic's photo pipeline (``outcomes``: type from content,
  re-encoded, EXIF and GPS stripped, private storage);
- a reminder carries a one-time link that signs the patient into the portal (``portal``);
- each run of the reminder sender first turns the addresses typed on the portal's sign-in page into
  reminders (``portal``).

So ``OutcomesConfig.ready()`` calls ``answer_with(store_photo=...)`` and ``PortalConfig.ready()``
``answer_with(portal_link=..., before_sending=...)``, as scheduling asks treatments in
``scheduling/sessions.py``. Asked before anything answered, aftercare raises rather than send a
reminder without its link or drop a photo.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class PhotoNotTaken(Exception):
    """The photo pipeline refused the upload; the message says why, for the patient."""


StorePhoto = Callable[..., Any]  # keyword arguments of outcomes.services.upload_photo; raises PhotoNotTaken
PortalLink = Callable[[Any, str], str]  # (patient, reason) -> the one-time sign-in URL
BeforeSending = Callable[[], object]


@dataclass
class _Answers:
    store_photo: StorePhoto | None = None
    portal_link: PortalLink | None = None
    before_sending: list[BeforeSending] = field(default_factory=list)


_ANSWERS = _Answers()


def answer_with(
    *,
    store_photo: StorePhoto | None = None,
    portal_link: PortalLink | None = None,
    before_sending: BeforeSending | None = None,
) -> None:
    """Called by the apps above aftercare at start-up, each with what it answers."""
    if store_photo is not None:
        _ANSWERS.store_photo = store_photo
    if portal_link is not None:
        _ANSWERS.portal_link = portal_link
    if before_sending is not None and before_sending not in _ANSWERS.before_sending:
        _ANSWERS.before_sending.append(before_sending)


def _unanswered(what: str, app: str) -> RuntimeError:
    return RuntimeError(f"No app answers for {what}: is needlecare.{app} in INSTALLED_APPS?")


def store_photo(**kwargs: Any) -> Any:
    """The stored photo; raises PhotoNotTaken with the pipeline's reason."""
    if _ANSWERS.store_photo is None:
        raise _unanswered("check-in photos", "outcomes")
    return _ANSWERS.store_photo(**kwargs)


def portal_link(patient: Any, reason: str) -> str:
    """A one-time link that signs the patient into the portal, for a message of this reason."""
    if _ANSWERS.portal_link is None:
        raise _unanswered("portal links", "portal")
    return _ANSWERS.portal_link(patient, reason)


def before_sending() -> None:
    """What each run of the reminder sender does first."""
    if not _ANSWERS.before_sending:
        raise _unanswered("the sender's first steps", "portal")
    for step in _ANSWERS.before_sending:
        step()
