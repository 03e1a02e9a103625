"""A clinic ready for booking: working hours for its practitioner and owner, two rooms, two devices.

Time stands still at Wednesday 25 November 2026, 10:00 UTC (10:00 in London). Builders: needlecare.testing."""

from datetime import UTC, datetime

import pytest
import time_machine

from needlecare.scheduling.selectors import type_by_code
from needlecare.testing.scheduling import equip, working_week


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def cal(world_a):  # type: ignore[no-untyped-def]
    working_week(world_a.clinic, world_a.practitioner)
    working_week(world_a.clinic, world_a.owner)
    equip(world_a.clinic)
    world_a.treatment = type_by_code(world_a.clinic, "treatment")
    world_a.consultation = type_by_code(world_a.clinic, "consultation")
    return world_a
