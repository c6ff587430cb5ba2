"""Deadline clocks: when each falls due, and how extensions and pauses move it.

A clock of N working days started on S is due on ``add_working_days(S, N)``: S is day 0. Pausing
on P and resuming on R restarts it with the days it had left at the end of P:
``due = add_working_days(R, N - working_days_between(S, P))``. An extension replaces N by a new
total, up to the procedure's cap. None of these can move a due date earlier.

Each clock keeps the calendar it was started with, so replaying a case later gives the same dates
(see the `proclaimed_holidays` policy in docs/policies.md).
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Literal, NamedTuple

from complaintflow.calendar import WorkingDayCalendar
from complaintflow.dates import add_calendar_days, add_calendar_months, end_of_period_commencing
from complaintflow.procedure import Deadline, Source

Status = Literal["pending", "overdue", "met", "met_late", "paused", "lapsed", "cancelled"]


class Clock(NamedTuple):
    """One running or finished deadline of one case (a small immutable tuple: cases hold many).

    Working days are counted from `anchor`, with `used` days already spent before it (by an
    earlier pause): due = add_working_days(anchor, length - used).
    """

    name: str
    rule: Deadline
    calendar: WorkingDayCalendar
    starts: date
    length: int
    due: date | None
    anchor: date
    used: int = 0
    met_on: date | None = None
    ended: Literal["lapsed", "cancelled"] | None = None
    paused_on: date | None = None
    #: Counted from the due date of another deadline until its own start is recorded.
    provisional: bool = False

    @property
    def running(self) -> bool:
        """Not met, lapsed or cancelled."""
        return self.met_on is None and self.ended is None

    @property
    def in_working_days(self) -> bool:
        return self.rule.unit == "working_days"

    def status(self, as_of: date) -> Status:
        """Where the clock stands on `as_of`."""
        if self.met_on is not None:
            return "met" if self.due is None or self.met_on <= self.due else "met_late"
        if self.ended is not None:
            return self.ended
        if self.paused_on is not None or self.due is None:
            return "paused"
        return "overdue" if as_of > self.due else "pending"

    def outstanding(self, as_of: date) -> tuple[Literal["pending", "overdue"], int] | None:
        """`status(as_of)` and `remaining_working_days(as_of)` together, where the status is
        "pending" or "overdue" (None otherwise): the daily list asks both of every clock, and
        this reads the clock once."""
        due = self.due
        if self.met_on is not None or self.ended is not None or self.paused_on is not None or due is None:
            return None
        return ("overdue" if as_of > due else "pending"), self.calendar.working_days_between(as_of, due)

    def due_without_extension(self) -> date | None:
        """When it would have been due at its base length (pauses still count)."""
        if self.paused_on is not None:
            return self.due
        if not self.in_working_days:
            return base_due(self.rule, self.calendar, self.starts)
        return _due(self, self.rule.length)

    def remaining_working_days(self, as_of: date) -> int | None:
        """Working days left on `as_of` (negative when overdue), whatever the deadline's unit;
        None once finished."""
        if not self.running:
            return None
        if self.paused_on is not None:
            return self.length - self.used - self.calendar.working_days_between(self.anchor, self.paused_on)
        assert self.due is not None
        return self.calendar.working_days_between(as_of, self.due)


def base_due(rule: Deadline, calendar: WorkingDayCalendar, starts: date) -> date:
    """When a deadline of the rule's base length that started on `starts` falls due."""
    if rule.unit == "working_days":
        return calendar.add_working_days(starts, rule.length)
    return _countable(calendar, calendar_unit_due(rule.unit, rule.length, rule.counts_start_day, starts))


@functools.lru_cache(maxsize=8192)
def calendar_unit_due(
    unit: Literal["calendar_days", "calendar_months"], length: int, counts_start_day: bool, starts: date
) -> date:
    """When a period of `length` calendar days or months from `starts` ends (counting `starts`
    itself where `counts_start_day`). Kept for the last few thousand questions: a period of months
    takes several microseconds to work out, a log of thousands of cases starts one for most of
    them from a few hundred distinct days, and the answer depends on nothing else (the cache is
    the standard library's, safe to share between threads)."""
    if unit == "calendar_days":
        if counts_start_day:
            return end_of_period_commencing(starts, days=length)
        return add_calendar_days(starts, length)
    if counts_start_day:
        return end_of_period_commencing(starts, months=length)
    return add_calendar_months(starts, length)


