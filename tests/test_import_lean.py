"""The import, a bulk replay, stores what the one-case path stores, line by line.

A file of generated events, perhaps altered (a line dropped, swapped, repeated, redated, retyped or
blanked, a host's event id given again), is imported into a fresh store and, beside it, each line
is appended on its own through `store.append` into another fresh store, under the id the docs say
the import derives. Both give the same summary (added, skipped, each refused line with its reason
in the same words), the same stored events, projections and case views; a dry run says the same and
writes nothing, and a second import adds nothing. Every back end the store tests use runs it.

Ids are derived from the event each line was read as (`events.fields_as_given`): they are checked
against the ids of the line decoded as JSON, including for lines that reading rewrites.
"""

from __future__ import annotations

import itertools
import json
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as note_outcome
from hypothesis import strategies as st
from test_fast_paths import altered_logs, near_valid_events

import complaintflow as cf
from complaintflow.errors import ComplaintflowError, RefusedAfterEarlierLine
from complaintflow.events import fields_as_given, parse_event, register_upcaster, unregister_upcaster
from complaintflow.store import EventStore
from complaintflow.store.identity import canonical_content, derived_event_id
from complaintflow.store.imports import ImportSummary, _as_written

AS_OF = date(2031, 1, 1)
Lines = list[tuple[int, bytes]]
Outcome = tuple[int, int, list[tuple[int, str, str]]]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def back_end(request: pytest.FixtureRequest) -> str:
    """Each back end the store tests use."""
    if request.param == "postgresql":
        import test_store_postgres  # noqa: F401 - skips as that module does where no server answers
    return str(request.param)


@contextmanager
def new_store(back_end: str) -> Iterator[EventStore]:
    if back_end == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            store = cf.open_store(f"sqlite:{Path(folder) / 'store.db'}")
            try:
                yield store
            finally:
                store.close()
        return
    from test_store_postgres import DSN

    from complaintflow.store.postgres import PostgresEventStore

    store = PostgresEventStore(DSN, schema=f"cf_test_{uuid.uuid4().hex[:12]}")
    try:
        yield store
    finally:
        store.drop()
        store.close()


@pytest.fixture(scope="module")
def stores(back_end: str) -> Iterator[tuple[EventStore, EventStore]]:
    """Two stores, one for each path, that every example uses: each example's cases are its own."""
    with new_store(back_end) as one_case, new_store(back_end) as bulk:
        yield one_case, bulk


_EXAMPLES = itertools.count()


@st.composite
def import_files(draw: st.DrawFn) -> list[tuple[dict[str, Any], str]]:
    """An altered log, each event with the form of JSON its line is written in (spaces or none,
    keys in any order); some lines carry a host's event id, perhaps one an earlier line used."""
    log = draw(altered_logs())
    given_ids = draw(st.sampled_from(["none", "some", "reused"]))
    for number, event in enumerate(log):
        if given_ids != "none" and draw(st.booleans()):
            event["event_id"] = f"E-{number}"
    if given_ids == "reused" and len(log) > 1:
        taker, giver = draw(st.permutations(range(len(log))))[:2]
        log[giver].setdefault("event_id", "E-reused")
        log[taker]["event_id"] = log[giver]["event_id"]
        if draw(st.booleans()):
            log.insert(taker, dict(log[giver]))  # an exact copy, id and all: stored already
    return [(event, draw(st.sampled_from(["spaced", "tight", "sorted"]))) for event in log]


def numbered_lines(log: list[tuple[dict[str, Any], str]], prefix: str) -> Lines:
    """The log as a file's numbered lines, each case and given id under `prefix`: new to the store."""
    lines = []
    for number, (event, form) in enumerate(log, start=1):
        event = {**event, "case_id": prefix + str(event["case_id"])}
        if "event_id" in event:
            event["event_id"] = prefix + str(event["event_id"])
        tight = json.dumps(event, separators=(",", ":"), sort_keys=form == "sorted")
        lines.append((number, (json.dumps(event) if form == "spaced" else tight).encode()))
    return lines


