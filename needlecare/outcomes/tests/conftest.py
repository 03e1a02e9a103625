"""Outcome tests: photos go to a throwaway private directory; images come from needlecare.testing.outcomes.
The fixtures are opt-in (`usefixtures`), so a test that needs neither is untouched by them."""

import pytest
import time_machine


@pytest.fixture
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def frozen_today():
    with time_machine.travel("2026-11-25 10:00Z", tick=False):
        yield
