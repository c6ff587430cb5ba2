"""Importing a file of events into a store, so that it can be run again and again.

A line without an `event_id` is given one derived from its content (`store.identity`), so the
second run finds every line stored already and adds nothing. A line stored already with the same
content is skipped; one whose id is stored with other content is a conflict, refused and named.
Once a line of a case is refused, the case's later lines are refused too, with one reason: the
case is taken up to its first refused line, never with a gap in it.

Lines go in a chunk per transaction, each case projected once per chunk. A dry run checks
everything the same way, in memory, and writes nothing.

It is a bulk replay: each line is decoded once (its derived id comes from the event it was read
as, `events.fields_as_given`), and within a chunk the import owns a working copy of each case it
touches, which takes the case's events in place, without a copy of its facts per event. A refused
line leaves that copy half changed: it is made again from the case as stored and the lines accepted
before, so what is written is what `Case.apply`, one line at a time, would have made.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from complaintflow._bulk import collector_paused
from complaintflow.case import Case
from complaintflow.errors import ComplaintflowError, EventConflict, InvalidEvent, RefusedAfterEarlierLine
from complaintflow.events import EventBase, event_to_json, fields_as_given, parse_event
from complaintflow.report.records import CaseRecord
from complaintflow.store.identity import LineIds
from complaintflow.store.projections import in_date_order, noted

if TYPE_CHECKING:
    from complaintflow.store.base import Cursor, EventStore

#: Lines stored in one transaction: large enough that a case is seldom split across two.
CHUNK_LINES = 20_000


@dataclass
class ImportSummary:
    """What an import added, skipped as stored already, and refused (line number, reason)."""

    added: int = 0
    skipped: int = 0
    refused: list[tuple[int, ComplaintflowError]] = field(default_factory=list)


@dataclass
class _Touched:
    """A case met in the file: its stored version, the import's working copy of it with the new
    lines applied in place (`_working`), those lines, and the report's record of it, kept up as its
    events come while they come in date order (else None: the projection makes it again from the
    case's events); `stored` is the case as stored, never changed."""

    version: int
    stored: Case
    case: Case
    record: CaseRecord | None
    fresh: list[EventBase] = field(default_factory=list)


class _Import:
    def __init__(self, store: EventStore, dry_run: bool, recorded_by: str | None) -> None:
        self.store = store
        self.dry_run = dry_run
        self.recorded_by = recorded_by
        self.ids = LineIds()
        self.summary = ImportSummary()
        self.failed: dict[str, int] = {}  # case -> its first refused line
        self.claimed: dict[str, EventBase] = {}  # ids taken by earlier lines of this run
        self.touched: dict[str, _Touched] = {}
        # case -> (version, record) as this run wrote it: kept for the whole run, however many cases
        # it meets, rather than in the store's memory of recent cases, and never in both at once
        self.records: dict[str, tuple[int, CaseRecord]] = {}

    def parsed(self, line: int, raw: object) -> EventBase | None:
        """The line as an event with its id (given or derived), or None when it is refused."""
        try:
            event = parse_event(raw)
        except ComplaintflowError as error:
            self.summary.refused.append((line, error))
            return None
        if event.event_id is None:
            event = event.model_copy(update={"event_id": self.ids.next_id(_as_written(raw, event))})
        first = self.failed.get(event.case_id)
        if first is not None:
            self.summary.refused.append((line, RefusedAfterEarlierLine(first)))
            return None
        return event

    def chunk(self, items: list[tuple[int, object]]) -> None:
        # A chunk makes many small objects and no cycles: the collector would only scan them again.
        with collector_paused():
            self._chunk(items)

    def _chunk(self, items: list[tuple[int, object]]) -> None:
        events = [(line, event) for line, raw in items if (event := self.parsed(line, raw)) is not None]
        if not events:
            return
        writing = self.store._reading() if self.dry_run else self.store._writing()
        with writing as db:
            stored = self.store._stored_bodies(db, [event.event_id for _, event in events if event.event_id])
            for line, event in events:
                self._take(db, line, event, stored)
            if not self.dry_run:
                for touched in self.touched.values():
                    if touched.fresh:
                        self.store._write(
                            db,
                            touched.case,
                            touched.version,
                            touched.fresh,
                            self.recorded_by,
                            touched.record,
                            touched.stored,
                        )
        if not self.dry_run:
            for case_id, touched in self.touched.items():
                version = touched.version + len(touched.fresh)
                touched.case._mutable = False  # from here on, others apply to it whole or not at all
                self.store._remember(case_id, version, touched.case)
                if touched.record is not None:
                    self.records[case_id] = (version, touched.record)
            self.touched = {}
            self.claimed = {}

    def _take(self, db: Cursor, line: int, event: EventBase, stored: dict[str, tuple[str, str]]) -> None:
        case_id, event_id = event.case_id, event.event_id
        assert event_id is not None
        if case_id in self.failed:  # an earlier line of this case was refused in this chunk
            self.summary.refused.append((line, RefusedAfterEarlierLine(self.failed[case_id])))
            return
        known = self.claimed.get(event_id)
        if known is None and event_id in stored:
            owner, body = stored[event_id]
            if owner == case_id and body == event_to_json(event):  # as it was stored: no need to read it
                self.summary.skipped += 1
                return
            known = parse_event(body) if owner == case_id else None
            if known is None:
                self._refuse(line, case_id, EventConflict(event_id, other_case=True))
                return
        if known is not None:
            if known == event:
                self.summary.skipped += 1
            else:
                self._refuse(line, case_id, EventConflict(event_id, other_case=known.case_id != case_id))
            return
        touched = self.touched.get(case_id) or self._touch(db, case_id)
        in_order = in_date_order(touched.case, event)
        try:
            applied = touched.case._apply(event)  # the import's own copy: no lock, changed in place
        except ComplaintflowError as error:
            touched.case = _working(touched.stored, touched.fresh)  # as it was before this line
            self._refuse(line, case_id, error)
            return
        if not applied:  # the case holds it already
            self.summary.skipped += 1
            return
        touched.record = noted(touched.record, event, in_order)
        touched.fresh.append(event)
        self.claimed[event_id] = event
        self.summary.added += 1

    def _touch(self, db: Cursor, case_id: str) -> _Touched:
        version, case = self.store._current(db, case_id)
        kept = self.records.pop(case_id, None)
        record = None
        if not self.dry_run:
            record = kept[1] if kept is not None and kept[0] == version else None
            record = record or self.store._take_record(case_id, version)
        touched = self.touched[case_id] = _Touched(version, case, _working(case, []), record)
        return touched

    def _refuse(self, line: int, case_id: str, error: ComplaintflowError) -> None:
        self.summary.refused.append((line, error))
        self.failed[case_id] = line


def _working(stored: Case, accepted: list[EventBase]) -> Case:
    """A copy of the stored case, with these events applied, that takes further events in place:
    its facts and its table of clocks are its own (a bulk replay changes both in place), so the
    stored case, which the store keeps in memory, never changes."""
    case = copy.copy(stored)  # its own list of events and ids; the facts are shared
    facts = case._facts = case._facts.copy()
    if facts.clocks is not None:
        facts.clocks = dict(facts.clocks)
    case._mutable = True
    for event in accepted:
        case._apply(event)  # accepted once already: applies again
    return case


def _as_written(raw: object, event: EventBase) -> dict[str, Any]:
    """The line as the host wrote it, for its derived id (checked by `parse_event` already): a line
    of JSON is rebuilt from its event, unless reading it may have rewritten it."""
    if isinstance(raw, bytes | str):
        given = fields_as_given(event)
        if given is not None:
            return given
        loaded = json.loads(raw)
        assert isinstance(loaded, dict)
        return loaded
    if isinstance(raw, dict):
        return raw
    return event.model_dump(mode="json", exclude_unset=True)


def import_events(
    store: EventStore,
    events: Iterable[tuple[int, object]],
    *,
    recorded_by: str | None = None,
    progress: Callable[[int], None] | None = None,
    dry_run: bool = False,
    chunk: int = CHUNK_LINES,
) -> ImportSummary:
    """Store numbered events (a file's lines); see the module's docstring."""
    if not 1 <= chunk <= 100_000:
        raise InvalidEvent("an import takes from 1 to 100,000 lines per transaction")
    run = _Import(store, dry_run, recorded_by)
    pending: list[tuple[int, object]] = []
    for count, item in enumerate(events, start=1):
        pending.append(item)
        if len(pending) >= chunk:
            run.chunk(pending)
            pending = []
            if progress is not None:
                progress(count)
    run.chunk(pending)
    return run.summary
