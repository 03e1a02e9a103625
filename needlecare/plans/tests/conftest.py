"""Plans tests run on a fixed day, with a patient screened eligible (skin type III, from the intake);
plans are made with needlecare.testing.plans.make_plan."""

import pytest
import time_machine

from needlecare.screening.services import screen_patient
from needlecare.testing.clock import TODAY


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-11-25 10:00Z", tick=False):
        yield


@pytest.fixture
def screened(world_a):  # type: ignore[no-untyped-def]
    screen_patient(patient=world_a.patient, by=world_a.practitioner, on=TODAY)
    return world_a
