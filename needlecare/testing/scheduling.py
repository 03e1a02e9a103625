"""A clinic's calendar for tests: working hours, rooms and devices."""

from collections.abc import Iterable
from datetime import time

from needlecare.scheduling.models import Device, Room, WorkingHours


def working_week(  # type: ignore[no-untyped-def]
    clinic, user, days: Iterable[int] = range(5), starts: time = time(9), ends: time = time(17)
) -> None:
    """`user` works from `starts` to `ends` on each of `days` (0 is Monday; default Monday to Friday)."""
    for weekday in days:
        WorkingHours.objects.create(
            clinic=clinic, practitioner=user, weekday=weekday, starts=starts, ends=ends
        )


def equip(clinic, rooms: int = 2, devices: int = 2) -> None:  # type: ignore[no-untyped-def]
    """Rooms "Room 1".. and pens "Pen 1".. (serials SN1..) in the clinic, unless already there."""
    for n in range(1, rooms + 1):
        Room.objects.get_or_create(clinic=clinic, name=f"Room {n}")
    for n in range(1, devices + 1):
        Device.objects.get_or_create(
            clinic=clinic, name=f"Pen {n}", defaults={"kind": "pen", "serial": f"SN{n}"}
        )
