"""Schemathesis drives every operation of /api/v1/ with a valid token: no input may produce a 5xx, and
every answer must be one the OpenAPI document declares, in the shape it declares."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from needlecare.api import api

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = get_wsgi_application()


@pytest.fixture
def fuzz_world(world_a, token_for):  # type: ignore[no-untyped-def]
    return world_a, token_for(world_a.owner)


@pytest.mark.django_db
@schema.parametrize()
@schema.given(data=st.data())
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_documented_and_never_fails(case, data, fuzz_world):  # type: ignore[no-untyped-def]
    world, token = fuzz_world
    params = case.path_parameters or {}
    # Half the time, aim at a real patient (and its first intake) so the happy path is exercised too.
    if "patient_id" in params and data.draw(st.booleans(), label="real patient"):
        params["patient_id"] = str(world.patient.pk)
        if "version" in params:
            params["version"] = 1
    case.call_and_validate(headers={"Authorization": token})
