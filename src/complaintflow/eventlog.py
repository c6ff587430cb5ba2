"""Event logs: JSON Lines files of events for many cases, replayed into cases.

Errors name the file and line at fault; a log is replayed whole or not at all.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from pathlib import Path
from typing import IO, TypeVar

from complaintflow._bulk import collector_paused
from complaintflow.calendar import WorkingDayCalendar
from complaintflow.case import Case, require_known_date
from complaintflow.errors import ComplaintflowError, InvalidEvent, LateEntryWithoutEvents
from complaintflow.events import EventBase, parse_event
from complaintflow.files import bounded_lines, open_regular
from complaintflow.procedure import Procedure

T = TypeVar("T")


class EventLogError(ComplaintflowError):
    """An event in a log that could not be read or applied, located by file and line."""

    def __init__(self, source: str, line: int, error: ComplaintflowError) -> None:
        self.source = source
        self.line = line
        self.error = error
        super().__init__(f"{source}, line {line}: {error}")


def read_events(
    path: str | Path,
    *,
    progress: Callable[[int], None] | None = None,
    keep: Callable[[bytes], bool] | None = None,
) -> Iterator[tuple[int, EventBase]]:
    """Each event of a JSON Lines file with its line number; blank lines are skipped.

    `progress`, if given, is called now and then with the number of bytes read so far; `keep`, if
    given, chooses the lines to read (the others are skipped unread).
    """
    done = 0
    with _open(path) as handle:
        for number, line in enumerate(bounded_lines(handle), start=1):
            done += len(line)
            if progress is not None and number % 10_000 == 0:
                progress(done)
            if line.strip() and (keep is None or keep(line)):
                try:
                    yield number, parse_event(line)
                except InvalidEvent as error:
                    raise EventLogError(str(path), number, error) from None
    if progress is not None:
        progress(done)


def _open(path: str | Path) -> AbstractContextManager[IO[bytes]]:
    """The file (a regular file only), or standard input for '-'."""
    if str(path) == "-":
        return nullcontext(sys.stdin.buffer)
    return open_regular(path)


def replay_cases(
    events: Iterable[object | tuple[int, object]],
    *,
    source: str = "events",
    procedures: Mapping[str, Procedure] | None = None,
    until: date | None = None,
    keep_events: bool = True,
    observe: Callable[[EventBase], None] | None = None,
    calendar: WorkingDayCalendar | None = None,
    settle: Callable[[str, Case], None] | None = None,
) -> dict[str, Case]:
    """Every case in a log, by case reference, in the order each first appears.

    Events may be models, dicts or JSON text, alone or as (line, event) pairs. With `until`, only
    the events on or before that date: the log as it stood on that day. `observe` is called with
    each event a case applies (not with one sent again); `keep_events` and `calendar` are passed to
    every case. With `keep_events=False`, `settle` is called with a case that has ended where no
    later event can change its clocks, which are then let go (its view lists no deadlines): a report
    reads them there, so that memory holds little more than its record for each closed case.
    """
    if settle is not None and keep_events:
        raise ValueError("settle lets go of clocks, and needs keep_events=False")
    cases: dict[str, Case] = {}
    owners: dict[str, str] = {}  # event_id -> the case that used it first
    with collector_paused():
        for position, item in enumerate(events, start=1):
            line, raw = item if type(item) is tuple else (position, item)
            try:
                event = parse_event(raw)
                if until is not None and event.on > until:
                    require_known_date(event)  # a later event is skipped, but not a typo
                    continue
                if event.event_id is not None:
                    owner = owners.setdefault(event.event_id, event.case_id)
                    if owner != event.case_id:
                        raise InvalidEvent("already used by an event of another case", field="event_id")
                case = cases.get(event.case_id)
                if case is None:
                    case = cases[event.case_id] = Case(
                        procedures=procedures, keep_events=keep_events, calendar=calendar
                    )
                    # Nobody sees the cases before they are returned, and a refusal drops them
                    # all: each applies its events in place, without a copy or the lock.
                    case._mutable = True
                if case._apply(event):
                    if observe is not None:
                        observe(event)
                    if settle is not None and case._settled():
                        settle(event.case_id, case)
                        case._forget_clocks()
            except EventLogError:
                raise
            except ComplaintflowError as error:
                raise EventLogError(source, line, error) from None
    for case in cases.values():  # from here on, each event is applied whole or not at all
        case._mutable = False
    return cases


def keeping_events_if_late(replay: Callable[[bool], T], *, can_read_again: bool = True) -> T:
    """`replay(False)`, replaying with cases that keep no events; where one of them met an event
    entered late, which it cannot place without its earlier events, and the log `can_read_again`,
    `replay(True)`: the log read again with every case keeping its events, so each late entry is
    placed as `Case.apply` places it."""
    if not can_read_again:
        return replay(False)
    try:
        return replay(False)
    except EventLogError as error:
        if not isinstance(error.error, LateEntryWithoutEvents):
            raise
    return replay(True)


def load_cases(
    path: str | Path,
    *,
    procedures: Mapping[str, Procedure] | None = None,
    until: date | None = None,
    keep_events: bool = True,
    progress: Callable[[int], None] | None = None,
    calendar: WorkingDayCalendar | None = None,
) -> dict[str, Case]:
    """Every case in a JSON Lines file (with `until`, as the log stood on that day).

    With `keep_events=False` the cases keep what follows from their events, not the events: memory
    then grows with the number of cases, not the size of the file. A file with an event entered late
    (dated before an earlier line of its case) is then read a second time, keeping the events, so it
    gives the cases that `keep_events=True` gives; standard input cannot be read twice, and there
    such an event is refused.
    """

    def replay(keep: bool) -> dict[str, Case]:
        return replay_cases(
            read_events(path, progress=progress),
            source=str(path),
            procedures=procedures,
            until=until,
            keep_events=keep,
            calendar=calendar,
        )

    if keep_events:
        return replay(True)
    return keeping_events_if_late(replay, can_read_again=str(path) != "-")
