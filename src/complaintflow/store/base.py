"""The record: events kept for good, appended atomically, with projections for fast reads.

`EventStore` holds every rule a store keeps, once; a back end (SQLite, PostgreSQL, or a council's
own) supplies only connections and the SQL types of its dialect. An append checks each event against
the case by the same rules as `Case.apply` before anything is written, and writes the events, the
case's version and its projections in one transaction: all of it, or none.
"""

from __future__ import annotations

import copy
import logging
import threading
import uuid
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from complaintflow.calendar import WorkingDayCalendar
from complaintflow.case import Case
from complaintflow.dates import london_today, require_date, require_whole_number
from complaintflow.errors import (
    ComplaintflowError,
    ConcurrencyError,
    EventConflict,
    InvalidEvent,
    StoreError,
    UnknownCase,
    printable,
)
from complaintflow.events import EventBase, event_to_json, parse_event
from complaintflow.procedure import Procedure, Retention
from complaintflow.reminders import Reminder, due_within
from complaintflow.report.forms import Report
from complaintflow.report.model import AnnualReport
from complaintflow.report.publications import Publication
from complaintflow.report.records import CaseRecord
from complaintflow.report.tables import ReportSettings, build_report
from complaintflow.store.freezing import (
    Frozen,
    counted_as_frozen,
    freeze,
    frozen,
    insert_publication,
    reported_names,
)
from complaintflow.store.grouping import GroupCommit
from complaintflow.store.imports import CHUNK_LINES, ImportSummary, import_events
from complaintflow.store.projections import (
    CaseRow,
    DeadlineRow,
    in_date_order,
    noted,
    project,
    read_record,
)
from complaintflow.store.purging import check_tombstones, checked_by, erase, purge, refuse_purged, tombstones
from complaintflow.store.redaction import checked_fields, redact
from complaintflow.store.retention import PurgeSummary, Tombstone
from complaintflow.store.subject_access import SubjectAccess, subject_access

log = logging.getLogger("complaintflow.store")

#: The layout of the tables; a store written by a later layout is refused rather than misread.
STORE_SCHEMA_VERSION = 1
#: Events in one append: a case's whole history fits many times over.
MAX_EVENTS_PER_APPEND = 1_000
#: Events entered late in one append: each replays its case, so a long case makes each one costly.
MAX_LATE_ENTRIES_PER_APPEND = 10
#: Feed positions are 64-bit signed integers in both databases.
MAX_POSITION = 2**63
#: Cases kept replayed in memory, so that appending to a case just written needs no replay.
CACHED_CASES = 2_048
#: Event ids looked up in one query.
LOOKUP_BATCH = 500


class _Prepared(NamedTuple):
    """A batch checked before the write lock: the version it was checked at, the case as stored
    then and with the batch applied, the events new to it (`EventStore._accepted`), or why the batch
    was refused."""

    version: int
    stored: Case
    case: Case
    accepted: list[tuple[EventBase, bool]]
    refusal: ComplaintflowError | None


