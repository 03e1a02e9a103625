"""The day the tests stand still on, and local times at the clinics (all in Europe/London)."""

import zoneinfo
from datetime import UTC, date, datetime, time

TODAY = date(2026, 11, 25)  # a Wednesday; the suites freeze the clock at 10:00 UTC on it


def london(day: date, hour: int, minute: int = 0) -> datetime:
    """The UTC instant of `hour:minute` on `day` in London."""
    return datetime.combine(day, time(hour, minute), tzinfo=zoneinfo.ZoneInfo("Europe/London")).astimezone(
        UTC
    )
