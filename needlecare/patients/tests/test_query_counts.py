"""A page costs the same number of queries with 5 patients as with 200."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from needlecare.testing.factories import make_intake, make_patient

pytestmark = pytest.mark.django_db


def _grow_to(world, total: int) -> None:  # type: ignore[no-untyped-def]
    while world.clinic.patients.count() < total:
        patient = make_patient(world.clinic, by=world.owner)
        make_intake(patient, by=world.owner)
        make_intake(patient, by=world.owner, allergies=["nickel"])


def _queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/patients/", "/patients/?q=family", "/patients/?page=2", "/audit/"])
def test_list_pages_cost_constant_queries(client, world_a, url):
    client.force_login(world_a.owner)
    _grow_to(world_a, 5)
    small = _queries(client, url if "page=2" not in url else "/patients/")
    _grow_to(world_a, 200)
    large = _queries(client, url if "page=2" not in url else "/patients/")
    assert small == large, f"{url}: {small} queries with 5 patients, {large} with 200"


def test_patient_page_costs_constant_queries_however_many_intakes(client, world_a):
    client.force_login(world_a.owner)
    patient = world_a.patient
    url = f"/patients/{patient.pk}/"
    small = _queries(client, url)
    for _ in range(30):
        make_intake(patient, by=world_a.owner)
    _grow_to(world_a, 200)
    assert _queries(client, url) == small


def test_api_patient_list_costs_constant_queries(client, world_a, token_for):
    header = token_for(world_a.owner)
    _grow_to(world_a, 5)
    client.get("/api/v1/patients", HTTP_AUTHORIZATION=header)  # first use stamps the token's last_used_at
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/patients", HTTP_AUTHORIZATION=header)
    _grow_to(world_a, 200)
    with CaptureQueriesContext(connection) as large:
        client.get("/api/v1/patients?limit=200", HTTP_AUTHORIZATION=header)
    assert len(small) == len(large)
