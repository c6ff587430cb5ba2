"""The PostgreSQL store: the same contract, against a real server, each test in a schema of its own.

CI (where CI=true) always has a server: `.ci/run` starts one when none answers, and these tests are
never skipped there. Elsewhere a missing server skips them, saying so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_runner import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_contract import RECEIVED, StoreContract, assert_restored_copy_holds, backup_during_writes

import complaintflow as cf
from complaintflow.store import EventStore, SQLiteEventStore

DSN = os.environ.get("COMPLAINTFLOW_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _server_answers() -> bool:
    try:
        import psycopg

        with psycopg.connect(DSN, connect_timeout=3):
            return True
    except Exception:  # any failure to connect means no server for these tests
        return False


if not _server_answers():
    if os.environ.get("CI"):
        raise RuntimeError(f"no PostgreSQL server answers at {DSN}; .ci/run should have started one")
    pytest.skip(f"no PostgreSQL server answers at {DSN}", allow_module_level=True)

from complaintflow.store.postgres import PostgresEventStore  # noqa: E402 - needs the server check first


class TestPostgresStore(StoreContract):
    @pytest.fixture
    def schema(self) -> Iterator[str]:
        name = f"cf_test_{uuid.uuid4().hex[:12]}"
        yield name
        PostgresEventStore(DSN, schema=name).drop()

    @pytest.fixture
    def url(self, schema: str) -> str:
        return f"{DSN}?options=-csearch_path%3D{schema}"

    @pytest.fixture
    def store(self, schema: str) -> Iterator[EventStore]:
        store = PostgresEventStore(DSN, schema=schema)
        yield store
        store.close()


def test_an_unreachable_server_is_named_in_one_line_without_its_password() -> None:
    with pytest.raises(cf.StoreError, match="cannot connect") as refused:
        cf.open_store("postgresql://council:secret-password@127.0.0.1:1/complaints?connect_timeout=1")
    assert "secret-password" not in str(refused.value) and "127.0.0.1:1" in str(refused.value)


def test_a_store_written_by_a_newer_schema_is_refused() -> None:
    schema = f"cf_test_{uuid.uuid4().hex[:12]}"
    store = PostgresEventStore(DSN, schema=schema)
    try:
        store.append("A", [RECEIVED])
        with store._writing() as db:
            db.execute("UPDATE complaintflow_meta SET value = '99' WHERE key = 'schema_version'")
        with pytest.raises(cf.StoreError, match="written by a newer complaintflow"):
            PostgresEventStore(DSN, schema=schema)
    finally:
        store.drop()
        store.close()


def test_a_nul_in_an_old_sqlite_store_is_named_on_the_way_and_the_rest_moves_to_postgresql(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = SQLiteEventStore(tmp_path / "old.db")
    old.append("A", [RECEIVED])
    nul = {**RECEIVED, "case_id": "B", "event_id": "b-1", "service_area": "North\x00"}
    with old._writing() as db:  # as a release that let SQLite keep a NUL wrote it
        db.execute(
            "INSERT INTO complaintflow_events (case_id, version, event_id, type, on_date, body) "
            "VALUES ('B', 1, 'b-1', 'ComplaintReceived', '2024-04-02', ?)",
            (json.dumps(nul),),
        )
    old.append("C", [{**RECEIVED, "case_id": "C"}])
    old.close()
    moved = tmp_path / "moved.jsonl"
    status, _, err = run(capsys, "export", "--store", f"sqlite:{tmp_path / 'old.db'}", "--output", moved)
    assert status == 1 and "position 2 (case B): cannot be read, not written" in err
    with moved.open("a", encoding="utf-8") as handle:  # the line as an older release exported it
        handle.write(json.dumps(nul) + "\n")
    schema = f"cf_test_{uuid.uuid4().hex[:12]}"
    store = PostgresEventStore(DSN, schema=schema)
    try:
        url = f"{DSN}?options=-csearch_path%3D{schema}"
        status, out, err = run(capsys, "import", moved, "--store", url)
        assert status == 1 and "1 line refused" in out
        assert err.strip() == (
            "line 3: field 'service_area': must hold no control character but tabs and line breaks"
        )
        assert store.cases() == ["A", "C"]
    finally:
        store.drop()
        store.close()


def test_pg_dump_taken_during_writes_restores_every_acknowledged_event(tmp_path: Path) -> None:
    """The documented way to back up a PostgreSQL store (docs/stores.md): pg_dump, then pg_restore."""
    assert shutil.which("pg_dump") and shutil.which("pg_restore"), ".ci/run installs postgresql-client"
    schema = f"cf_test_{uuid.uuid4().hex[:12]}"
    store = PostgresEventStore(DSN, schema=schema)
    dump = tmp_path / "store.dump"
    try:

        def take_backup() -> None:
            command = ["pg_dump", "--format=custom", f"--schema={schema}", f"--file={dump}", DSN]
            subprocess.run(command, check=True, timeout=120)

        acknowledged = backup_during_writes(f"{DSN}?options=-csearch_path%3D{schema}", take_backup)
        store.drop()
        subprocess.run(["pg_restore", f"--dbname={DSN}", str(dump)], check=True, timeout=120)
        with PostgresEventStore(DSN, schema=schema) as restored:
            assert_restored_copy_holds(restored, acknowledged)
    finally:
        store.drop()
        store.close()


def test_whatever_psycopg_raises_is_a_store_error_in_plain_words_and_the_store_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    schema = f"cf_test_{uuid.uuid4().hex[:12]}"
    store = PostgresEventStore(DSN, schema=schema)
    try:
        with pytest.raises(cf.StoreError) as stopped, store._reading() as db:
            db.execute("SELECT pg_terminate_backend(pg_backend_pid())")  # the server ends the connection
        assert "127.0.0.1" not in str(stopped.value) and "terminat" not in str(stopped.value)
        refused = r"^the database refused the operation \(DivisionByZero\)$"
        with pytest.raises(cf.StoreError, match=refused), store._writing() as db:
            db.execute("SELECT 1 / 0")
        assert "division by zero" in caplog.text and schema not in str(stopped.value)
        store.append("A", [RECEIVED])  # a fresh connection from the pool
        assert store.version("A") == 1
    finally:
        store.drop()
        store.close()


def test_a_postgres_store_cannot_be_reached_says_why_without_its_password() -> None:
    wrong_database = DSN.rsplit("/", 1)[0] + "/no_such_database_for_complaintflow"
    with pytest.raises(cf.StoreError, match="no such database"):
        cf.open_store(wrong_database)
    with pytest.raises(cf.StoreError, match="connection refused") as refused:
        cf.open_store("postgresql://council:secret-password@127.0.0.1:1/complaints")
    assert "secret-password" not in str(refused.value)
    with pytest.raises(cf.StoreError, match="back up a PostgreSQL store with pg_dump") as told:
        PostgresEventStore(DSN).backup(Path("copy.dump"))
    assert "pg_dump --format=custom" in str(told.value)


def test_appends_commit_with_the_servers_durable_default() -> None:
    """The store never lowers `synchronous_commit`: a commit returns once its WAL is flushed."""
    name = f"cf_test_{uuid.uuid4().hex[:12]}"
    store = PostgresEventStore(DSN, schema=name)
    try:
        with store._writing() as db:
            db.execute("SHOW synchronous_commit")
            assert db.fetchone()[0] == "on"
    finally:
        store.drop()
        store.close()


class _Writers:
    """Transactions held open on connections of their own, each inserting events through the
    store's own statement (positions reserved as an append reserves them), committed or rolled back
    in whatever order a test says."""

    def __init__(self, store: PostgresEventStore, schema: str, count: int) -> None:
        import psycopg

        self.store = store
        self.connections = [
            psycopg.connect(DSN, autocommit=True, options=f"-c search_path={schema}") for _ in range(count)
        ]
        self.open: dict[int, list[int]] = {}
        self.committed: list[int] = []

    def write(self, writer: int, events: int) -> None:
        connection = self.connections[writer]
        if writer not in self.open:
            connection.execute("BEGIN")
            self.open[writer] = []
        ids = [uuid.uuid4().hex for _ in range(events)]
        with connection.cursor() as cursor:
            self.store._insert_events(
                cursor, [(event_id, 1, event_id, "Note", "2024-04-02", "{}", None) for event_id in ids]
            )
            cursor.execute("SELECT position FROM complaintflow_events WHERE event_id = ANY (%s)", (ids,))
            self.open[writer] += [position for (position,) in cursor.fetchall()]

    def end(self, writer: int, commit: bool) -> None:
        if writer in self.open:
            self.connections[writer].execute("COMMIT" if commit else "ROLLBACK")
            positions = self.open.pop(writer)
            if commit:
                self.committed += positions

    def close(self) -> None:
        for writer in list(self.open):
            self.end(writer, commit=True)
        for connection in self.connections:
            connection.close()


def _positions_after(store: EventStore, after: int, page: int = 10_000) -> list[int]:
    """The feed's positions after `after`, read as a subscriber reads them (`_stored_events`, so
    that rows that are not events also count)."""
    return [position for position, _, _ in store._stored_events(after, page)]


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[PostgresEventStore, str]]:
    schema = f"cf_test_{uuid.uuid4().hex[:12]}"
    store = PostgresEventStore(DSN, schema=schema)
    yield store, schema
    store.drop()
    store.close()


STEPS = st.lists(
    st.tuples(st.sampled_from(["write", "commit", "abort", "read"]), st.integers(0, 3), st.integers(1, 3)),
    max_size=40,
)


@given(steps=STEPS)
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_subscriber_never_skips_an_event_whatever_order_transactions_commit_in(
    shared: tuple[PostgresEventStore, str], steps: list[tuple[str, int, int]]
) -> None:
    """Four transactions at once, against the server: each reserves positions (one or more times),
    and commits or rolls back, in any order; a subscriber reads between any two steps and resumes
    from the last position it saw. It sees every committed event once, in position order, and
    nothing rolled back."""
    store, schema = shared
    start = max([0, *_positions_after(store, 0)])
    writers = _Writers(store, schema, 4)
    seen: list[int] = []
    try:
        for action, writer, events in steps:
            if action == "write":
                writers.write(writer, events)
            elif action in ("commit", "abort"):
                writers.end(writer, commit=action == "commit")
            else:
                seen += _positions_after(store, seen[-1] if seen else start)
    finally:
        writers.close()
    seen += _positions_after(store, seen[-1] if seen else start)
    assert seen == sorted(writers.committed)


def test_reading_past_a_transaction_still_under_way_would_skip_it_and_the_feed_does_not(
    shared: tuple[PostgresEventStore, str],
) -> None:
    """Why the feed's bound is needed: the first of two transactions takes the lower position and
    commits last. A reader of every committed row would resume after the higher one and never see
    the lower; the feed waits for it."""
    store, schema = shared
    start = max([0, *_positions_after(store, 0)])
    writers = _Writers(store, schema, 2)
    try:
        writers.write(0, 1)
        writers.write(1, 1)
        writers.end(1, commit=True)
        with store._reading() as db:
            db.execute("SELECT max(position) FROM complaintflow_events")
            naive_after = db.fetchone()[0]
        assert _positions_after(store, start) == []  # the feed waits for the first
        writers.end(0, commit=True)
    finally:
        writers.close()
    lower, higher = sorted(writers.committed)
    assert naive_after == higher and _positions_after(store, naive_after) == []  # lower skipped
    assert _positions_after(store, start) == [lower, higher]


def round_trips(store: PostgresEventStore, work: Callable[[], object], trace: Path) -> int:
    """The times the client waits for the server while `work` runs, read from libpq's own trace
    of the protocol: each Sync, and each Flush sent to read a result before the Sync."""
    with trace.open("w") as out:
        with store._pool.connection() as connection:
            connection.pgconn.trace(out.fileno())
        try:
            work()
        finally:
            with store._pool.connection() as connection:
                connection.pgconn.untrace()
    sent = [line.split("\t")[3] for line in trace.read_text().splitlines() if "\tF\t" in line]
    return sum(
        message == "Sync" or (message == "Flush" and number > 0 and sent[number - 1] != "Sync")
        for number, message in enumerate(sent)
    )


def test_an_append_takes_at_most_three_round_trips(tmp_path: Path) -> None:
    """Three for the first event of a case (its version, whether its reference was purged, the
    writes and COMMIT), two for a later one; each counted from the protocol itself."""
    store = PostgresEventStore(DSN, schema=f"cf_test_{uuid.uuid4().hex[:12]}", pool_size=1)
    try:
        first = round_trips(store, lambda: store.append("A", [RECEIVED]), tmp_path / "first")
        advocacy = {"type": "AdvocacyArranged", "case_id": "A", "on": "2024-04-03"}
        later = round_trips(store, lambda: store.append("A", [advocacy]), tmp_path / "later")
        assert (first, later) == (3, 2)
        assert store.version("A") == 2 and store.check() == []
    finally:
        store.drop()
        store.close()