def _countable(calendar: WorkingDayCalendar, due: date) -> date:
    """`due`, once the calendar can count working days up to it: a due date past the calendar's range
    raises its CalendarError when the deadline starts, not later whenever the case is viewed. (A
    date before the range, such as the time limit of a complaint about a matter of 1995, is fine:
    it is met on receipt, and nothing counts towards it.)"""
    if due > calendar.vouches_for[1]:
        calendar.is_working_day(due)  # raises, naming the date and how to widen the range
    return due


def start_clock(name: str, rule: Deadline, calendar: WorkingDayCalendar, starts: date) -> Clock:
    """A new clock of the rule's base length, day 0 being `starts`."""
    return Clock(name, rule, calendar, starts, rule.length, base_due(rule, calendar, starts), starts)


#: Deadlines a case's own events set: a remedy agreed, an Ombudsman's compliance date.
COMMITMENTS = frozenset({"remedy", "compliance"})


def commitment(
    name: str,
    kind: Literal["remedy", "compliance"],
    source: Source,
    calendar: WorkingDayCalendar,
    on: date,
    due: date,
) -> Clock:
    """A date the council is held to (a remedy agreed, an Ombudsman's compliance date): a clock
    due on that date, which no deferral pauses and no end of the case cancels, since the
    commitment outlives the complaint."""
    days = (due - on).days
    rule = Deadline.model_construct(
        stage=0,
        description=f"{name}, due on the date {'agreed' if kind == 'remedy' else 'the Ombudsman set'}.",
        length=max(days, 1),
        unit="calendar_days",
        kind=kind,
        starts=(),
        met_by=(),
        applies_from=on,
        source=source,
    )
    return Clock(name, rule, calendar, on, days, _countable(calendar, due), on)


def restart(clock: Clock, starts: date) -> Clock:
    """A provisional clock started again from its own start event, keeping any extension."""
    fresh = start_clock(clock.name, clock.rule, clock.calendar, starts)
    return extend(fresh, total=clock.length, until=None) if clock.length > fresh.length else fresh


def later_of(clock: Clock, other: Clock | None) -> Clock:
    """The clock, due no earlier than `other` is (the later of two periods)."""
    if other is None or other.due is None or clock.due is None or other.due <= clock.due:
        return clock
    return _with(clock, _DUE, other.due)


def _due(clock: Clock, length: int) -> date:
    return clock.calendar.add_working_days(clock.anchor, length - clock.used)


def extended_length(clock: Clock, *, total: int | None, until: date | None) -> int:
    """The total length in working days that an extension asks for."""
    if until is not None:
        return clock.used + clock.calendar.working_days_between(clock.anchor, until)
    assert total is not None
    return total


def extend(clock: Clock, *, total: int | None, until: date | None) -> Clock:
    """The clock with a new total length, or a new due date; the caller checks the cap.

    A deadline in calendar units is extended to a date only (`until`), and keeps its length.
    """
    if not clock.in_working_days:
        assert until is not None
        return _with(clock, _DUE, _countable(clock.calendar, until))
    length = extended_length(clock, total=total, until=until)
    longer = _with(clock, _LENGTH, length)
    if clock.paused_on is not None:
        return longer
    return _with(longer, _DUE, until if until is not None else _due(clock, length))


def pause(clock: Clock, on: date) -> Clock:
    """Stop a running working-day clock on `on` (deferral, or mediation where policy says so)."""
    if not clock.running or not clock.in_working_days or clock.paused_on is not None:
        return clock
    return _with(_with(clock, _PAUSED_ON, on), _DUE, None)


def resume(clock: Clock, on: date) -> Clock:
    """Restart a paused clock on `on` with the working days it had left at the end of the pause."""
    if clock.paused_on is None:
        return clock
    used = clock.used + clock.calendar.working_days_between(clock.anchor, clock.paused_on)
    due = clock.calendar.add_working_days(on, clock.length - used)  # `_due` of the restarted clock
    return clock._replace(anchor=on, used=used, paused_on=None, due=due)


def meet(clock: Clock, on: date) -> Clock:
    """Record that the clock was met on `on`."""
    return _with(clock, _MET_ON, on) if clock.running else clock


def end(clock: Clock, how: Literal["lapsed", "cancelled"]) -> Clock:
    """Close a running clock without it being met."""
    return _with(clock, _ENDED, how) if clock.running else clock


_MET_ON, _ENDED, _DUE, _LENGTH, _PAUSED_ON = (
    Clock._fields.index(name) for name in ("met_on", "ended", "due", "length", "paused_on")
)


def _with(clock: Clock, index: int, value: object) -> Clock:
    """The clock with one field changed: `_replace` by position, for the changes cases make often
    (a fifth of the time of `_replace`, which takes keywords)."""
    return tuple.__new__(Clock, (*clock[:index], value, *clock[index + 1 :]))
