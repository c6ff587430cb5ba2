"""The statutory working-day calendar, answering every question in constant time.

A working day (SI 2006/1738 reg 2) is any day other than a Saturday, Sunday, Christmas Day, Boxing
Day, Good Friday or a bank holiday under the Banking and Financial Dealings Act 1971, including the
days added by royal proclamation (5 June 2012, 3 June 2022, 19 September 2022, 8 May 2023).

Counting convention: the day of the triggering event is day 0, and a deadline of N working days
falls on the Nth working day *after* it. A non-working day counts as part of the working day before
it, which is numpy's ``roll="backward"``: a complaint received on a Saturday has day 1 on Monday.
With it, ``working_days_between(d, add_working_days(d, n)) == n`` for every d and n.

Tables are built once per calendar for the years it vouches for; no call loops day by day.
"""

from __future__ import annotations

import functools
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from hashlib import sha256
from importlib.metadata import version
from typing import Any, Final, NamedTuple

import holidays

from complaintflow.dates import require_date, require_whole_number
from complaintflow.errors import CalendarError

#: The years the built-in calendars vouch for by default, fixed by the release and never by the
#: clock: every process of a release, started in any year, counts with the same days and refuses the
#: same dates, so none refuses on replay an event that another admitted, and a calendar's fingerprint
#: stays the same from one New Year to the next. The recurring bank holidays are known for any year;
#: one-off days proclaimed later are added by the host (`extra_bank_holidays`) until a release lists
#: them. A later release may move the last year on, never back.
DEFAULT_FIRST_YEAR: Final = 2000
DEFAULT_LAST_YEAR: Final = 2100

_WEEKDAY_NAMES: Final = ("Saturday", "Sunday")
CLOSURE_PREFIX: Final = "Council closure: "

#: One-off bank holidays proclaimed at short notice, with the day each was announced
#: (gov.uk announcements [S]). Deadlines whose clock started before the announcement do not count
#: them under the default `proclaimed_holidays = "known_at_start"` policy, so a due date once given
#: never moves. One-off days announced more than a year ahead (the 2002, 2012 and 2022 jubilees)
#: cannot affect a running deadline and are not listed.
PROCLAIMED_AT_SHORT_NOTICE: Final[Mapping[date, date]] = {
    date(2011, 4, 29): date(2010, 11, 23),  # Wedding of Prince William and Catherine Middleton
    date(2022, 9, 19): date(2022, 9, 10),  # State Funeral of Queen Elizabeth II
    date(2023, 5, 8): date(2022, 11, 6),  # Coronation of King Charles III
}

_LAST_ANNOUNCEMENT: Final = max(PROCLAIMED_AT_SHORT_NOTICE.values())
_ANNOUNCEMENTS: Final = tuple(sorted(PROCLAIMED_AT_SHORT_NOTICE.values()))

#: Which `holidays` subdivisions make up each calendar.
_REGIONS: Final[Mapping[str, tuple[str, ...]]] = {
    "england-and-wales": ("ENG",),
    "scotland": ("SCT",),
    "northern-ireland": ("NIR",),
    "united-kingdom": ("ENG", "WLS", "SCT", "NIR"),
}


class AddedBankHoliday(NamedTuple):
    """A bank holiday proclaimed after this release, and where it was proclaimed. A proclamation
    under the Banking and Financial Dealings Act 1971 s1(3) appoints a day "either throughout the
    United Kingdom or in any place or locality in the United Kingdom", so each added day names the
    jurisdictions it applies in: a day added for one never moves another's deadlines."""

    name: str
    jurisdictions: tuple[str, ...]


def counts_in(jurisdictions: Iterable[str], calendar: str) -> bool:
    """Whether a day proclaimed for `jurisdictions` is a bank holiday in the `calendar` named: in its
    own jurisdiction, everywhere when proclaimed for the United Kingdom, and in the United Kingdom
    calendar (a bank holiday in any part, FOIA's rule) wherever it was proclaimed."""
    return calendar == "united-kingdom" or any(
        where in (calendar, "united-kingdom") for where in jurisdictions
    )


