"""Clean refusals for what a client or the load can cause, never a 500.

- Django's request limits (DATA_UPLOAD_MAX_NUMBER_FIELDS, DATA_UPLOAD_MAX_MEMORY_SIZE,
  DATA_UPLOAD_MAX_NUMBER_FILES) and a malformed multipart body are found before any view or middleware
  reads the request, and answered 400 or 413: in the API's JSON shape under /api/, as a page elsewhere.
  Parsing up front also keeps DEBUG's technical 500 page (which re-parses the request and renders every
  frame of a huge one, 13-22 s) out of it.
- A database too busy to take a write (SQLite's "database is locked" once busy_timeout has run out;
  PostgreSQL's lock_timeout) answers 503 with Retry-After: the transaction was rolled back, nothing is
  written, and the client may send the same request again (with the same Idempotency-Key).
"""

import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.response import TemplateResponse
from django.views import defaults

RETRY_AFTER_SECONDS = 2
BUSY = "The database is busy with other writes: nothing was saved. Please try again in a moment."
UNAVAILABLE = "The database is not answering at the moment: nothing was saved. Please try again shortly."

# PostgreSQL refusing a connection: too many connections (53300), starting up or shutting down (57P03),
# or no connection at all (08xxx); and the messages of the same when there is no SQLSTATE.
_UNAVAILABLE_STATES = {"53300", "57P01", "57P02", "57P03"}
_UNAVAILABLE_WORDS = (
    "too many clients",
    "too many connections",
    "could not connect",
    "connection refused",
    "the database system is",
    "unable to open database file",
    "server closed the connection",
)


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def limit_refusal(error: Exception) -> tuple[int, str]:
    """The status and sentence for a request that trips one of Django's limits."""
    if isinstance(error, RequestDataTooBig):
        return 413, (
            f"The request body is larger than the {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes allowed "
            "(files excepted): send less data, or upload files as multipart/form-data."
        )
    if isinstance(error, TooManyFieldsSent):
        return 400, (
            f"The request has more than the {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} parameters allowed."
        )
    if isinstance(error, TooManyFilesSent):
        return 400, f"The request has more than the {settings.DATA_UPLOAD_MAX_NUMBER_FILES:,} files allowed."
    return 400, "The request body could not be read: check its Content-Type and encoding."


def is_busy(error: BaseException) -> bool:
    """SQLite's lock wait ran out, or PostgreSQL's lock_timeout did (SQLSTATE 55P03)."""
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) == "55P03":
        return True
    text = str(error).lower()
    return "database is locked" in text or "database table is locked" in text


def is_unavailable(error: BaseException) -> bool:
    """The database refused or lost the connection (PostgreSQL out of connections, restarting, down;
    SQLite's file not reachable): the request could not start, so nothing was written."""
    if not isinstance(error, OperationalError):
        return False
    state = getattr(error.__cause__, "sqlstate", None) or ""
    if state in _UNAVAILABLE_STATES or state.startswith("08"):
        return True
    text = str(error).lower()
    return any(words in text for words in _UNAVAILABLE_WORDS)


def _try_again(request: HttpRequest, detail: str) -> HttpResponse:
    """503 with Retry-After: JSON for the API, plain HTML for pages (the layout would ask the database)."""
    if is_api(request):
        response: HttpResponse = JsonResponse({"detail": detail}, status=503)
    else:
        response = HttpResponse(
            f"<!doctype html><title>Please try again</title><h1>Please try again</h1><p>{detail}</p>",
            status=503,
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def unavailable_response(request: HttpRequest) -> HttpResponse:
    return _try_again(request, UNAVAILABLE)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: Django calls it inside the `except` of whatever failed, in any middleware or view.
    A busy or unreachable database is a 503 the client may retry, not a server error; the page is
    plain HTML because the layout itself would ask the database again."""
    error = sys.exc_info()[1]
    if _cause_matches(error, is_busy):
        return _try_again(request, BUSY)
    if _cause_matches(error, is_unavailable):
        return unavailable_response(request)
    return defaults.server_error(request)


def _cause_matches(error: BaseException | None, test: Any) -> bool:
    """Whether the error or one of its causes (at most ten deep) passes the test."""
    seen = 0
    while error is not None and seen < 10:
        if test(error):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def _answer(request: HttpRequest, status: int, detail: str) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"detail": detail}, status=status)
    template = "503.html" if status == 503 else "400.html"
    return TemplateResponse(request, template, {"exception": detail}, status=status).render()


def busy_response(request: HttpRequest) -> HttpResponse:
    response = _answer(request, 503, BUSY)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class RequestRefusalMiddleware:
    """Parse the request's parameters and body before anything else reads them; refuse what trips a
    limit. Sits after the authentication and clinic middleware so a refused page still renders in the
    layout, and before every view (CSRF's included) reads request.POST."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            request.GET  # noqa: B018 - parsing is the point
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                content_type = request.META.get("CONTENT_TYPE", "")
                if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
                    request.POST  # noqa: B018 - also request.FILES
                else:
                    request.body  # noqa: B018 - DATA_UPLOAD_MAX_MEMORY_SIZE is checked on reading
        except (SuspiciousOperation, MultiPartParserError) as error:
            status, detail = limit_refusal(error)
            return _answer(request, status, detail)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_busy(exception):
            return busy_response(request)
        if is_unavailable(exception):
            return unavailable_response(request)
        return None


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, except that a session that cannot be saved because the database is busy answers 503
    (Django reports it as an interrupted session, a 400)."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        try:
            return super().process_response(request, response)
        except SessionInterrupted as error:
            if _cause_matches(error, is_busy):
                return busy_response(request)
            raise
