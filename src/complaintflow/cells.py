"""One spreadsheet cell read as a date or as text, only in a form that cannot be misread; and text
written to a cell so that a spreadsheet runs nothing when it opens it.

A cell comes from a council's sheet or a legacy system's export: a date cell, a number, or text in
one of many hands. A date that could be read two ways is refused rather than guessed, and a refusal
never quotes the cell, which may hold personal data.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from complaintflow.errors import ComplaintflowError
from complaintflow.limits import FIRST_DATE, LAST_DATE, MAX_TEXT_CHARS

if TYPE_CHECKING:
    from _typeshed import SupportsWrite


class CellRefused(ComplaintflowError, ValueError):
    """A cell that cannot be read as what its column holds; the message never quotes the cell."""


# -- dates -------------------------------------------------------------------------------------------

_MONTH_NAMES = "january february march april may june july august september october november december"
#: Each month by its name and by its first three letters (and "sept").
_MONTHS = {
    **{name: number for number, name in enumerate(_MONTH_NAMES.split(), start=1)},
    **{name[:3]: number for number, name in enumerate(_MONTH_NAMES.split(), start=1)},
    "sept": 9,
}
#: A time of day after a date, as exports often write it; the date is the day.
_TIME = r"(?:[ t][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)?"
_ISO = re.compile(rf"([0-9]{{4}})-([0-9]{{2}})-([0-9]{{2}}){_TIME}")
_NUMERIC = re.compile(rf"([0-9]{{1,2}})([/.-])([0-9]{{1,2}})\2([0-9]{{2}}|[0-9]{{4}}){_TIME}")
_IN_WORDS = re.compile(rf"([0-9]{{1,2}}) ([a-z]{{3,9}}) ([0-9]{{4}}){_TIME}")
_SERIAL = re.compile(r"[0-9]{1,6}(?:\.[0-9]+)?")
#: Day 1 of Excel's 1900 date system is 1 January 1900, and it counts a 29 February 1900 that never
#: was: from 1 March 1900 (day 61) on, day n is n days after 30 December 1899.
_EXCEL_EPOCH = date(1899, 12, 30)
_FIRST_SERIAL = 61


def read_date(value: object, *, day_first: bool | None = None, excel_serial: bool = False) -> date:
    """A cell read as a UK date, in a form that cannot be misread; `CellRefused` otherwise.

    Read: a date cell; ISO (2024-04-02); day and month in words (2 April 2024, 2 Apr 2024); numbers
    with `/`, `.` or `-` between them (02/04/2024) in the order `day_first` gives. With `day_first`
    unset, such a date is read only where one order alone gives a date. A two-digit year is refused:
    it could be in either century. A number is Excel's count of days only where `excel_serial` says.

    >>> read_date("2 April 2024"), read_date("02/04/2024", day_first=True)
    (datetime.date(2024, 4, 2), datetime.date(2024, 4, 2))
    >>> read_date("02/04/2024")
    Traceback (most recent call last):
    complaintflow.cells.CellRefused: day and month could be either way round: say `day_first` in [dates]
    """
    if isinstance(value, datetime):  # a sheet's time is the council's own local time: the day is its date
        return _in_range(value.date())
    if isinstance(value, date):
        return _in_range(value)
    if isinstance(value, bool):
        raise CellRefused("TRUE or FALSE, not a date")
    if isinstance(value, time | timedelta):
        raise CellRefused("a time or a duration, not a date")
    if isinstance(value, int | float):
        return _from_serial(value, excel_serial)
    if not isinstance(value, str):
        raise CellRefused(f"a {type(value).__name__}, not a date")
    text = " ".join(value.split()).lower()
    if match := _ISO.fullmatch(text):
        return _day(int(match[1]), int(match[2]), int(match[3]))
    if match := _IN_WORDS.fullmatch(text):
        month = _MONTHS.get(match[2])
        if month is None:
            raise CellRefused("not a month's name")
        return _day(int(match[3]), month, int(match[1]))
    if match := _NUMERIC.fullmatch(text):
        return _numeric(int(match[1]), int(match[3]), match[4], day_first)
    if _SERIAL.fullmatch(text):
        return _from_serial(float(text), excel_serial)
    raise CellRefused("not a date in a form this reader takes (such as 2 April 2024 or 2024-04-02)")


def _numeric(first: int, second: int, year_text: str, day_first: bool | None) -> date:
    if len(year_text) == 2:
        raise CellRefused("a two-digit year could be in either century: write the year in full")
    year = int(year_text)
    if day_first is not None:
        day, month = (first, second) if day_first else (second, first)
        return _day(year, month, day)
    readings = {_valid(year, month, day) for day, month in ((first, second), (second, first))}
    found = [reading for reading in readings if reading is not None]
    if len(found) > 1:
        raise CellRefused("day and month could be either way round: say `day_first` in [dates]")
    if not found:
        raise CellRefused("not a date: no such day")
    return _in_range(found[0])


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _day(year: int, month: int, day: int) -> date:
    found = _valid(year, month, day)
    if found is None:
        raise CellRefused("not a date: no such day")
    return _in_range(found)


def _from_serial(number: float, excel_serial: bool) -> date:
    if not excel_serial:
        raise CellRefused(
            "a number, not a date: format the column as dates, or say `excel_serial` in [dates]"
        )
    if not _FIRST_SERIAL <= number < (LAST_DATE - _EXCEL_EPOCH).days + 1:
        raise CellRefused(f"not an Excel date from 1 March 1900 to {LAST_DATE.day} {LAST_DATE:%B %Y}")
    return _EXCEL_EPOCH + timedelta(days=int(number))


def _in_range(day: date) -> date:
    if not FIRST_DATE <= day <= LAST_DATE:
        raise CellRefused(f"a date outside the years {FIRST_DATE.year} to {LAST_DATE.year}")
    return day


# -- text -------------------------------------------------------------------------------


def read_text(value: object) -> str | None:
    """A cell as text (None if empty): a whole number as its digits; a date or TRUE/FALSE refused."""
    if value is None or isinstance(value, str):
        text = (value or "").strip()
        if len(text) > MAX_TEXT_CHARS:
            raise CellRefused(f"longer than {MAX_TEXT_CHARS:,} characters")
        return text or None
    if isinstance(value, bool):
        raise CellRefused("TRUE or FALSE, not text")
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return str(int(value))
    raise CellRefused(f"a {'number' if isinstance(value, float) else type(value).__name__}, not text")


# -- writing ---------------------------------------------------------------------------------------

#: What a spreadsheet takes for the start of a formula (or of a cell it splits), in text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: object) -> object:
    """A value to write to a CSV cell: text that a spreadsheet would take for a formula (=, +, -,
    @ first) after an apostrophe, so that opening the file runs nothing; anything else as it is."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return f"'{cell}"
    return cell


def write_csv(out: SupportsWrite[str], header: list[str], rows: Iterable[dict[str, object]]) -> None:
    """Rows as CSV for a spreadsheet, every cell made safe by `spreadsheet_safe`: the one writer of
    the daily list, for the command line and the desk alike."""
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(spreadsheet_safe(row[key]) for key in header)
