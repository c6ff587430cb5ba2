"""Reading a large log in several processes, each replaying a share of the cases: for the
children's report's counts, for the records of the other reports, and for the daily list.

Every line of the log goes to exactly one worker, chosen by its case reference, so each case is
replayed whole, in order, by one process. Each worker reads the file itself, skips the lines of
other workers' cases unread, and sends back the tally of its cases (`Tally`: counts that add up,
each case placed by the line it began on), or the records of its cases with the line each began on
(the records are put back in that order, so the report is the same whatever the number of workers),
or the deadlines of its cases due soon or overdue (sorted together as one process sorts them).

Errors are the same too. A worker stops at its first refused line, as one process would; every
error depends only on its line and its case's earlier lines, so the first refused line of the
whole log is the earliest of the workers' first errors. The one check across cases, that an
`event_id` is not used by two cases, is made here over the identifiers the workers saw. A line
whose case reference is written with escapes, so that its raw bytes would send it elsewhere, makes
the whole log be read again in one process; so does a host's upcaster, which a worker, starting
afresh, would not have. The procedures a host registered are given to the workers.
"""

from __future__ import annotations

import ctypes
import os
import re
import signal
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from complaintflow._bulk import collector_paused
from complaintflow.calendar import WorkingDayCalendar
from complaintflow.errors import InvalidEvent
from complaintflow.eventlog import EventLogError, keeping_events_if_late, read_events, replay_cases
from complaintflow.events import EventBase, upcasters_registered
from complaintflow.procedure import Procedure, built_in_names, registered_names, registered_procedure
from complaintflow.reminders import Reminder, due_within, reminder_order
from complaintflow.report.records import CaseRecord
from complaintflow.report.tables import Tally

#: The first "case_id" key of a JSON line and its string value, as raw bytes.
_CASE_ID = re.compile(rb'"case_id"\s*:\s*"((?:[^"\\]|\\.)*)"')

#: Below this size a log is read in one process: starting workers costs more than it saves
#: (docs/performance.md).
PARALLEL_FROM_BYTES = 40_000_000


class _Misrouted(Exception):
    """A line whose raw case reference is not the one it holds: read the log in one process."""


@dataclass
class _Share:
    """What a worker sends back: what its task made of its cases, the line each of its cases began
    on (in the order they began), the event ids it saw with their case and line, and its first
    refused line, if any."""

    found: Any
    first_lines: list[int]
    ids: dict[str, tuple[str, int]]
    error: EventLogError | None = None


@dataclass(frozen=True)
class _Options:
    """What every worker is given: the log, the procedures its cases may name, the host's calendar."""

    source: str
    procedures: Mapping[str, Procedure] | None
    calendar: WorkingDayCalendar | None


@dataclass(frozen=True)
class _Report:
    """A worker's task for the reports: the tallies of the children's report by procedure, or
    with `records`, each case's record (for the reports of other kinds)."""

    records: bool = False

    def __call__(
        self,
        events: Iterator[tuple[int, EventBase]],
        keep: bool,
        options: _Options,
        first_lines: dict[str, int],
    ) -> list[CaseRecord] | dict[str | None, Tally]:
        from complaintflow.report import replayed_records, replayed_tallies

        procedures, source, calendar = options.procedures, options.source, options.calendar
        if self.records:
            return replayed_records(events, keep, procedures=procedures, source=source, calendar=calendar)
        return replayed_tallies(
            events, keep, procedures=procedures, source=source, calendar=calendar, first_lines=first_lines
        )


@dataclass(frozen=True)
class _Reminders:
    """A worker's task for the daily list: the deadlines of its cases due soon or overdue."""

    as_of: date
    within: int

    def __call__(
        self,
        events: Iterator[tuple[int, EventBase]],
        keep: bool,
        options: _Options,
        first_lines: dict[str, int],
    ) -> list[Any]:
        cases = replay_cases(
            events,
            source=options.source,
            procedures=options.procedures,
            until=self.as_of,
            keep_events=keep,
            calendar=options.calendar,
        )
        return due_within(cases.values(), as_of=self.as_of, within=self.within)