#: A host's added days as a calendar keeps them: (date, name, jurisdictions), sorted by date.
_Added = tuple[tuple[date, str, tuple[str, ...]], ...]


def _bank_holidays(subdivisions: tuple[str, ...], first: int, last: int) -> dict[date, str]:
    """Bank holidays of every named subdivision, with one name per date."""
    merged: dict[date, str] = {}
    for subdivision in subdivisions:
        table = holidays.country_holidays("GB", subdiv=subdivision, years=range(first, last + 1))
        for day, name in sorted(table.items()):
            merged.setdefault(day, name)
    return merged


class WorkingDayCalendar:
    """Working days of one UK jurisdiction over a stated range of years.

    Immutable, hashable and safe to share between threads: every table is a tuple built once.

    >>> from datetime import date
    >>> cal = WorkingDayCalendar.england_and_wales()
    >>> cal.add_working_days(date(2022, 9, 14), 10)   # 19 September 2022 was a bank holiday
    datetime.date(2022, 9, 29)
    >>> cal.working_days_between(date(2022, 9, 14), date(2022, 9, 29))
    10
    """

    __slots__ = (
        "_closed",
        "_extra",
        "_fingerprint",
        "_first_ordinal",
        "_hash",
        "_is_working",
        "_key",
        "_off",
        "_off_reasons",
        "_rank",
        "_working",
        "first_year",
        "last_year",
        "name",
    )

    name: str
    first_year: int
    last_year: int
    _first_ordinal: int
    _rank: tuple[int, ...]
    _working: tuple[int, ...]
    _is_working: bytes
    _off: tuple[int, ...]
    _off_reasons: tuple[str, ...]
    _closed: dict[date, str]
    _extra: _Added
    _key: tuple[object, ...]
    _hash: int
    _fingerprint: str

    def __init__(
        self,
        name: str,
        first_year: int,
        last_year: int,
        holidays_by_date: Mapping[date, str],
        extra: _Added = (),
    ) -> None:
        """Build the tables; prefer the named constructors, which cache their calendars."""
        first_year = require_whole_number(first_year, "first_year")
        last_year = require_whole_number(last_year, "last_year")
        if not 1900 <= first_year <= last_year <= 2200:
            raise CalendarError(f"year range {first_year}-{last_year} is not a valid range")
        first = date(first_year, 1, 1).toordinal()
        last = date(last_year, 12, 31).toordinal()
        off: list[int] = []
        reasons: list[str] = []
        working: list[int] = []
        rank: list[int] = []
        flags = bytearray()
        for ordinal in range(first, last + 1):
            day = date.fromordinal(ordinal)
            reason = holidays_by_date.get(day)
            if reason is None and day.weekday() >= 5:
                reason = _WEEKDAY_NAMES[day.weekday() - 5]
            if reason is None:
                working.append(ordinal)
                flags.append(1)
            else:
                off.append(ordinal)
                reasons.append(reason)
                flags.append(0)
            rank.append(len(working))
        counted = (name, first_year, last_year, tuple(sorted(holidays_by_date.items())))
        key = (*counted, extra)  # days added for other jurisdictions travel with it, uncounted
        for attribute, value in (
            ("name", name),
            ("first_year", first_year),
            ("last_year", last_year),
            ("_first_ordinal", first),
            ("_rank", tuple(rank)),
            ("_working", tuple(working)),
            ("_is_working", bytes(flags)),
            ("_off", tuple(off)),
            ("_off_reasons", tuple(reasons)),
            ("_closed", dict(holidays_by_date)),
            ("_extra", extra),
            ("_key", key),
            ("_hash", hash(key)),
            (
                "_fingerprint",
                f"{name}/{first_year}-{last_year}/{sha256(repr(counted).encode()).hexdigest()[:12]}",
            ),
        ):
            object.__setattr__(self, attribute, value)

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def england_and_wales(
        cls,
        *,
        first_year: int = DEFAULT_FIRST_YEAR,
        last_year: int = DEFAULT_LAST_YEAR,
        extra_bank_holidays: Mapping[date, str | AddedBankHoliday] | None = None,
    ) -> WorkingDayCalendar:
        """The statutory calendar of SI 2006/1738 reg 2 (England and Wales bank holidays)."""
        return cls.named(
            "england-and-wales",
            first_year=first_year,
            last_year=last_year,
            extra_bank_holidays=extra_bank_holidays,
        )

    @classmethod
    def scotland(
        cls,
        *,
        first_year: int = DEFAULT_FIRST_YEAR,
        last_year: int = DEFAULT_LAST_YEAR,
        extra_bank_holidays: Mapping[date, str | AddedBankHoliday] | None = None,
    ) -> WorkingDayCalendar:
        """Scottish bank holidays: 2 January and St Andrew's Day, but no Easter Monday."""
        return cls.named(
            "scotland", first_year=first_year, last_year=last_year, extra_bank_holidays=extra_bank_holidays
        )

    @classmethod
    def northern_ireland(
        cls,
        *,
        first_year: int = DEFAULT_FIRST_YEAR,
        last_year: int = DEFAULT_LAST_YEAR,
        extra_bank_holidays: Mapping[date, str | AddedBankHoliday] | None = None,
    ) -> WorkingDayCalendar:
        """Northern Ireland bank holidays, with 17 March and 12 July."""
        return cls.named(
            "northern-ireland",
            first_year=first_year,
            last_year=last_year,
            extra_bank_holidays=extra_bank_holidays,
        )

    @classmethod
    def united_kingdom(
        cls,
        *,
        first_year: int = DEFAULT_FIRST_YEAR,
        last_year: int = DEFAULT_LAST_YEAR,
        extra_bank_holidays: Mapping[date, str | AddedBankHoliday] | None = None,
    ) -> WorkingDayCalendar:
        """FOIA's rule: a bank holiday in any part of the UK is not a working day."""
        return cls.named(
            "united-kingdom",
            first_year=first_year,
            last_year=last_year,
            extra_bank_holidays=extra_bank_holidays,
        )

    @classmethod
    def named(
        cls,
        name: str,
        *,
        first_year: int = DEFAULT_FIRST_YEAR,
        last_year: int = DEFAULT_LAST_YEAR,
        extra_bank_holidays: Mapping[date, str | AddedBankHoliday] | None = None,
    ) -> WorkingDayCalendar:
        """A built-in calendar by name: one of `WorkingDayCalendar.NAMES`."""
        if name not in _REGIONS:
            raise CalendarError(f"unknown calendar {name!r}; choose one of {', '.join(_REGIONS)}")
        return _regional(name, first_year, last_year, _extra(extra_bank_holidays, name))

    NAMES: Final = tuple(_REGIONS)

    def with_closures(self, dates: Iterable[date], reason: str) -> WorkingDayCalendar:
        """A new calendar that also skips the council's own closure days.

        Statutory deadlines ignore closures: a council that closes on 24 December still has it
        counted as a working day in law. Use this only where the council has opted in.
        """
        if not isinstance(reason, str) or not reason.strip():
            raise CalendarError("a closure needs a reason, e.g. 'Christmas Eve closure'")
        closed = dict(self._closed)
        for day in dates:
            day = require_date(day, "closure date")
            self._index(day)
            closed.setdefault(day, CLOSURE_PREFIX + reason.strip())
        return WorkingDayCalendar(self.name, self.first_year, self.last_year, closed, self._extra)

    def as_known_on(self, day: date) -> WorkingDayCalendar:
        """This calendar without the one-off bank holidays not yet announced on `day`."""
        if day >= _LAST_ANNOUNCEMENT:
            return self
        announced = bisect_right(_ANNOUNCEMENTS, day)
        return _known_after(self, announced)

    # -- identity -----------------------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"WorkingDayCalendar is immutable; cannot set {name!r}")

    def __reduce__(self) -> tuple[type[WorkingDayCalendar], tuple[Any, ...]]:
        return WorkingDayCalendar, (self.name, self.first_year, self.last_year, self._closed, self._extra)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WorkingDayCalendar) and self._key == other._key

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        closures = sum(reason.startswith(CLOSURE_PREFIX) for reason in self._closed.values())
        extra = f", {closures} closure days" if closures else ""
        return f"<WorkingDayCalendar {self.name} {self.first_year}-{self.last_year}{extra}>"

    @property
    def extra_bank_holidays(self) -> dict[date, str]:
        """The bank holidays the host added (`extra_bank_holidays=`) that count in this calendar."""
        return {day: name for day, name, where in self._extra if counts_in(where, self.name)}

    @property
    def added_bank_holidays(self) -> dict[date, AddedBankHoliday]:
        """Every bank holiday the host added, with where each applies, including those for other
        jurisdictions: give it as `extra_bank_holidays=` to another jurisdiction's calendar."""
        return {day: AddedBankHoliday(name, where) for day, name, where in self._extra}

    @property
    def vouches_for(self) -> tuple[date, date]:
        """The first and last dates this calendar answers for."""
        return date(self.first_year, 1, 1), date(self.last_year, 12, 31)

    @property
    def fingerprint(self) -> str:
        """A short digest of the non-working days: equal fingerprints count days identically.
        Computed once, when the calendar is built: every deadline view shows it."""
        return self._fingerprint

    @property
    def holidays_version(self) -> str:
        """The version of the `holidays` package whose bank-holiday data built this calendar."""
        return version("holidays")

    # -- questions ----------------------------------------------------------------------------

    def _index(self, day: date, what: str = "date") -> int:
        if type(day) is not date:
            require_date(day, what)
        index = day.toordinal() - self._first_ordinal
        if 0 <= index < len(self._rank):
            return index
        raise self._out_of_range(f"{what} {day.isoformat()}")

    def _out_of_range(self, what: str) -> CalendarError:
        constructor = self.name.replace("-", "_")
        return CalendarError(
            f"{what} is outside {self.first_year}-{self.last_year}, the years this "
            f"{self.name} calendar vouches for; widen it with "
            f"WorkingDayCalendar.{constructor}(first_year=..., last_year=...)"
        )

    def is_working_day(self, day: date) -> bool:
        """Whether `day` is a working day."""
        return self._is_working[self._index(day)] == 1

    def add_working_days(self, day: date, n: int) -> date:
        """The Nth working day after `day` (day 0); n < 0 goes back; n == 0 returns `day`."""
        index = self._index(day)
        if type(n) is not int:
            require_whole_number(n)
        if n == 0:
            return day
        target = self._rank[index] + n - 1
        if 0 <= target < len(self._working):
            return date.fromordinal(self._working[target])
        raise self._out_of_range(f"{n} working days from {day.isoformat()}")

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        return self._rank[self._index(end, "end")] - self._rank[self._index(start, "start")]

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        return self.add_working_days(day, 1)

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before `day`."""
        index = self._index(day)
        before = self._rank[index] - self._is_working[index]
        if before == 0:
            raise self._out_of_range(f"the working day before {day.isoformat()}")
        return date.fromordinal(self._working[before - 1])

    def non_working_days(self, start: date, end: date) -> Iterator[tuple[date, str]]:
        """Each non-working day from `start` to `end` inclusive, with the reason it is one."""
        low = self._index(start, "start") + self._first_ordinal
        high = self._index(end, "end") + self._first_ordinal
        for position in range(bisect_left(self._off, low), bisect_right(self._off, high)):
            yield date.fromordinal(self._off[position]), self._off_reasons[position]

    def reason_not_working(self, day: date) -> str | None:
        """Why `day` is not a working day, or None if it is one."""
        ordinal = self._index(day) + self._first_ordinal
        position = bisect_left(self._off, ordinal)
        if position < len(self._off) and self._off[position] == ordinal:
            return self._off_reasons[position]
        return None


def proclaimed_between(start: date, end: date, known_on: date) -> list[tuple[date, date]]:
    """The one-off bank holidays in (start, end] proclaimed after `known_on`, with their
    proclamation dates: the days that moved a deadline which started on `known_on`."""
    return sorted(
        (day, announced)
        for day, announced in PROCLAIMED_AT_SHORT_NOTICE.items()
        if announced > known_on and start < day <= end
    )


@functools.lru_cache(maxsize=64)
def _known_after(calendar: WorkingDayCalendar, announced: int) -> WorkingDayCalendar:
    """The calendar less the one-off days whose announcement is not among the first `announced`."""
    later = set(_ANNOUNCEMENTS[announced:])
    unknown = tuple(
        holiday
        for holiday, on in PROCLAIMED_AT_SHORT_NOTICE.items()
        if on in later and holiday in calendar._closed
    )
    return _without(calendar, unknown) if unknown else calendar


@functools.lru_cache(maxsize=64)
def _without(calendar: WorkingDayCalendar, days: tuple[date, ...]) -> WorkingDayCalendar:
    kept = {day: reason for day, reason in calendar._closed.items() if day not in days}
    return WorkingDayCalendar(calendar.name, calendar.first_year, calendar.last_year, kept, calendar._extra)


def _extra(days: Mapping[date, str | AddedBankHoliday] | None, own: str) -> _Added:
    """Bank holidays a host adds, checked: a plain date on a weekday, with a name and where it
    applies. A name alone is a day for the calendar's `own` jurisdiction."""
    if days is None:
        return ()
    if not isinstance(days, Mapping):
        raise CalendarError("extra_bank_holidays must map each date to the holiday's name")
    checked = []
    for day, given in days.items():
        day = require_date(day, "an extra bank holiday")
        if day.weekday() >= 5:
            raise CalendarError(f"{day.isoformat()} is a {day:%A}: a bank holiday falls on a weekday")
        name, where = (given, (own,)) if isinstance(given, str) else _name_and_place(day, given)
        if not isinstance(name, str) or not name.strip():
            raise CalendarError(f"the extra bank holiday on {day.isoformat()} needs a name")
        checked.append((day, " ".join(name.split())[:100], where))
    return tuple(sorted(checked))