class Cursor(Protocol):
    """What a store needs of a database cursor (the DB-API's)."""

    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...

    def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class EventStore(ABC):
    """An event store: `append`, `load`, `events`, `feed`, `cases`, `due` and `report`."""

    #: The parameter mark of the dialect: "?" (SQLite) or "%s" (PostgreSQL).
    mark = "?"

    def __init__(
        self,
        *,
        procedures: Mapping[str, Procedure] | None = None,
        calendar: WorkingDayCalendar | None = None,
    ) -> None:
        self.procedures = procedures
        self.calendar = calendar
        # case -> (version, the case replayed to it, the report's record of it if known)
        self._cache: OrderedDict[str, tuple[int, Case, CaseRecord | None]] = OrderedDict()
        self._cache_lock = threading.Lock()
        #: Appends from this process's threads, committed together (see `store.grouping`).
        self._group: GroupCommit[int] = GroupCommit(self._writing, self._failed)
        #: Retention rules the council sets when it opens the store, by procedure name ("*": every
        #: other record); they win over the definitions' own.
        self.retention: dict[str, Retention] = {}

    # -- what a back end supplies ----------------------------------------------------------------

    @property
    @abstractmethod
    def name(self) -> str:
        """The store as errors name it: a path, or a DSN without its password."""

    @abstractmethod
    def _writing(self) -> AbstractContextManager[Cursor]:
        """A transaction in which appends are serialised, committed on leaving, else rolled back."""

    @abstractmethod
    def _reading(self) -> AbstractContextManager[Cursor]:
        """A consistent read."""

    def _failed(self, error: Exception) -> Exception:
        """The store's error for what the database raised during an append (its own as it is)."""
        return error

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _layout_marked(self, db: Cursor) -> bool:
        """Whether the store's layout is recorded; a store laid out by a later release, or with a
        mark that is not one, is refused."""
        db.execute("SELECT value FROM complaintflow_meta WHERE key = 'schema_version'")
        found = db.fetchone()
        check_schema_version(found[0] if found else None, self.name)
        return found is not None

    def _mark_layout(self, db: Cursor) -> None:
        """Record the layout of a new store; refuse one laid out by a later release."""
        if not self._layout_marked(db):
            db.execute(
                self._sql("INSERT INTO complaintflow_meta (key, value) VALUES ('schema_version', ?)"),
                (str(STORE_SCHEMA_VERSION),),
            )

    def _sql(self, statement: str) -> str:
        return statement if self.mark == "?" else statement.replace("?", self.mark)

    # -- appending -------------------------------------------------------------------------------

    def append(
        self,
        case_id: str,
        events: Iterable[object],
        expected_version: int | None = None,
        *,
        recorded_by: str | None = None,
    ) -> int:
        """Record events of one case, all or none, and return the case's new version.

        Each event is checked against the case first. A stale `expected_version` raises
        `ConcurrencyError`. An append whose events are all stored already, with the same content, is
        a retry: it succeeds, whatever `expected_version`, and returns the case's version. One that
        mixes stored and new events is refused, and an `event_id` stored with other content is a
        conflict. An event without an `event_id` is given one. An event dated before events already
        stored follows the rule for late entry.
        """
        batch = self._parse(case_id, events)
        if expected_version is not None:
            expected_version = require_whole_number(expected_version, "expected_version")
        prepared = self._prepare(case_id, batch)
        return self._commit_append(case_id, batch, expected_version, prepared, recorded_by)

    def _commit_append(
        self,
        case_id: str,
        batch: list[EventBase],
        expected_version: int | None,
        prepared: _Prepared,
        recorded_by: str | None,
    ) -> int:
        """Write a checked append, in a transaction it shares with the appends of other threads
        made at the same moment (`GroupCommit`); its new version once that has committed."""
        return self._group.run(
            lambda db: self._append_in(db, case_id, batch, expected_version, prepared, recorded_by)
        )

    def _append_in(
        self,
        db: Cursor,
        case_id: str,
        batch: list[EventBase],
        expected_version: int | None,
        prepared: _Prepared,
        recorded_by: str | None,
    ) -> Callable[[], int]:
        """The append's writes, in a transaction it may share with other appends (`GroupCommit`);
        what to do once that has committed: keep the case in memory, and say its new version."""
        version = self._stored_version(db, case_id)
        stored = self._stored_already(db, case_id, batch)
        if stored and len(stored) == len(batch):
            return lambda: version  # sent again after a timeout: the first one was stored
        if stored:
            raise InvalidEvent(
                f"{len(stored)} of these {len(batch)} events are stored already (such as "
                f"{sorted(stored)[0]}): send only the new ones",
                field="event_id",
            )
        if expected_version is not None and expected_version != version:
            raise ConcurrencyError(case_id, expected_version, version)
        if prepared.version == version:  # checked at this version: nothing to replay here
            if prepared.refusal is not None:
                raise prepared.refusal
            stored_case, case, accepted = prepared.stored, prepared.case, prepared.accepted
        else:  # another append to the case came first: the batch is checked again, here
            version, stored_case = self._current(db, case_id)
            case = copy.copy(stored_case)
            accepted = self._accepted(case, batch)
        return self._written(db, case_id, version, stored_case, case, accepted, recorded_by)

    def _written(
        self,
        db: Cursor,
        case_id: str,
        version: int,
        stored_case: Case,
        case: Case,
        accepted: list[tuple[EventBase, bool]],
        recorded_by: str | None,
    ) -> Callable[[], int]:
        """Write the events the case accepted, at `version`, with its projections; what to do once
        the transaction has committed."""
        fresh = [event for event, _ in accepted]
        record = self._take_record(case_id, version)
        for event, in_order in accepted:
            record = noted(record, event, in_order)
        if fresh:
            self._write(db, case, version, fresh, recorded_by, record, stored_case)
            version += len(fresh)

        def committed() -> int:
            self._remember(case_id, version, case, record)
            return version

        return committed

    def _prepare(self, case_id: str, batch: list[EventBase]) -> _Prepared:
        """The batch checked against the case as it stands, before the write lock is taken: an event
        entered late replays its case, which other appends need not wait for. The append uses the
        result if the case is still at that version when it holds the lock."""
        with self._reading() as db:
            version, stored = self._current(db, case_id)
        case = copy.copy(stored)
        try:
            return _Prepared(version, stored, case, self._accepted(case, batch), None)
        except ComplaintflowError as refusal:
            return _Prepared(version, stored, case, [], refusal)

    def _accepted(self, case: Case, batch: list[EventBase]) -> list[tuple[EventBase, bool]]:
        """The events of the batch the case did not have, applied to it, each with whether it came
        in date order (`in_date_order`, for the case's record); at most
        `MAX_LATE_ENTRIES_PER_APPEND` of them dated before the case's latest event."""
        fresh, late = [], 0
        for event in batch:
            last = case.last_event_on
            if last is not None and event.on < last:
                late += 1
                if late > MAX_LATE_ENTRIES_PER_APPEND:
                    raise InvalidEvent(
                        f"at most {MAX_LATE_ENTRIES_PER_APPEND} events entered late (dated before the "
                        "case's latest event) in one append; send the others in later appends",
                        field="on",
                    )
            in_order = in_date_order(case, event)
            if case.apply(event):
                fresh.append((event, in_order))
        return fresh

    def _stored_version(self, db: Cursor, case_id: str) -> int:
        db.execute(self._sql("SELECT version FROM complaintflow_cases WHERE case_id = ?"), (case_id,))
        found = db.fetchone()
        return int(found[0]) if found is not None else 0

    def _parse(self, case_id: str, events: Iterable[object]) -> list[EventBase]:
        batch = []
        for number, raw in enumerate(events, start=1):
            if number > MAX_EVENTS_PER_APPEND:
                raise InvalidEvent(f"at most {MAX_EVENTS_PER_APPEND:,} events in one append")
            event = parse_event(raw)
            if event.case_id != case_id:
                raise InvalidEvent("belongs to another case than the one appended to", field="case_id")
            if event.event_id is None:
                event = event.model_copy(update={"event_id": uuid.uuid4().hex})
            batch.append(event)
        return batch

    def _stored_already(self, db: Cursor, case_id: str, batch: list[EventBase]) -> set[str]:
        """The ids of the batch stored already with the same content; a conflict raises."""
        found = self._stored_bodies(db, [event.event_id for event in batch if event.event_id])
        stored = set()
        for event in batch:
            assert event.event_id is not None
            if event.event_id in found:
                owner, body = found[event.event_id]
                if owner != case_id:
                    raise EventConflict(event.event_id, other_case=True)
                if parse_event(body) != event:
                    raise EventConflict(event.event_id)
                stored.add(event.event_id)
        return stored

    def _stored_bodies(self, db: Cursor, event_ids: list[str]) -> dict[str, tuple[str, str]]:
        """The case and body of each of these ids stored already, looked up many at a time."""
        found: dict[str, tuple[str, str]] = {}
        for start in range(0, len(event_ids), LOOKUP_BATCH):
            batch = event_ids[start : start + LOOKUP_BATCH]
            marks = ", ".join([self.mark] * len(batch))
            db.execute(
                f"SELECT event_id, case_id, body FROM complaintflow_events WHERE event_id IN ({marks})", batch
            )
            found.update((event_id, (case_id, body)) for event_id, case_id, body in db.fetchall())
        return found

    def _write(
        self,
        db: Cursor,
        case: Case,
        version: int,
        fresh: list[EventBase],
        recorded_by: str | None,
        record: CaseRecord | None,
        stored: Case,
    ) -> None:
        """Insert the new events and update the case's projections; `stored` is the case as it
        stood before them."""
        if version == 0:
            refuse_purged(self, db, case.case_id or "")
        self._insert_events(
            db,
            [
                (
                    case.case_id,
                    version + offset,
                    event.event_id,
                    event.type,
                    event.on.isoformat(),
                    event_to_json(event),
                    recorded_by,
                )
                for offset, event in enumerate(fresh, start=1)
            ],
        )
        self._project(db, case, version + len(fresh), record, stored)

    def _insert_events(self, db: Cursor, rows: list[tuple[Any, ...]]) -> None:
        """Insert event rows (case, version, id, type, date, body, recorded by); each is given the
        next feed position."""
        db.executemany(
            self._sql(
                "INSERT INTO complaintflow_events (case_id, version, event_id, type, on_date, body, "
                "recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?)"
            ),
            rows,
        )

    def _project(self, db: Cursor, case: Case, version: int, record: CaseRecord | None, stored: Case) -> None:
        """Write the case's projections: its row, with the report's record (`record`, finished
        here, where the caller kept it up as the case's events came), its owners and its open
        deadlines. `stored` is the case as its rows stand (one with no events: no rows), so that a
        new case deletes nothing and owners that did not change are not written again."""
        row, deadlines = project(case, version, record)
        had_rows = stored.case_id is not None
        db.execute(
            self._sql(
                "INSERT INTO complaintflow_cases (case_id, version, procedure, state, open, first_on, "
                "last_on, service_area, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (case_id) DO UPDATE SET version = excluded.version, "
                "procedure = excluded.procedure, state = excluded.state, open = excluded.open, "
                "first_on = excluded.first_on, last_on = excluded.last_on, "
                "service_area = excluded.service_area, record = excluded.record"
            ),
            (
                row.case_id,
                row.version,
                row.procedure,
                row.state,
                int(row.open),
                row.first_on,
                row.last_on,
                row.service_area,
                row.record,
            ),
        )
        officer, team = case.owner
        if case.owner != stored.owner:
            if officer is None and team is None:
                db.execute(self._sql("DELETE FROM complaintflow_owners WHERE case_id = ?"), (row.case_id,))
            else:
                db.execute(
                    self._sql(
                        "INSERT INTO complaintflow_owners (case_id, officer, team) VALUES (?, ?, ?) "
                        "ON CONFLICT (case_id) DO UPDATE SET officer = excluded.officer, team = excluded.team"
                    ),
                    (row.case_id, officer, team),
                )
        if had_rows:
            db.execute(self._sql("DELETE FROM complaintflow_deadlines WHERE case_id = ?"), (row.case_id,))
        if deadlines:
            db.executemany(
                self._sql(
                    "INSERT INTO complaintflow_deadlines (case_id, name, kind, stage, due, calendar) "
                    "VALUES (?, ?, ?, ?, ?, ?)"
                ),
                [(row.case_id, d.name, d.kind, d.stage, d.due, d.calendar) for d in deadlines],
            )

    # -- reading cases ---------------------------------------------------------------------------

    def _current(self, db: Cursor, case_id: str) -> tuple[int, Case]:
        """The case's stored version and the case replayed to it (from memory when it is there)."""
        version = self._stored_version(db, case_id)
        with self._cache_lock:
            cached = self._cache.get(case_id)
        if cached is not None and cached[0] == version:
            return version, cached[1]
        case = Case(procedures=self.procedures, calendar=self.calendar)
        if version:
            db.execute(
                self._sql("SELECT body FROM complaintflow_events WHERE case_id = ? ORDER BY version"),
                (case_id,),
            )
            for (body,) in db.fetchall():
                case.apply(body)
        return version, case

    def _remember(self, case_id: str, version: int, case: Case, record: CaseRecord | None = None) -> None:
        """Keep the case at `version` in memory, with the report's record of it if known (one kept
        already at the same version stays)."""
        with self._cache_lock:
            cached = self._cache.get(case_id)
            if record is None and cached is not None and cached[0] == version:
                record = cached[2]
            self._cache[case_id] = (version, case, record)
            self._cache.move_to_end(case_id)
            while len(self._cache) > CACHED_CASES:
                self._cache.popitem(last=False)

    def _take_record(self, case_id: str, version: int) -> CaseRecord | None:
        """The report's record of the case at `version`, to note new events in: a new one for a new
        case, the one kept in memory if it is at that version, else None (the projection then makes
        it from the case's events). It is taken out of memory, so that a write that fails leaves no
        record behind with events noted that were never stored."""
        if not version:
            return CaseRecord()
        with self._cache_lock:
            cached = self._cache.get(case_id)
            if cached is None or cached[0] != version or cached[2] is None:
                return None
            self._cache[case_id] = (version, cached[1], None)
            return cached[2]

    def _forget(self, case_ids: Collection[str]) -> None:
        with self._cache_lock:
            for case_id in case_ids:
                self._cache.pop(case_id, None)

    def version(self, case_id: str) -> int:
        """The number of events stored for the case (0 for a case not yet seen)."""
        with self._reading() as db:
            return self._stored_version(db, case_id)

    def load(self, case_id: str) -> Case:
        """The case, replayed from its stored events (older schema versions are upcast)."""
        with self._reading() as db:
            version, case = self._current(db, case_id)
        if version == 0:
            raise UnknownCase("no events are stored for this case")
        self._remember(case_id, version, case)
        return copy.copy(case)

    def events(self, case_id: str) -> tuple[EventBase, ...]:
        """The case's events, in the order the case applies them (date order)."""
        return self.load(case_id).events

    def feed(self, after: int = 0, limit: int = 1_000) -> list[tuple[int, EventBase]]:
        """Stored events after position `after`, at most `limit`, in one global order.

        A subscriber that resumes from the last position it saw never skips an event and never sees
        one twice: positions are given in the order transactions commit (see docs/stores.md).
        """
        after = require_whole_number(after, "after")
        limit = require_whole_number(limit, "limit")
        if not 0 <= after < MAX_POSITION or not 1 <= limit <= 10_000:
            raise StoreError("feed takes a position from 0 to 2**63 - 1 and a limit from 1 to 10,000")
        page: list[tuple[int, EventBase]] = []
        for position, case_id, event in self._stored_events(after, limit):
            if isinstance(event, ComplaintflowError):
                _unreadable(position, case_id, event)
            else:
                page.append((position, event))
        return page

    def _stored_events(
        self, after: int, readable: int
    ) -> Iterator[tuple[int, str, EventBase | ComplaintflowError]]:
        """Stored events after a position, with what refused any row that cannot be read, until
        `readable` events have been read or none is left: a row that cannot be read is passed over
        rather than holding up every later one."""
        while readable > 0:
            with self._reading() as db:
                bound = self._feed_bound(db)
                below = "" if bound is None else f" AND position < {int(bound)}"
                db.execute(
                    self._sql(
                        "SELECT position, case_id, body FROM complaintflow_events "
                        f"WHERE position > ?{below} ORDER BY position LIMIT ?"
                    ),
                    (after, readable),
                )
                rows = db.fetchall()
            for position, case_id, body in rows:
                after = int(position)
                try:
                    event: EventBase | ComplaintflowError = parse_event(body)
                    readable -= 1
                except ComplaintflowError as error:
                    event = error
                yield after, case_id, event
            if not rows:
                return

    def _feed_bound(self, db: Cursor) -> int | None:
        """The feed reads only positions below this, every one of whose transactions has ended;
        None where writers take turns, so that every committed position may be read (see
        `PostgresEventStore` for a store whose writers do not)."""
        return None

    def cases(
        self, open_only: bool = False, procedure: str | None = None, as_of: date | None = None
    ) -> list[str]:
        """Case references in the order their first events were stored (as in a log); only one
        procedure's, if asked; only those open at the end of `as_of` (default: today in London), if
        asked, as their views say: a request window that ran out closes a case, and events dated
        after the day do not count."""
        query = (
            "SELECT c.case_id, c.open, c.last_on, c.first_on FROM complaintflow_cases c "
            "JOIN complaintflow_events e ON e.case_id = c.case_id WHERE 1 = 1"
        )
        params: list[object] = []
        if procedure is not None:
            query += " AND c.procedure = ?"
            params.append(procedure)
        with self._reading() as db:
            db.execute(
                self._sql(
                    query + " GROUP BY c.case_id, c.open, c.last_on, c.first_on ORDER BY min(e.position)"
                ),
                params,
            )
            rows = db.fetchall()
            if not open_only:
                return [row[0] for row in rows]
            day = (london_today() if as_of is None else require_date(as_of, "as_of")).isoformat()
            db.execute(
                self._sql(
                    "SELECT DISTINCT case_id FROM complaintflow_deadlines "
                    "WHERE kind = 'request_window' AND due < ?"
                ),
                (day,),
            )
            windows_ran_out = {row[0] for row in db.fetchall()}
        listed = []
        for case_id, is_open, last_on, first_on in rows:
            if first_on > day:
                continue  # not received yet on the day
            if last_on > day or (is_open and case_id in windows_ran_out):  # replayed to the day
                is_open = self.load(case_id).view(as_of=date.fromisoformat(day), forms=False).open
            if is_open:
                listed.append(case_id)
        return listed

    # -- the daily list and the report -----------------------------------------------------------

    def due(
        self,
        within: int = 5,
        as_of: date | None = None,
        officer: str | None = None,
        team: str | None = None,
    ) -> list[Reminder]:
        """The daily list, as `complaintflow due` gives it: read from the deadlines projection;
        only the cases the officer or team owns, if either is given.

        A case with events after `as_of`, or a request window that ran out before it, is replayed
        instead, so the answer is always that of the cases as they stood at the end of `as_of`.
        """
        as_of = london_today() if as_of is None else require_date(as_of, "as_of")
        within = require_whole_number(within, "within")
        horizon = max(
            self._calendar_named(name).add_working_days(as_of, max(within, 0))
            for name in WorkingDayCalendar.NAMES
        )
        day = as_of.isoformat()
        with self._reading() as db:
            db.execute(
                self._sql(
                    "SELECT d.case_id, d.name, d.kind, d.stage, d.due, d.calendar, c.procedure, c.state, "
                    "c.service_area, o.officer, o.team FROM complaintflow_deadlines d "
                    "JOIN complaintflow_cases c ON c.case_id = d.case_id "
                    "LEFT JOIN complaintflow_owners o ON o.case_id = d.case_id "
                    "WHERE d.due <= ? AND c.first_on <= ?"
                ),
                (horizon.isoformat(), day),
            )
            rows = db.fetchall()
            db.execute(
                self._sql("SELECT case_id FROM complaintflow_cases WHERE first_on <= ? AND last_on > ?"),
                (day, day),
            )
            replay = {row[0] for row in db.fetchall()}  # received by the day, with events after it
        reminders = []
        calendars = {name: self._calendar_named(name) for name in WorkingDayCalendar.NAMES}
        lapsed: set[str] = set()  # request windows that ran out: never listed, but the state moves on
        for case_id, name, kind, stage, due_text, calendar, procedure, state, area, who, group in rows:
            due = date.fromisoformat(due_text)
            if case_id in replay:
                continue
            if kind == "request_window" and due < as_of:
                lapsed.add(case_id)
                continue
            remaining = calendars[calendar].working_days_between(as_of, due)
            if as_of > due or remaining <= within:
                reminders.append(  # the store's own rows, checked when written: not checked again
                    Reminder.model_construct(
                        case_id=case_id,
                        procedure=procedure,
                        deadline=name,
                        kind=kind,
                        stage=stage,
                        due=due,
                        status="overdue" if as_of > due else "pending",
                        remaining_working_days=remaining,
                        state=state,
                        service_area=area,
                        officer=who,
                        team=group,
                    )
                )
        moved_on = lapsed & {reminder.case_id for reminder in reminders}  # rare: replayed for their state
        reminders = [reminder for reminder in reminders if reminder.case_id not in moved_on]
        replay |= moved_on
        # A view of a case with later events replays them up to the day itself.
        reminders += due_within(
            (self.load(case_id) for case_id in sorted(replay)), as_of=as_of, within=within
        )
        return sorted(
            (reminder for reminder in reminders if reminder.owned_by(officer, team)),
            key=lambda reminder: (reminder.due, reminder.case_id, reminder.deadline),
        )

    def _calendar_named(self, name: str) -> WorkingDayCalendar:
        extra = self.calendar.added_bank_holidays if self.calendar is not None else None
        return WorkingDayCalendar.named(name, extra_bank_holidays=extra or None)

    def reports(
        self,
        year: int,
        *,
        only: Collection[str] | None = None,
        target_percent: float = 75.0,
        services: Sequence[str] = (),
        homes: int | None = None,
        by_team: bool = False,
    ) -> dict[str, Report]:
        """One report per procedure of the stored cases (or per procedure named in `only`), each of
        the kind its law or Code asks for, as `complaintflow.report.reports` counts them; `by_team`
        adds the table of complaints by team. A year frozen for a procedure gives its frozen
        report, and later years take that year's columns from it (`freeze`)."""
        from complaintflow.report import by_procedure, reports

        settings = ReportSettings(target_percent=target_percent, services=tuple(services), by_team=by_team)
        records = self.records()
        names = (
            reported_names(self, year, list(by_procedure(records)))
            if only is None
            else list(dict.fromkeys(only))
        )

        def count(name: str) -> Callable[[ReportSettings], Report]:
            return lambda chosen: reports(
                records, year, only=[name], procedures=self.procedures, settings=chosen, homes=homes
            )[name]

        return {name: counted_as_frozen(self, year, name, settings, count(name)) for name in names}

    def report(
        self,
        year: int,
        *,
        target_percent: float = 75.0,
        procedure: str | None = None,
        services: Sequence[str] = (),
        by_team: bool = False,
    ) -> AnnualReport:
        """The annual report for the year from 1 April `year`, counted from the stored records, with
        services in the order given and then as they first appear; `by_team` adds complaints by team."""
        settings = ReportSettings(target_percent=target_percent, services=tuple(services), by_team=by_team)
        return build_report(self.records(procedure), year, settings)

    def publications(self) -> list[Publication]:
        """Every report published from the store, oldest first (`record_publication`)."""
        with self._reading() as db:
            db.execute("SELECT body FROM complaintflow_publications ORDER BY position")
            return [Publication.model_validate_json(body) for (body,) in db.fetchall()]

    def record_publication(self, publication: Publication) -> None:
        """Keep a published report, so that later publications treat what it printed as known."""
        with self._writing() as db:
            insert_publication(self, db, publication)

    def freeze(self, counted: Report, published: Report, procedures: str | None = None) -> Frozen:
        """Keep a year's published report for good, as counted and as published (`publish`), with
        the record of its publication: from then on the store's report of that year is this one,
        whatever is purged or redacted, and later years' comparison columns come from it. A year
        already frozen keeps its first copy, which is returned."""
        return freeze(self, counted, published, procedures)

    def frozen(self, year: str | None = None, procedures: str | None = None) -> list[Frozen]:
        """The frozen reports (of one year, "2024-25", and procedures if asked), oldest first."""
        return frozen(self, year, procedures)

    def records(self, procedure: str | None = None) -> list[CaseRecord]:
        """The stored records of every case (or one procedure's), in the order cases began."""
        query = (
            "SELECT c.record FROM complaintflow_cases c JOIN (SELECT case_id, min(position) AS first "
            "FROM complaintflow_events GROUP BY case_id) f ON f.case_id = c.case_id"
        )
        params: list[object] = []
        if procedure is not None:
            query += " WHERE c.procedure = ?"
            params.append(procedure)
        with self._reading() as db:
            db.execute(self._sql(query + " ORDER BY f.first"), params)
            return [read_record(text) for (text,) in db.fetchall()]

    # -- moving a record in and out, and checking it ---------------------------------------------

    def import_events(
        self,
        events: Iterable[tuple[int, object]],
        *,
        recorded_by: str | None = None,
        progress: Callable[[int], None] | None = None,
        dry_run: bool = False,
        chunk: int = CHUNK_LINES,
    ) -> ImportSummary:
        """Store numbered events (a file's lines), keeping those accepted: what was added, what was
        stored already and skipped, and the refused lines with their reasons. Running it again with
        the same lines adds nothing; with `dry_run` nothing is written (see `store.imports`)."""
        return import_events(
            self, events, recorded_by=recorded_by, progress=progress, dry_run=dry_run, chunk=chunk
        )

    def backup(self, destination: str | Path) -> int:
        """Copy the store to a new file, consistently while writers go on; return the events copied.
        A store whose database has its own tools for this (PostgreSQL: pg_dump) says so instead."""
        raise StoreError(f"{self.name}: this store cannot copy itself; use the database's own backups")

    def export(
        self, unreadable: Callable[[int, str, ComplaintflowError], None] | None = None
    ) -> Iterator[str]:
        """Every stored event as a line of JSON, in the order of the feed. A row that cannot be read
        is passed over, and told to `unreadable` (its position, case and error), else logged."""
        after = 0
        while True:
            page = list(self._stored_events(after, 10_000))
            if not page:
                return
            for position, case_id, event in page:
                after = position
                if isinstance(event, ComplaintflowError):
                    (unreadable or _unreadable)(position, case_id, event)
                else:
                    yield event_to_json(event)

    def purge(self, as_of: date, dry_run: bool = False, *, by: str | None = None) -> PurgeSummary:
        """Remove every case past its retention as of the day, each with all its rows, leaving a
        tombstone (`by`: a reference to who purged, for it); never an open case, one on legal hold
        or one awaiting an Ombudsman's decision. With `dry_run`, only say what would go."""
        return purge(self, require_date(as_of, "as_of"), dry_run, checked_by(by))

    def erase(
        self, case_id: str, *, by: str | None = None, as_of: date | None = None, reason: str | None = None
    ) -> Tombstone:
        """Erase a whole case before its time, on request: a purge of one case, with the same
        tombstone and the same refusals (open, on legal hold, awaiting an Ombudsman's decision).
        `reason` is a reference to the request in the council's own log, kept in the tombstone."""
        day = london_today() if as_of is None else require_date(as_of, "as_of")
        return erase(self, case_id, day, checked_by(by), checked_by(reason, "reason"))

    def redact(self, case_id: str, fields: Iterable[str], reason: str, by: str) -> int:
        """Rewrite personal fields (equalities data, free text) in every stored event of the case,
        in one transaction, and record a `Redacted` event (the fields, why, who; never the old
        values); return the case's new version. The case replays as before: a field that is not
        personal, or a redaction that would change a date or the state, is refused."""
        checked = checked_by(by)
        if checked is None:
            raise InvalidEvent("a redaction names who asked for it to be done", field="by")
        return redact(self, case_id, checked_fields(fields), reason, checked)

    def _scrub(self) -> None:  # noqa: B027 - a store that keeps no old row versions has nothing to do
        """After rows are rewritten: let the database drop the old versions where it can (SQLite
        checkpoints and truncates its write-ahead log; PostgreSQL vacuums)."""

    def subject_access(self, case_id: str) -> SubjectAccess:
        """Everything the store holds about a case (UK GDPR art 15): every event with its dates,
        who recorded it and its place in the feed, the deadlines, voids and redactions; as JSON
        (`model_dump`) or as a page (`to_html`)."""
        return subject_access(self, case_id)

    def tombstones(self) -> list[Tombstone]:
        """What is left of each purged case, oldest purge first."""
        return tombstones(self)

    def check(self) -> list[str]:
        """Rebuild every projection from the events and list each difference (none: all agree)."""
        differences = []
        with self._reading() as db:
            db.execute(
                "SELECT case_id, version, procedure, state, open, first_on, last_on, service_area, record "
                "FROM complaintflow_cases"
            )
            stored_cases = {
                row[0]: CaseRow(row[0], int(row[1]), row[2], row[3], bool(row[4]), *row[5:9])
                for row in db.fetchall()
            }
            db.execute("SELECT case_id, name, kind, stage, due, calendar FROM complaintflow_deadlines")
            stored_deadlines: dict[str, set[DeadlineRow]] = {}
            for row in db.fetchall():
                stored_deadlines.setdefault(row[0], set()).add(
                    DeadlineRow(row[1], row[2], int(row[3]), row[4], row[5])
                )
            db.execute("SELECT case_id, officer, team FROM complaintflow_owners")
            stored_owners = {row[0]: (row[1], row[2]) for row in db.fetchall()}
            db.execute("SELECT DISTINCT case_id FROM complaintflow_events")
            with_events = sorted(row[0] for row in db.fetchall())
        for case_id in sorted(set(with_events) | set(stored_cases)):
            if case_id not in with_events:
                differences.append(f"case {case_id}: a projection with no events")
                continue
            try:
                fresh = self._fresh(case_id)
                expected_row, expected_deadlines = project(fresh, self._count(case_id))
            except ComplaintflowError as error:
                unreadable = self._unreadable_rows(case_id)
                differences += unreadable or [f"case {case_id}: cannot be replayed: {error}"]
                continue
            if stored_owners.get(case_id, (None, None)) != fresh.owner:
                differences.append(f"case {case_id}: the owners projection differs from its events")
            if stored_cases.get(case_id) != expected_row:
                differences.append(f"case {case_id}: the case projection differs from its events")
            if stored_deadlines.get(case_id, set()) != set(expected_deadlines):
                differences.append(f"case {case_id}: the deadlines projection differs from its events")
        return differences + check_tombstones(self, with_events)

    def _unreadable_rows(self, case_id: str) -> list[str]:
        """A line for each stored event of the case that cannot be read."""
        with self._reading() as db:
            db.execute(
                self._sql(
                    "SELECT position, body FROM complaintflow_events WHERE case_id = ? ORDER BY position"
                ),
                (case_id,),
            )
            rows = db.fetchall()
        found = []
        for position, body in rows:
            try:
                parse_event(body)
            except ComplaintflowError as error:
                found.append(f"case {case_id}: the event at position {position} cannot be read: {error}")
        return found

    def rebuild(self) -> int:
        """Recompute every projection from the events; return the number of cases."""
        with self._writing() as db:
            db.execute("SELECT DISTINCT case_id FROM complaintflow_events")
            case_ids = [row[0] for row in db.fetchall()]
            db.execute("DELETE FROM complaintflow_deadlines")
            db.execute("DELETE FROM complaintflow_owners")
            db.execute("DELETE FROM complaintflow_cases")
            for case_id in case_ids:  # the tables are empty: as if every case were new
                nothing = Case(procedures=self.procedures, calendar=self.calendar)
                self._project(db, self._fresh(case_id, db), self._count(case_id, db), None, nothing)
        with self._cache_lock:
            self._cache.clear()
        return len(case_ids)

    def _count(self, case_id: str, db: Cursor | None = None) -> int:
        """How many events are stored for the case: its version, counted from the events."""
        if db is None:
            with self._reading() as cursor:
                return self._count(case_id, cursor)
        db.execute(self._sql("SELECT count(*) FROM complaintflow_events WHERE case_id = ?"), (case_id,))
        return int(db.fetchone()[0])

    def _fresh(self, case_id: str, db: Cursor | None = None) -> Case:
        """The case replayed from its events alone, trusting no projection or cache."""

        def replay(cursor: Cursor) -> Case:
            cursor.execute(
                self._sql("SELECT body FROM complaintflow_events WHERE case_id = ? ORDER BY version"),
                (case_id,),
            )
            return Case.replay(
                [body for (body,) in cursor.fetchall()], procedures=self.procedures, calendar=self.calendar
            )

        if db is not None:
            return replay(db)
        with self._reading() as cursor:
            return replay(cursor)


def _unreadable(position: int, case_id: str, error: ComplaintflowError) -> None:
    log.warning(
        "the event at position %d (case %s) cannot be read, passed over: %s",
        position,
        printable(case_id),
        error,
    )


def check_schema_version(found: str | None, name: str) -> None:
    """Refuse a store laid out by a later release, which this one would misread, and one whose mark
    is not a layout number at all (damaged, or written by another program)."""
    if found is not None and not (isinstance(found, str) and found.isascii() and found.isdigit()):
        raise StoreError(
            f"{name}: the store's layout mark is not a number: a damaged store, or not a complaintflow one"
        )
    if found is not None and int(found) > STORE_SCHEMA_VERSION:
        raise StoreError(
            f"{name}: written by a newer complaintflow (store schema {found}, this release reads "
            f"{STORE_SCHEMA_VERSION}); upgrade complaintflow to use it"
        )
