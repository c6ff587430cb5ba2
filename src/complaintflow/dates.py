"""Plain-date rules shared by the calendar, the events and the command line.

A date in complaintflow is a UK local date. A `datetime` is refused rather than truncated, because
truncating a UTC timestamp near midnight can move a complaint to the wrong day and so its deadline.
Calendar months follow dateutil's `relativedelta`: 31 January plus one month is the last day of
February, never 2 or 3 March.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from complaintflow.errors import CalendarError


def require_date(value: object, what: str = "date") -> date:
    """Return `value` if it is a plain `date`; otherwise raise a `CalendarError` saying what to pass."""
    if type(value) is date:
        return value
    if isinstance(value, datetime):
        raise CalendarError(
            f"{what} must be a date, not a datetime ({value.isoformat()}); "
            "pass the UK local date, e.g. value.date() after converting to Europe/London"
        )
    raise CalendarError(
        f"{what} must be a datetime.date, not {type(value).__name__}; "
        "pass e.g. date(2024, 4, 2) or date.fromisoformat('2024-04-02')"
    )


def require_whole_number(value: object, what: str = "n") -> int:
    """Return `value` if it is an `int` (and not a `bool`); otherwise raise a `CalendarError`."""
    if type(value) is int:
        return value
    raise CalendarError(f"{what} must be a whole number (int), not {type(value).__name__}")


#: The one form a date may take in events and on the command line (not ISO week or ordinal dates,
#: which `date.fromisoformat` also reads).
ISO_DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_ISO_DATE = re.compile(ISO_DATE_PATTERN)


def parse_iso_date(text: str) -> date:
    """Parse YYYY-MM-DD strictly; the error never repeats the text."""
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise CalendarError("not a date in the form YYYY-MM-DD") from None


def add_calendar_months(start: date, months: int) -> date:
    """The date `months` calendar months after `start`, clipped to the month's last day."""
    start = require_date(start, "start")
    return start + relativedelta(months=require_whole_number(months, "months"))


def add_calendar_days(start: date, days: int) -> date:
    """The date `days` calendar days after `start` (the day of `start` is day 0)."""
    start = require_date(start, "start")
    return start + relativedelta(days=require_whole_number(days, "days"))


def end_of_period_commencing(start: date, months: int = 0, days: int = 0) -> date:
    """The last day of a period of `months` calendar months (or `days` days) commencing on `start`.

    Such a period counts `start` itself, so it ends the day before the corresponding date: six months
    commencing on 10 January end on 9 July. Where the corresponding date does not exist, the period
    ends on the last day of that month: six months commencing on 31 August end on 28 February.
    """
    start = require_date(start, "start")
    months, days = require_whole_number(months, "months"), require_whole_number(days, "days")
    if (months > 0) == (days > 0) or min(months, days) < 0:
        raise CalendarError(f"give a number of months or of days, above 0 (not months={months}, days={days})")
    if days:
        return start + relativedelta(days=days - 1)
    corresponding = add_calendar_months(start, months)
    return corresponding - relativedelta(days=1) if corresponding.day == start.day else corresponding


#: The law counts days in the United Kingdom's own time, with British Summer Time.
LONDON = ZoneInfo("Europe/London")


def london_date(moment: datetime) -> date:
    """The UK local date of a timestamp, the date the law counts: 23:30 UTC on 1 July is already
    2 July in London. A timestamp without a time zone is refused, since its day is a guess.

    >>> from datetime import timezone
    >>> london_date(datetime(2024, 7, 1, 23, 30, tzinfo=timezone.utc))
    datetime.date(2024, 7, 2)
    """
    if not isinstance(moment, datetime):
        raise CalendarError(f"moment must be a datetime with a time zone, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CalendarError("moment has no time zone: give an aware datetime, e.g. with tzinfo=timezone.utc")
    return moment.astimezone(LONDON).date()


def london_today() -> date:
    """Today's date in the United Kingdom."""
    return datetime.now(LONDON).date()
