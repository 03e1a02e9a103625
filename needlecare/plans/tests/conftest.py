"""Plans tests run on a fixed day, with a patient screened eligible (skin type III, from the intake)."""

from datetime import date

import pytest
import time_machine

from needlecare.screening.services import screen_patient

TODAY = date(2026, 11, 25)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-11-25 10:00Z", tick=False):
        yield


@pytest.fixture
def screened(world_a):  # type: ignore[no-untyped-def]
    screen_patient(patient=world_a.patient, by=world_a.practitioner, on=TODAY)
    return world_a


def make_plan(world, **kwargs):  # type: ignore[no-untyped-def]
    """A draft plan for acne scars on the cheeks (band 1.0-2.0 mm), as proposed."""
    from needlecare.plans.services import create_plan

    options = {
        "indications": ["acne_scars"],
        "zones": ["cheeks"],
        "device": "pen",
        "fitzpatrick": 3,
        "start": date(2026, 11, 30),
    }
    options.update(kwargs)
    return create_plan(patient=world.patient, by=world.practitioner, **options)
