"""Month arithmetic, named by its rule: a month is not a fixed number of days, so each caller says which
answer it wants for a day the target month lacks (31 August + 6 months). Pure: the standard library only.

- ``add_calendar_months``: the same day, clamped to the month's end (booking windows, maintenance visits).
- ``add_months_never_shorter``: the same day, or the 1st of the next month, so a wait is never shorter than
  the months it names (the protocol's waits: "6 months after isotretinoin").

(The durability forecast counts average months of 365.25 / 12 days: ``add_average_months`` in its model.)
"""

import calendar
from datetime import date, timedelta


def add_calendar_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later; a day the month lacks is its last day.

    >>> add_calendar_months(date(2024, 8, 31), 6)
    datetime.date(2025, 2, 28)
    >>> add_calendar_months(date(2025, 1, 15), 12)
    datetime.date(2026, 1, 15)
    """
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_months_never_shorter(start: date, months: int) -> date:
    """The same day ``months`` later; a day the month lacks moves to the 1st of the next month, so the wait
    is never shorter than the calendar months it names.

    >>> add_months_never_shorter(date(2024, 8, 31), 6)
    datetime.date(2025, 3, 1)
    >>> add_months_never_shorter(date(2025, 1, 15), 12)
    datetime.date(2026, 1, 15)
    """
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    try:
        return start.replace(year=year, month=month)
    except ValueError:
        return (date(year, month, 28) + timedelta(days=4)).replace(day=1)
