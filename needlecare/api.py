"""The JSON API under /api/v1/: token authentication, 404 across clinics, 422 for bad input."""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from needlecare.accounts.selectors import membership_for_token


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


api = NinjaAPI(
    title="Needlecare API",
    version="1",
    description="Patients, intake and the clinical program of a microneedling clinic. "
    "Authenticate with `Authorization: Bearer <token>` (issue one on your settings page or with "
    "`manage.py issue_token EMAIL`). Another clinic's objects answer 404.",
    auth=TokenAuth(),
    urls_namespace="api",
)


@api.exception_handler(ValidationError)
def validation_error(request, exc):  # type: ignore[no-untyped-def]
    return api.create_response(request, {"detail": exc.errors}, status=422)


@api.exception_handler(Http404)
def not_found(request, exc):  # type: ignore[no-untyped-def]
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):  # type: ignore[no-untyped-def]
    return api.create_response(request, {"detail": "A valid API token is required."}, status=401)


@api.exception_handler(HttpError)
def http_error(request, exc):  # type: ignore[no-untyped-def]
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


from needlecare.patients.api import router as patients_router  # noqa: E402

api.add_router("/patients", patients_router)
