"""Schemathesis drives every operation of /api/v1/ with a valid token: no input may produce a 5xx, and
every answer must be one the OpenAPI document declares, in the shape it declares. It also holds the
document to its word both ways: a request the schema allows is not refused (no 400/422), and a request
it forbids is not accepted."""

from datetime import date
from uuid import UUID

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.generation.meta import TestPhase

from needlecare.api import api

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = get_wsgi_application()


def _multipart(ctx) -> bool:  # type: ignore[no-untyped-def]
    body = ctx.operation.definition.raw.get("requestBody") or {}
    return "multipart/form-data" in (body.get("content") or {})


# Schemathesis' WSGI transport sends malformed multipart bodies here (the parts carry a boundary other
# than the header's), so file uploads are fuzzed by their own tests instead (outcomes/tests/test_photos.py).
schema = schema.exclude(func=_multipart)


# A rule JSON Schema cannot say, written in the field's description instead: a birth date lies between
# 1900 and today. Dates are drawn within it, so a refusal of schema-valid data still means the document
# is wrong. (Intake dates take any date, so drawing them from the same range loses nothing.)
schemathesis.openapi.format("date", st.dates(date(1900, 1, 1), date.today()).map(date.isoformat))

# Schemathesis builds some requests (the coverage phase) while collecting, before any database exists,
# so the token is a fixed value; each test's fixture issues it anew in that test's database.
FUZZ_TOKEN = "nc_fuzz-" + "0" * 43


@schema.auth(refresh_interval=None)
class FixedToken:
    """Every generated request carries the token, except those that leave it out on purpose."""

    def get(self, case, ctx):  # type: ignore[no-untyped-def]
        return f"Bearer {FUZZ_TOKEN}"

    def set(self, case, data, ctx):  # type: ignore[no-untyped-def]
        case.headers = {**(case.headers or {}), "Authorization": data}


@pytest.fixture
def test_transaction_survives_requests():  # type: ignore[no-untyped-def]
    """Requests go straight to Django's WSGI handler, which closes the database connection when a
    request ends, and with it (on PostgreSQL) the test's transaction. Django's own test client stops
    that the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(world_a, monkeypatch, test_transaction_survives_requests):  # type: ignore[no-untyped-def]
    from needlecare.accounts.models import ApiToken
    from needlecare.accounts.services import issue_token
    from needlecare.clinics.models import Membership

    monkeypatch.setattr(ApiToken, "new_raw_token", classmethod(lambda cls: FUZZ_TOKEN))
    issue_token(membership=Membership.objects.get(user=world_a.owner), name="fuzz")
    return world_a


def _aim_at_real_objects(case, world) -> None:  # type: ignore[no-untyped-def]
    """Point generated ids at the clinic's real patient (and a valid version at its first intake), so
    the happy paths run too: always in the coverage phase, whose cases share one made-up id, and for
    about half the random ids of the fuzzing phase, so that unknown ids (404) are tried as well.
    Invalid ids are left alone: they are what the negative cases test."""
    params = case.path_parameters or {}
    try:
        generated = UUID(str(params.get("patient_id")))
    except ValueError:
        return
    if case.meta.phase.name == TestPhase.COVERAGE or generated.int % 2 == 0:
        params["patient_id"] = str(world.patient.pk)
        if isinstance(params.get("version"), int) and params["version"] >= 1:
            params["version"] = world.intake.version


def _fresh_idempotency_key(case) -> None:  # type: ignore[no-untyped-def]
    """A rule JSON Schema cannot say, written in the header's description: a key reused with another
    body answers 422 (needlecare/idempotency/tests test it). A valid generated key is made unique per
    case, so a refusal still means the document is wrong; an invalid one is left to be refused."""
    import re
    import uuid

    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and re.fullmatch(r"[\x21-\x7e]{1,200}", key):
        case.headers["Idempotency-Key"] = uuid.uuid4().hex


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,  # the same cases every run: CI must not pass or fail by chance
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_documented_and_never_fails(case, fuzz_world):  # type: ignore[no-untyped-def]
    _aim_at_real_objects(case, fuzz_world)
    _fresh_idempotency_key(case)
    case.call_and_validate()
