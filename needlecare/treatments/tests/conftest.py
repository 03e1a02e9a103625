"""A patient ready for a session: eligible screening, signed consent, an active plan (needlecare.testing)."""

import pytest
import time_machine

from needlecare.testing.treatments import make_ready


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-11-25 10:00Z", tick=False):
        yield


@pytest.fixture
def ready(world_a):  # type: ignore[no-untyped-def]
    return make_ready(world_a)