def outcome(summary: ImportSummary) -> Outcome:
    """What the summary says, its refused lines in the order of the file (it lists those refused
    as they are read before those refused as they are applied)."""
    refused = sorted((line, type(error).__name__, str(error)) for line, error in summary.refused)
    return summary.added, summary.skipped, refused


def one_line_at_a_time(store: EventStore, lines: Lines) -> Outcome:
    """The one-case path: each line appended on its own, under the id the docs say (a line's
    content in canonical JSON, and its place among the identical lines of its case), a case taken
    up to its first refused line."""
    added = skipped = 0
    refused: list[tuple[int, str, str]] = []
    first_refused: dict[str, int] = {}
    identical: Counter[str] = Counter()
    for line, text in lines:
        try:
            event = parse_event(text)
        except ComplaintflowError as error:
            refused.append((line, type(error).__name__, str(error)))
            continue
        if event.event_id is None:
            written = json.loads(text)
            identical[canonical_content(written)] += 1
            event_id = derived_event_id(written, identical[canonical_content(written)])
            event = event.model_copy(update={"event_id": event_id})
        if event.case_id in first_refused:
            error = RefusedAfterEarlierLine(first_refused[event.case_id])
            refused.append((line, type(error).__name__, str(error)))
            continue
        before = store.version(event.case_id)
        try:
            after = store.append(event.case_id, [event], recorded_by="importer")
        except ComplaintflowError as error:
            refused.append((line, type(error).__name__, str(error)))
            first_refused[event.case_id] = line
            continue
        added, skipped = (added + 1, skipped) if after > before else (added, skipped + 1)
    return added, skipped, refused


def stored(store: EventStore, prefix: str) -> tuple[object, ...]:
    """The cases' events (but their feed positions: the import writes a chunk's cases one after
    another), rows, deadlines and owners."""
    with store._reading() as db:
        tables = []
        for query in (
            "SELECT case_id, version, event_id, type, on_date, body, recorded_by FROM complaintflow_events",
            "SELECT * FROM complaintflow_cases",
            "SELECT * FROM complaintflow_deadlines",
            "SELECT * FROM complaintflow_owners",
        ):
            db.execute(query)
            tables.append(sorted(tuple(row) for row in db.fetchall() if row[0].startswith(prefix)))
    return tuple(tables)


def views(store: EventStore, prefix: str) -> dict[str, cf.CaseView]:
    return {
        case_id: store.load(case_id).view(AS_OF, forms=False)
        for case_id in store.cases()
        if case_id.startswith(prefix)
    }


def in_memory(store: EventStore, case_id: str) -> cf.Case:
    """The case as the store's next append to it starts from (from its memory where it is there)."""
    with store._reading() as db:
        return store._current(db, case_id)[1]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(log=import_files(), data=st.data())
def test_an_import_stores_what_appending_each_line_on_its_own_stores(
    stores: tuple[EventStore, EventStore], log: list[tuple[dict[str, Any], str]], data: st.DataObject
) -> None:
    one_case, bulk = stores
    prefix = f"T{next(_EXAMPLES)}-"
    lines = numbered_lines(log, prefix)
    chunk = data.draw(st.integers(1, len(lines) + 1), label="chunk")
    expected = one_line_at_a_time(one_case, lines)
    for kind in sorted({kind for _, kind, _ in expected[2]}) or ["nothing"]:
        note_outcome(f"refused: {kind}")
    assert outcome(bulk.import_events(lines, chunk=chunk, dry_run=True)) == expected
    assert stored(bulk, prefix) == ([], [], [], [])
    assert outcome(bulk.import_events(lines, chunk=chunk, recorded_by="importer")) == expected
    assert stored(bulk, prefix) == stored(one_case, prefix)
    assert views(bulk, prefix) == views(one_case, prefix)
    # What the import left in the store's memory is each case as its stored events make it, and
    # takes the next event whole or not at all.
    for case_id in {json.loads(text)["case_id"] for _, text in lines}:
        assert in_memory(bulk, case_id) == in_memory(one_case, case_id)
    assert not any(case._mutable for _, case, _ in bulk._cache.values())
    written = stored(bulk, prefix)
    again = bulk.import_events(lines, chunk=chunk, recorded_by="importer")
    assert again.added == 0 and again.skipped == expected[0] + expected[1]
    assert stored(bulk, prefix) == written


