"""The FHIR download, the export and the erasure page cost the same number of queries whatever the
size of the record."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from needlecare.testing.consent import sign_consent
from needlecare.testing.factories import make_intake
from needlecare.testing.plans import active_plan

pytestmark = pytest.mark.django_db


def grow(world, n: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        make_intake(world.patient, by=world.owner, allergies=[f"allergen {i}"])
        sign_consent(world.patient)
        active_plan(world.patient, world.practitioner)


def queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["fhir.json", "export.zip", "erase/"])
def test_a_patient_data_page_costs_the_same_with_2_and_20_rows(signed_in, world_a, page, tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    client = signed_in(world_a.owner)
    url = f"/patients/{world_a.patient.pk}/{page}"
    grow(world_a, 2)
    small = queries(client, url)
    grow(world_a, 18)
    assert queries(client, url) == small