def _name_and_place(day: date, given: object) -> tuple[object, tuple[str, ...]]:
    """An added day given as (name, jurisdiction or jurisdictions), checked against the names."""
    if not isinstance(given, tuple) or len(given) != 2:
        raise CalendarError(
            f"the extra bank holiday on {day.isoformat()} must be a name, or a name and where it applies"
        )
    name, where = given
    places = (where,) if isinstance(where, str) else where
    if not isinstance(places, tuple) or not places or not all(place in _REGIONS for place in places):
        raise CalendarError(
            f"the extra bank holiday on {day.isoformat()} applies in one or more of {', '.join(_REGIONS)}"
        )
    return name, tuple(sorted(set(places)))


@functools.lru_cache(maxsize=32)
def _regional(name: str, first_year: int, last_year: int, extra: _Added = ()) -> WorkingDayCalendar:
    first_year = require_whole_number(first_year, "first_year")
    last_year = require_whole_number(last_year, "last_year")
    holidays_by_date = _bank_holidays(_REGIONS[name], first_year, last_year)
    for day, reason, where in extra:
        if first_year <= day.year <= last_year and counts_in(where, name):
            holidays_by_date.setdefault(day, reason)
    return WorkingDayCalendar(name, first_year, last_year, holidays_by_date, extra)