def _worker_of(case_id: bytes, jobs: int) -> int:
    return zlib.crc32(case_id) % jobs


def _raw_case_id(line: bytes) -> bytes | None:
    """The raw bytes of a line's first case reference. Lines as `json.dumps` writes them are read
    with two searches for plain bytes, a third of the time of the pattern, which reads the rest."""
    key = line.find(b'"case_id"')
    if key >= 0 and line[key + 9 : key + 12] == b': "':
        end = line.find(b'"', key + 12)
        if end >= 0 and b"\\" not in line[key + 12 : end]:
            return line[key + 12 : end]
    found = _CASE_ID.search(line)
    return found.group(1) if found else None


def _mine(share: int, jobs: int) -> Callable[[bytes], bool]:
    def keep(line: bytes) -> bool:
        case_id = _raw_case_id(line)
        # A line with no case reference is malformed: worker 0 reads it and reports it.
        return (_worker_of(case_id, jobs) if case_id is not None else 0) == share

    return keep


def _replay_share(share: int, jobs: int, task: _Report | _Reminders, options: _Options) -> _Share:
    """One worker's share of the log, replayed, and what its task makes of it."""
    first_line: dict[str, int] = {}
    ids: dict[str, tuple[str, int]] = {}

    def noted(events: Iterator[tuple[int, EventBase]]) -> Iterator[tuple[int, EventBase]]:
        for line, event in events:
            if _worker_of(event.case_id.encode(), jobs) != share:
                raise _Misrouted
            first_line.setdefault(event.case_id, line)
            if event.event_id is not None:
                ids.setdefault(event.event_id, (event.case_id, line))
            yield line, event

    def replay(keep: bool) -> Any:
        first_line.clear()
        ids.clear()
        return task(noted(read_events(options.source, keep=_mine(share, jobs))), keep, options, first_line)

    try:  # a share with an event entered late is read again, keeping the events, as in one process
        found = keeping_events_if_late(replay)
    except EventLogError as error:
        return _Share([], [], ids, error)
    return _Share(found, list(first_line.values()), ids, None)


def _in_parallel(
    path: str | Path,
    jobs: int,
    task: _Report | _Reminders,
    procedures: Mapping[str, Procedure] | None,
    calendar: WorkingDayCalendar | None,
) -> list[_Share] | None:
    """Every worker's share; None where the log must be read in one process after all. Raises the
    error one process would raise."""
    if upcasters_registered():  # a host's upcasters are functions a fresh interpreter lacks
        return None
    context = get_context("spawn")  # a fresh interpreter: safe beside a host's threads
    procedures = {**_host_registered(), **(procedures or {})}  # a fresh interpreter has no registry
    options = _Options(str(path), procedures, calendar)
    # Unpickling the records makes millions of objects: with the collector running, that alone
    # took five times as long.
    with collector_paused(), worker_pool(jobs, context) as pool:
        futures = [pool.submit(_replay_share, share, jobs, task, options) for share in range(jobs)]
        try:
            shares = [future.result() for future in futures]
        except (_Misrouted, BrokenProcessPool):  # or workers that could not start: one process
            return None
    errors = [share.error for share in shares if share.error is not None]
    conflict = _reused_id(shares, str(path))
    if conflict is not None:
        errors.append(conflict)
    if errors:
        raise min(errors, key=lambda error: error.line)
    return shares


def records_in_parallel(
    path: str | Path,
    jobs: int,
    *,
    procedures: Mapping[str, Procedure] | None = None,
    calendar: WorkingDayCalendar | None = None,
) -> list[CaseRecord] | None:
    """Every case's record, replayed by `jobs` worker processes, in the order the cases first appear;
    None where the log must be read in one process after all (a case reference written with escapes).
    Raises the error one process would raise."""
    shares = _in_parallel(path, jobs, _Report(records=True), procedures, calendar)
    if shares is None:
        return None
    placed = sorted(
        (item for share in shares for item in zip(share.first_lines, share.found, strict=True)),
        key=lambda item: item[0],
    )
    return [record for _, record in placed]


