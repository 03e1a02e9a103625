"""The examples in the kernel's docstrings hold (doctest), and the clock reads the clinic's wall clock."""

import doctest
from datetime import UTC, date, datetime, time
from types import SimpleNamespace

import pytest
import time_machine

from needlecare.core import clock, fields, months


@pytest.mark.parametrize("module", [clock, fields, months])
def test_the_examples_in_the_docstrings_hold(module):
    assert doctest.testmod(module).failed == 0


def test_a_month_the_day_is_missing_from_is_clamped_or_moved_on_by_the_rule_named():
    assert months.add_calendar_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert months.add_months_never_shorter(date(2024, 1, 31), 1) == date(2024, 3, 1)
    assert months.add_calendar_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert months.add_months_never_shorter(date(2024, 11, 30), 3) == date(2025, 3, 1)


def test_the_clinic_clock_is_the_clinics_wall_clock_not_the_servers():
    sydney = SimpleNamespace(timezone="Australia/Sydney")
    with time_machine.travel(datetime(2026, 6, 1, 20, 30, tzinfo=UTC), tick=False):
        assert clock.clinic_today(sydney) == date(2026, 6, 2)
        assert clock.clinic_zone(sydney).key == "Australia/Sydney"
    moment = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)
    london = SimpleNamespace(timezone="Europe/London")
    assert clock.local_day(london, moment) == date(2026, 6, 2)
    assert clock.local_time(london, moment).time() == time(0, 30)
    assert clock.at_local(london, date(2026, 6, 2), time(0, 30)) == moment
    with pytest.raises(ValueError):
        clock.local_time(london, datetime(2026, 6, 1, 12, 0))
