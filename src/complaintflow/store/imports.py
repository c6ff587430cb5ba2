"""Importing a file of events into a store, so that it can be run again and again.

A line without an `event_id` is given one derived from its content (`store.identity`), so the
second run finds every line stored already and adds nothing. A line stored already with the same
content is skipped; one whose id is stored with other content is a conflict, refused and named.
Once a line of a case is refused, the case's later lines are refused too, with one reason: the
case is taken up to its first refused line, never with a gap in it.

Lines go in a chunk per transaction, each case projected once per chunk. A dry run checks
everything the same way, in memory, and writes nothing.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from complaintflow.case import Case
from complaintflow.errors import ComplaintflowError, EventConflict, InvalidEvent, RefusedAfterEarlierLine
from complaintflow.events import EventBase, EventVoided, event_to_json, parse_event
from complaintflow.report.records import CaseRecord
from complaintflow.store.identity import LineIds

if TYPE_CHECKING:
    from complaintflow.store.base import Cursor, EventStore

#: Lines stored in one transaction: large enough that a case is seldom split across two.
CHUNK_LINES = 20_000
#: Event ids looked up in one query.
LOOKUP_BATCH = 500


@dataclass
class ImportSummary:
    """What an import added, skipped as stored already, and refused (line number, reason)."""

    added: int = 0
    skipped: int = 0
    refused: list[tuple[int, ComplaintflowError]] = field(default_factory=list)


@dataclass
class _Touched:
    """A case met in the file: its stored version, the case with the new lines applied, those lines,
    and the report's record of it, kept up as its events come while they come in date order (else
    None: the projection makes it again from the case's events)."""

    version: int
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
        self.records: dict[str, tuple[int, CaseRecord]] = {}  # case -> (version, record) as written

    def parsed(self, line: int, raw: object) -> EventBase | None:
        """The line as an event with its id (given or derived), or None when it is refused."""
        try:
            event = parse_event(raw)
        except ComplaintflowError as error:
            self.summary.refused.append((line, error))
            return None
        if event.event_id is None:
            event = event.model_copy(update={"event_id": self.ids.next_id(_as_mapping(raw, event))})
        first = self.failed.get(event.case_id)
        if first is not None:
            self.summary.refused.append((line, RefusedAfterEarlierLine(first)))
            return None
        return event

    def chunk(self, items: list[tuple[int, object]]) -> None:
        events = [(line, event) for line, raw in items if (event := self.parsed(line, raw)) is not None]
        if not events:
            return
        writing = self.store._reading() if self.dry_run else self.store._writing()
        with writing as db:
            stored = self._stored(db, [event.event_id for _, event in events if event.event_id])
            for line, event in events:
                self._take(db, line, event, stored)
            if not self.dry_run:
                for touched in self.touched.values():
                    if touched.fresh:
                        self.store._write(
                            db, touched.case, touched.version, touched.fresh, self.recorded_by, touched.record
                        )
        if not self.dry_run:
            for case_id, touched in self.touched.items():
                version = touched.version + len(touched.fresh)
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
        last_on = touched.case.last_event_on
        in_order = type(event) is not EventVoided and (last_on is None or event.on >= last_on)
        try:
            applied = touched.case.apply(event)
        except ComplaintflowError as error:
            self._refuse(line, case_id, error)
            return
        if not applied:  # the case holds it already
            self.summary.skipped += 1
            return
        if touched.record is not None:
            if in_order:
                touched.record.add(event)
            else:
                touched.record = None  # a late entry or a void: made again from the events
        touched.fresh.append(event)
        self.claimed[event_id] = event
        self.summary.added += 1

    def _touch(self, db: Cursor, case_id: str) -> _Touched:
        version, case = self.store._current(db, case_id)
        known = self.records.pop(case_id, None)
        record = None
        if not self.dry_run:
            record = (
                known[1]
                if known is not None and known[0] == version
                else CaseRecord()
                if not version
                else None
            )
        touched = self.touched[case_id] = _Touched(version, copy.copy(case), record)
        return touched

    def _refuse(self, line: int, case_id: str, error: ComplaintflowError) -> None:
        self.summary.refused.append((line, error))
        self.failed[case_id] = line

    def _stored(self, db: Cursor, event_ids: list[str]) -> dict[str, tuple[str, str]]:
        """The case and body of each of these ids stored already."""
        found: dict[str, tuple[str, str]] = {}
        for start in range(0, len(event_ids), LOOKUP_BATCH):
            batch = event_ids[start : start + LOOKUP_BATCH]
            marks = ", ".join([self.store.mark] * len(batch))
            db.execute(
                f"SELECT event_id, case_id, body FROM complaintflow_events WHERE event_id IN ({marks})", batch
            )
            found.update((event_id, (case_id, body)) for event_id, case_id, body in db.fetchall())
        return found


def _as_mapping(raw: object, event: EventBase) -> dict[str, Any]:
    """The line as the host wrote it, for its derived id (checked by `parse_event` already)."""
    if isinstance(raw, bytes | str):
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
