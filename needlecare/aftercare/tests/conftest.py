"""Aftercare fixtures: a patient ready for a session (screened, consented, a plan), in a clinic with an
email and phone; sessions are recorded with needlecare.testing.treatments.record_session."""

import pytest

from needlecare.testing.treatments import make_ready


@pytest.fixture
def ready(world_a):  # type: ignore[no-untyped-def]
    return make_ready(world_a, contact=True)
