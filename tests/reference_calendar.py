"""A slow, obviously correct reference: the reg 2 definition applied one day at a time."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays
from dateutil.easter import easter

SUBDIVISIONS = {
    "england-and-wales": ("ENG",),
    "scotland": ("SCT",),
    "northern-ireland": ("NIR",),
    "united-kingdom": ("ENG", "SCT", "NIR"),
}


@cache
def _bank_holidays(calendar: str, year: int) -> frozenset[date]:
    days: set[date] = set()
    for subdivision in SUBDIVISIONS[calendar]:
        days |= set(holidays.country_holidays("GB", subdiv=subdivision, years=year))
    return frozenset(days)


def is_working_day(calendar: str, day: date) -> bool:
    """Not a Saturday, Sunday, Christmas Day, Boxing Day, Good Friday or bank holiday."""
    if day.weekday() >= 5:
        return False
    if (day.month, day.day) in ((12, 25), (12, 26)):
        return False
    if day == easter(day.year) - timedelta(days=2):
        return False
    return day not in _bank_holidays(calendar, day.year)


def add_working_days(calendar: str, start: date, n: int) -> date:
    """Step one day at a time; a non-working start counts as the working day before it."""
    if n == 0:
        return start
    step = 1 if n > 0 else -1
    day, remaining = start, abs(n)
    if step < 0 and not is_working_day(calendar, day):
        remaining += 1  # day 0 is the working day before a non-working start
    while remaining:
        day += timedelta(days=step)
        if is_working_day(calendar, day):
            remaining -= 1
    return day


def working_days_between(calendar: str, start: date, end: date) -> int:
    """Count working days in (start, end], negatively when end is before start."""
    low, high, sign = (start, end, 1) if start <= end else (end, start, -1)
    count, day = 0, low
    while day < high:
        day += timedelta(days=1)
        count += is_working_day(calendar, day)
    return sign * count