@settings(max_examples=300, deadline=None)
@given(event=near_valid_events(), form=st.sampled_from(["spaced", "tight", "sorted"]))
def test_an_event_read_from_a_line_rebuilds_the_line_it_was_read_from(
    event: dict[str, Any], form: str
) -> None:
    text = (
        json.dumps(event, separators=(",", ":"), sort_keys=form == "sorted")
        if form != "spaced"
        else json.dumps(event)
    )
    try:
        parsed = parse_event(text)
    except ComplaintflowError:
        return
    written = _as_written(text.encode(), parsed)
    assert written == json.loads(text)
    assert canonical_content(written) == canonical_content(json.loads(text))
    assert fields_as_given(parsed) in (written, None)


def test_a_line_that_reading_rewrites_gets_the_id_of_the_line_as_written() -> None:
    line = json.dumps(
        {"type": "OmbudsmanDecided", "case_id": "A", "on": "2024-09-02", "outcome": "local_settlement"}
    ).encode()
    event = parse_event(line)
    assert event.model_dump(mode="json", exclude_unset=True) != json.loads(line)  # read in today's words
    assert fields_as_given(event) is None
    assert _as_written(line, event) == json.loads(line)


def test_a_line_an_upcaster_reads_gets_the_id_of_the_line_as_written(tmp_path: Path) -> None:
    received = {"type": "ComplaintReceived", "case_id": "A", "on": "2024-04-02", "procedure": "children-2006"}
    old = {**received, "schema_version": 0, "service": "Fostering"}

    def rename(obj: dict[str, Any]) -> dict[str, Any]:
        obj["service_area"] = obj.pop("service")
        return obj

    register_upcaster("ComplaintReceived", 0, rename)
    try:
        assert fields_as_given(parse_event(json.dumps(old))) is None
        store = cf.open_store(f"sqlite:{tmp_path / 'store.db'}")
        assert store.import_events([(1, json.dumps(old).encode())]).added == 1
        (stored_event,) = store.events("A")
        assert stored_event.event_id == derived_event_id(old, 1)
        assert store.import_events([(1, json.dumps(old).encode())]).skipped == 1
        store.close()
    finally:
        unregister_upcaster("ComplaintReceived", 0)


def test_a_line_refused_half_way_through_applying_leaves_its_case_as_the_lines_before_made_it(
    tmp_path: Path,
) -> None:
    concern = {"type": "ConcernLogged", "case_id": "A", "on": "2020-01-06", "service_area": "Repairs"}
    # Refused once its services are noted: housing-2024 applies only from April 2024.
    early = {
        "type": "ComplaintReceived",
        "case_id": "A",
        "on": "2020-01-07",
        "procedure": "housing-2024",
        "service_area": "Lettings",
    }
    lines = [(1, json.dumps(concern).encode()), (2, json.dumps(early).encode())]
    store = cf.open_store(f"sqlite:{tmp_path / 'store.db'}")
    summary = store.import_events(lines)
    assert summary.added == 1 and [line for line, _ in summary.refused] == [2]
    assert store.load("A").service_areas == ("Repairs",)
    (stored_concern,) = store.events("A")
    assert store.load("A") == cf.Case.replay([stored_concern])
    with store._reading() as db:
        db.execute("SELECT service_area FROM complaintflow_cases")
        assert db.fetchall() == [("Repairs",)]
    store.close()