def tallies_in_parallel(
    path: str | Path,
    jobs: int,
    *,
    procedures: Mapping[str, Procedure] | None = None,
    calendar: WorkingDayCalendar | None = None,
) -> dict[str | None, Tally] | None:
    """The tallies of the children's report by procedure (`replayed_tallies`), each worker counting
    its cases and the tallies merged here; None where the log must be read in one process after
    all. Raises the error one process would raise."""
    shares = _in_parallel(path, jobs, _Report(), procedures, calendar)
    if shares is None:
        return None
    merged: dict[str | None, Tally] = {}
    for share in shares:
        for name, tally in share.found.items():
            if name in merged:
                merged[name].merge(tally)
            else:
                merged[name] = tally
    return merged


def reminders_in_parallel(
    path: str | Path,
    jobs: int,
    *,
    as_of: date,
    within: int,
    procedures: Mapping[str, Procedure] | None = None,
    calendar: WorkingDayCalendar | None = None,
) -> list[Reminder] | None:
    """The daily list of the log as it stood on `as_of` (as `due_within` gives it), its cases
    replayed by `jobs` worker processes; None where the log must be read in one process after all."""
    shares = _in_parallel(path, jobs, _Reminders(as_of, within), procedures, calendar)
    if shares is None:
        return None
    return sorted((item for share in shares for item in share.found), key=reminder_order)


def _host_registered() -> dict[str, Procedure]:
    """The procedures this process's host registered, which a worker must be given."""
    built_in = set(built_in_names())
    return {name: registered_procedure(name) for name in registered_names() if name not in built_in}


def _reused_id(shares: list[_Share], source: str) -> EventLogError | None:
    """The first line that uses an event id another case used earlier, across the workers."""
    owners: dict[str, tuple[str, int]] = {}
    clashes: list[int] = []
    for share in shares:
        for event_id, (case_id, line) in share.ids.items():
            known = owners.get(event_id)
            if known is None:
                owners[event_id] = (case_id, line)
            elif known[0] != case_id:
                clashes.append(max(line, known[1]))
                if line < known[1]:
                    owners[event_id] = (case_id, line)
    if not clashes:
        return None
    error = InvalidEvent("already used by an event of another case", field="event_id")
    return EventLogError(source, min(clashes), error)


def jobs_for(path: str | Path, jobs: int | None) -> int:
    """The workers to use: as asked, but never more than the cores this process may use, else one
    per core for a log of at least `PARALLEL_FROM_BYTES`, else one (and always one for standard
    input): more workers than cores only share the cores, each reading the whole log."""
    if jobs is not None:
        return max(1, min(jobs, usable_cores()))
    if str(path) == "-" or not Path(path).is_file() or Path(path).stat().st_size < PARALLEL_FROM_BYTES:
        return 1
    return usable_cores()


def usable_cores() -> int:
    """The cores this process may run on (fewer than the machine's where it is confined to some)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def worker_pool(jobs: int, context: Any = None) -> ProcessPoolExecutor:
    """`jobs` worker processes in fresh interpreters, each ending as soon as the process that
    started them does, however it ends (even killed), rather than reading on for nobody."""
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=context or get_context("spawn"),
        initializer=_tied_to_parent,
        initargs=(os.getpid(),),
    )


def _tied_to_parent(parent: int) -> None:
    """Ask Linux to kill this worker when its parent dies; elsewhere, watch for it."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    else:  # pragma: no cover - other systems
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def _watch_parent(parent: int) -> None:  # pragma: no cover - other systems
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


#: prctl's option for the signal a process gets when its parent dies (linux/prctl.h).
_PR_SET_PDEATHSIG = 1
