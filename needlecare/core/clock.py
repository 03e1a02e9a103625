"""The clinic's clock: its time zone, its today, and a moment as the clinic's local day and time.

Times are stored in UTC; a clinic's day is the day on its own wall clock (docs/architecture.md, Data and
time). Anything with a ``timezone`` attribute naming an IANA zone is a clinic here, so the kernel needs
no app: ``clinic_today(request.clinic)``. Pure: the standard library only (time-machine moves its clock).
"""

from datetime import UTC, date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo


class HasTimezone(Protocol):
    """A clinic, as far as the clock cares: its IANA time zone name, such as ``"Europe/London"``."""

    @property
    def timezone(self) -> str: ...


def clinic_zone(clinic: HasTimezone) -> ZoneInfo:
    """The clinic's time zone: ``clinic_zone(clinic).key == clinic.timezone``."""
    return ZoneInfo(clinic.timezone)


def clinic_today(clinic: HasTimezone) -> date:
    """Today on the clinic's wall clock (not the server's): the day screening, plans and bookings count
    from."""
    return datetime.now(UTC).astimezone(clinic_zone(clinic)).date()


def local_time(clinic: HasTimezone, moment: datetime) -> datetime:
    """An aware moment on the clinic's wall clock: 09:30 UTC is 10:30 in London in June."""
    if moment.utcoffset() is None:  # as Django's localtime(): a naive time has no place on any clock
        raise ValueError("localtime() cannot be applied to a naive datetime")
    return moment.astimezone(clinic_zone(clinic))


def local_day(clinic: HasTimezone, moment: datetime) -> date:
    """The clinic's day of an aware moment: 23:30 UTC on 1 June is 2 June in London."""
    return moment.astimezone(clinic_zone(clinic)).date()


def at_local(clinic: HasTimezone, day: date, clock: time) -> datetime:
    """A wall-clock time on a day in the clinic, as an aware UTC datetime (right across DST changes)."""
    return datetime.combine(day, clock, tzinfo=clinic_zone(clinic)).astimezone(UTC)
