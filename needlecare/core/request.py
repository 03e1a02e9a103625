"""The request a Needlecare view receives, typed: what the middlewares set on Django's HttpRequest.

Annotate a page's ``request`` with it (``def screening_run(request: ClinicRequest, patient_id: UUID)``)
so a reader, and mypy, know that ``request.clinic`` and ``request.htmx`` are there. Nothing is built
from it: it only names what ``settings.MIDDLEWARE`` already put on the request. The kernel imports no
app, so the clinic, membership and user are typed by what every page uses of them.
"""

from typing import Any, Protocol

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class CurrentClinic(Protocol):
    """The clinic the user chose (``needlecare.clinics.models.Clinic``)."""

    pk: Any
    name: str
    timezone: str


class ClinicRequest(HttpRequest):
    """A page's request after the middlewares in ``settings.MIDDLEWARE``:

    - ``user``: the signed-in ``accounts.User`` (AuthenticationMiddleware; for an API token,
      ``needlecare/api.py`` sets the token's user);
    - ``membership``: the user's ``clinics.Membership`` in the clinic they chose, with its ``role``, or
      ``None`` (CurrentClinicMiddleware, lazily: a page that never asks pays no query);
    - ``clinic``: that membership's clinic, or ``None``; ``@staff`` refuses a request without one, so in a
      ``@staff`` view it is always set;
    - ``htmx``: django-htmx's ``HtmxDetails`` (HtmxMiddleware): ``if request.htmx:`` for a partial page.
    """

    user: Any
    membership: Any
    clinic: CurrentClinic
    htmx: HtmxDetails
