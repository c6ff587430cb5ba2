"""Hypothesis strategies for host systems' test suites (needs the `hypothesis` package).

>>> from complaintflow.testing import calendar_dates
>>> from complaintflow import WorkingDayCalendar
>>> strategy = calendar_dates(WorkingDayCalendar.england_and_wales(), margin_days=200)
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from complaintflow.calendar import WorkingDayCalendar


def calendar_dates(calendar: WorkingDayCalendar, *, margin_days: int = 0) -> st.SearchStrategy[date]:
    """Dates the calendar vouches for, at least `margin_days` days inside either end."""
    first, last = calendar.vouches_for
    return st.dates(first + timedelta(days=margin_days), last - timedelta(days=margin_days))


def calendars() -> st.SearchStrategy[WorkingDayCalendar]:
    """Each of the built-in calendars."""
    return st.sampled_from(WorkingDayCalendar.NAMES).map(WorkingDayCalendar.named)
