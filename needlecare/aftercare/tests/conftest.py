"""Aftercare fixtures: a patient ready for a session (screened, consented, a plan) and a helper that
records a session through the real service."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from needlecare.treatments.services import SessionInput, ZoneEntry, record_treatment
from needlecare.treatments.tests.conftest import TODAY, active_plan, sign_consent

__all__ = ["TODAY", "record_session"]


@pytest.fixture
def frozen():
    """10:00 UTC on TODAY (a Wednesday; 10:00 in London too), the clock standing still."""
    with time_machine.travel("2026-11-25 10:00Z", tick=False) as traveller:
        yield traveller


@pytest.fixture
def ready(world_a):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from needlecare.screening.services import screen_patient

    screen_patient(patient=world_a.patient, by=world_a.practitioner, on=TODAY - timedelta(weeks=4))
    sign_consent(world_a.patient)
    world_a.plan = active_plan(world_a.patient, world_a.practitioner)
    world_a.clinic.email = "desk@clinic-a.test"
    world_a.clinic.phone = "020 7946 0000"
    world_a.clinic.save()
    return world_a


def record_session(world, *, on: date = TODAY, depth: str = "1.0", cartridge: str = "C-1", plan=None):  # type: ignore[no-untyped-def]
    return record_treatment(
        patient=world.patient,
        by=world.practitioner,
        data=SessionInput(
            performed_on=on,
            device="pen",
            device_model="Dermapen 4",
            device_serial="DP4-1",
            cartridge_id=cartridge,
            cartridge_lot="LOT-1",
            cartridge_expiry=date(2099, 1, 1),
            numbing_agent="none",
            numbing_minutes=0,
            end_point="erythema",
            duration_minutes=30,
            immediate_reaction="expected",
            zones=[ZoneEntry("cheeks", Decimal(depth), 2)],
            plan=plan,
        ),
    )
