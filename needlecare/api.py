"""The JSON API under /api/v1/: token authentication, 404 across clinics, 422 for bad input.

Every answer that is not a success has one shape (`core/api_errors.Error`, declared for every operation
by `core/api_errors.ERRORS`): JSON `{"detail": ..., "code": ..., "fields": {...}}`. `detail` is a
sentence a person can act on, or for invalid input the list of problems, each naming its field in `loc`;
`code` (a short stable name, e.g. `refused`, `slot_taken`, `forbidden`) and `fields` (field -> its
messages) come with a refusal. A service says no by raising `core.errors.Refused` (or its app's subclass);
operations let it propagate and `refused` below answers it, with the status it names (409, 422, ...).
"""

import json
import logging

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer

from needlecare.accounts.selectors import membership_for_token
from needlecare.core.errors import Refused
from needlecare.idempotency.services import CREATING_WITHOUT_201, OPENAPI_PARAMETER, declare_api
from needlecare.refusals import busy_response, is_busy, is_unavailable, limit_refusal, unavailable_response

logger = logging.getLogger("django.request")


class TokenAuth(HttpBearer):
    """`Authorization: Bearer nc_…`; the token names its user and its clinic."""

    def authenticate(self, request, token):  # type: ignore[no-untyped-def]
        membership = membership_for_token(token)
        if membership is None:
            return None
        request.user = membership.user
        request.membership = membership
        request.clinic = membership.clinic
        return membership


class BodyError(ValueError):
    """The request body is not a JSON object; the message says what to send instead."""


class JsonObjectParser(Parser):
    """Request bodies are one JSON object; anything else is refused with a message saying why."""

    def parse_body(self, request):  # type: ignore[no-untyped-def]
        try:
            data = json.loads(request.body)
        except json.JSONDecodeError as error:
            raise BodyError(
                f"The request body is not valid JSON: {error.msg} "
                f"(line {error.lineno}, column {error.colno})."
            ) from error
        except (UnicodeDecodeError, RecursionError) as error:
            raise BodyError("The request body is not valid JSON: send UTF-8 encoded JSON.") from error
        if not isinstance(data, dict):
            raise BodyError(
                f"The request body must be a JSON object ({{...}}), not {type(data).__name__}: "
                "see this operation's request body in /api/v1/docs."
            )
        return data


api = NinjaAPI(
    title="Needlecare API",
    version="1",
    description="Patients, intake and the clinical program of a microneedling clinic. "
    "Authenticate with `Authorization: Bearer <token>` (issue one on your settings page or with "
    "`manage.py issue_token EMAIL`). Another clinic's objects answer 404. Every error answers "
    '`{"detail": ..., "code": ..., "fields": {...}}` (`code` and `fields` with refusals); invalid input '
    "answers 422 with one entry per problem, naming the field in `loc`.",
    auth=TokenAuth(),
    parser=JsonObjectParser(),
    urls_namespace="api",
)


def _readable(error: dict) -> dict:  # type: ignore[type-arg]
    # An empty body is reported as the handler's own parameter missing (`loc: ["body", "payload"]`).
    if error.get("type") == "missing" and len(error.get("loc", ())) == 2 and error["loc"][0] == "body":
        return {**error, "msg": "A request body is required: send a JSON object."}
    return error


@api.exception_handler(ValidationError)
def validation_error(request, exc):  # type: ignore[no-untyped-def]
    return api.create_response(request, {"detail": [_readable(e) for e in exc.errors]}, status=422)


@api.exception_handler(Refused)
def refused(request, exc):  # type: ignore[no-untyped-def]
    return api.create_response(request, exc.answer(), status=exc.status)


@api.exception_handler(DjangoValidationError)
def invalid(request, exc):  # type: ignore[no-untyped-def]
    # A row's own rules (full_clean) that no service turned into its Refused: invalid input, 422.
    return refused(request, Refused(exc))


@api.exception_handler(Http404)
def not_found(request, exc):  # type: ignore[no-untyped-def]
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):  # type: ignore[no-untyped-def]
    response = api.create_response(
        request,
        {"detail": "A valid API token is required: send the header `Authorization: Bearer <token>`."},
        status=401,
    )
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(HttpError)
def http_error(request, exc):  # type: ignore[no-untyped-def]
    # django-ninja reports an unreadable body as a bare "Cannot parse request body"; say what was wrong.
    cause = exc.__cause__
    detail = str(cause) if isinstance(cause, BodyError) else exc.message
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


@api.exception_handler(SuspiciousOperation)
def request_limit(request, exc):  # type: ignore[no-untyped-def]
    # Django's request limits (and any other suspicious request) are the client's to fix: 400 or 413.
    status, detail = limit_refusal(exc)
    return api.create_response(request, {"detail": detail}, status=status)


@api.exception_handler(Exception)
def server_error(request, exc):  # type: ignore[no-untyped-def]
    # A database too busy to take the write (rolled back): 503 with Retry-After, in DEBUG too.
    if is_busy(exc):
        return busy_response(request)
    if is_unavailable(exc):
        return unavailable_response(request)
    # Still a bug (the tests fail on any 5xx), but the client gets JSON and the log gets the traceback.
    if settings.DEBUG:
        raise exc
    logger.exception("Unhandled error in %s %s", request.method, request.path, exc_info=exc)
    return api.create_response(
        request,
        {"detail": "Something went wrong on our side and has been logged. Please try again later."},
        status=500,
    )


from needlecare.patients.api import router as patients_router  # noqa: E402

api.add_router("/patients", patients_router)

from needlecare.screening.api import evaluate_router as screening_evaluate_router  # noqa: E402
from needlecare.screening.api import router as screening_router  # noqa: E402

api.add_router("/screening", screening_evaluate_router)
api.add_router("/patients", screening_router)

from needlecare.consent.api import router as consent_router  # noqa: E402
from needlecare.plans.api import router as plans_router  # noqa: E402
from needlecare.treatments.api import router as treatments_router  # noqa: E402

api.add_router("", plans_router)
api.add_router("", consent_router)
api.add_router("", treatments_router)

from needlecare.aftercare.api import router as aftercare_router  # noqa: E402
from needlecare.forecasting.api import router as forecasting_router  # noqa: E402
from needlecare.interop.api import router as interop_router  # noqa: E402
from needlecare.outcomes.api import router as outcomes_router  # noqa: E402
from needlecare.scheduling.api import router as scheduling_router  # noqa: E402

api.add_router("", scheduling_router)
api.add_router("", aftercare_router)
api.add_router("", outcomes_router)
api.add_router("", forecasting_router)
api.add_router("", interop_router)


_openapi_schema = api.get_openapi_schema


def _schema_with_idempotency_keys(*args, **kwargs):  # type: ignore[no-untyped-def]
    """Every creating POST declares the Idempotency-Key header (needlecare/idempotency)."""
    schema = _openapi_schema(*args, **kwargs)
    for path, operations in schema["paths"].items():
        post = operations.get("post")
        if post is not None and (
            "201" in post["responses"] or 201 in post["responses"] or path in CREATING_WITHOUT_201
        ):
            parameters = post.setdefault("parameters", [])
            if not any(p.get("name") == OPENAPI_PARAMETER["name"] for p in parameters):
                parameters.append(dict(OPENAPI_PARAMETER))
    return schema


api.get_openapi_schema = _schema_with_idempotency_keys  # type: ignore[method-assign]
declare_api(api.get_openapi_schema)  # the Idempotency-Key middleware reads the creating POSTs from it
