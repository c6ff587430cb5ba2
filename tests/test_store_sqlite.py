"""The SQLite store: the contract, plus what only a file can go through."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run
from privacy_contract import PLANTED, planted_case
from store_contract import (
    ADVOCACY,
    RECEIVED,
    RESPONDED,
    StoreContract,
    assert_restored_copy_holds,
    assert_whole_appends,
    backup_during_writes,
    kill_a_writer_mid_append,
)

import complaintflow as cf
from complaintflow.notices import add_subscription, notify
from complaintflow.store import EventStore, SQLiteEventStore, projections


class TestSQLiteStore(StoreContract):
    @pytest.fixture
    def url(self, tmp_path: Path) -> str:
        return f"sqlite:{tmp_path / 'store.db'}"

    @pytest.fixture
    def store(self, url: str) -> Iterator[EventStore]:
        store = cf.open_store(url)
        yield store
        store.close()


def test_a_store_in_a_folder_that_does_not_exist_is_named_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(cf.StoreError, match="the folder does not exist") as refused:
        cf.open_store(f"sqlite:{tmp_path / 'missing' / 'store.db'}")
    assert "missing" in str(refused.value)


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("Dear complaints team, " * 400, encoding="utf-8")
    with pytest.raises(cf.StoreError, match="not a complaintflow store"):
        cf.open_store(f"sqlite:{path}")


def test_a_corrupted_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = SQLiteEventStore(path)
    store.append("A", [RECEIVED])
    store.close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)
    path.write_bytes(bytes(data))
    for wal in tmp_path.glob("store.db-*"):
        wal.unlink()
    with pytest.raises(cf.StoreError, match="not a complaintflow store, or a damaged one"):
        cf.open_store(f"sqlite:{path}").load("A")


def _read_only(path: Path, read_only: bool) -> None:
    """Make a file read-only even for root (who ignores permissions), with the immutable flag."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i" if read_only else "-i", str(path)], check=True)
    else:
        path.chmod(0o444 if read_only else 0o644)


def test_a_read_only_store_is_refused_when_written(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    SQLiteEventStore(path).close()
    _read_only(path, True)
    try:
        with pytest.raises(cf.StoreError, match=r"read-only|cannot open"):
            store = cf.open_store(f"sqlite:{path}")
            store.append("A", [RECEIVED])
    finally:
        _read_only(path, False)


def test_a_store_written_by_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    SQLiteEventStore(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE complaintflow_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(cf.StoreError, match="written by a newer complaintflow"):
        cf.open_store(f"sqlite:{path}")


CHECKPOINTER = textwrap.dedent(
    """
    import sqlite3, sys
    connection = sqlite3.connect(sys.argv[1], isolation_level=None)
    print("ready", flush=True)
    while True:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    """
)


def test_a_writer_killed_mid_append_during_checkpoints_leaves_all_or_none_of_it(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    SQLiteEventStore(path).close()
    checkpointer = subprocess.Popen(
        [sys.executable, "-c", CHECKPOINTER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert checkpointer.stdout is not None and checkpointer.stdout.readline().strip() == "ready"
    try:
        kill_a_writer_mid_append(f"sqlite:{path}")
    finally:
        os.kill(checkpointer.pid, signal.SIGKILL)
        checkpointer.wait()
    assert_whole_appends(SQLiteEventStore(path))


def test_a_backup_taken_while_a_process_writes_holds_every_acknowledged_event(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, copy = f"sqlite:{tmp_path / 'store.db'}", tmp_path / "backup.db"
    SQLiteEventStore(tmp_path / "store.db").close()

    def take_backup() -> None:
        status, out, err = run(capsys, "store", "backup", "--store", url, str(copy))
        assert (status, err) == (0, "") and out.startswith("copied ")

    acknowledged = backup_during_writes(url, take_backup)
    assert_restored_copy_holds(SQLiteEventStore(copy, create=False), acknowledged)
    status, _, err = run(capsys, "store", "backup", "--store", url, str(copy))
    assert status == 2 and "never overwrites" in err


def test_reading_commands_name_a_store_file_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, "due", "--store", f"sqlite:{tmp_path / 'typo.db'}")
    assert status == 2 and "typo.db: no such file" in err
    assert not (tmp_path / "typo.db").exists()
    status, _, err = run(capsys, "case", "--store", f"sqlite:{tmp_path}")
    assert status == 2 and "a folder, not a store file" in err


def _synchronous(store: EventStore) -> int:
    assert isinstance(store, SQLiteEventStore)
    (setting,) = store._connection().execute("PRAGMA synchronous").fetchone()
    return int(setting)


def test_a_store_syncs_every_commit_unless_opened_with_a_weaker_durability(tmp_path: Path) -> None:
    """FULL (2) syncs the write-ahead log at each commit, so an acknowledged append survives power
    loss; NORMAL (1), asked for by name, syncs only at checkpoints."""
    durable = cf.open_store(f"sqlite:{tmp_path / 'durable.db'}")
    assert _synchronous(durable) == 2
    assert durable.append("A", [{**RECEIVED, "case_id": "A"}]) == 1
    faster = cf.open_store(f"sqlite:{tmp_path / 'faster.db'}?durability=normal")
    assert _synchronous(faster) == 1
    assert isinstance(faster, SQLiteEventStore) and faster.path == tmp_path / "faster.db"
    assert _synchronous(SQLiteEventStore(tmp_path / "full.db", durability="full")) == 2


@pytest.mark.parametrize(
    "suffix", ["?durability=off", "?durability=", "?synchronous=off", "?durability=normal&x=1", "?"]
)
def test_an_unknown_durability_is_refused_and_names_the_choices(tmp_path: Path, suffix: str) -> None:
    with pytest.raises(cf.StoreError, match="durability=full or durability=normal") as caught:
        cf.open_store(f"sqlite:{tmp_path / 'store.db'}{suffix}")
    assert "off" not in str(caught.value)
    assert not (tmp_path / "store.db").exists()


def test_a_store_given_an_unknown_durability_by_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(cf.StoreError, match=r"full .* or normal"):
        SQLiteEventStore(tmp_path / "store.db", durability="off")


def _statements_of(store: SQLiteEventStore, append: Callable[[], object]) -> list[str]:
    """The SQL statements one append runs in its write transaction, as SQLite traces them, between
    BEGIN IMMEDIATE and COMMIT; before it, the batch is checked in a read of the case's version."""
    traced: list[str] = []
    store._connection().set_trace_callback(traced.append)
    try:
        append()
    finally:
        store._connection().set_trace_callback(None)
    shortened = [statement.split(" (")[0].split(" WHERE")[0] for statement in traced]
    assert shortened[:4] == ["BEGIN", "SELECT version FROM complaintflow_cases", "COMMIT", "BEGIN IMMEDIATE"]
    assert shortened[-1] == "COMMIT"
    return shortened[4:-1]


def test_an_append_runs_few_statements_and_writes_only_rows_that_change(tmp_path: Path) -> None:
    """Six statements for a new case (one asks whether its reference was purged), six for the next
    event of a case: a new case has no rows to delete, the case's row is updated in place, and
    owners are written only when they change."""
    store = SQLiteEventStore(tmp_path / "store.db")
    received = {**RECEIVED, "case_id": "A", "on": "2024-04-02"}
    assert _statements_of(store, lambda: store.append("A", [received])) == [
        "SELECT version FROM complaintflow_cases",
        "SELECT event_id, case_id, body FROM complaintflow_events",
        "SELECT value FROM complaintflow_meta",
        "INSERT INTO complaintflow_events",
        "INSERT INTO complaintflow_cases",
        "INSERT INTO complaintflow_deadlines",
    ]
    responded = {"type": "Responded", "case_id": "A", "on": "2024-04-10", "stage": 1, "outcome": "upheld"}
    assert _statements_of(store, lambda: store.append("A", [responded])) == [
        "SELECT version FROM complaintflow_cases",
        "SELECT event_id, case_id, body FROM complaintflow_events",
        "INSERT INTO complaintflow_events",
        "INSERT INTO complaintflow_cases",
        "DELETE FROM complaintflow_deadlines",
        "INSERT INTO complaintflow_deadlines",
    ]
    assigned = {"type": "Assigned", "case_id": "A", "on": "2024-04-11", "officer": "O-1"}
    assert "INSERT INTO complaintflow_owners" in _statements_of(store, lambda: store.append("A", [assigned]))
    unassigned = {"type": "Unassigned", "case_id": "A", "on": "2024-04-12"}
    assert "DELETE FROM complaintflow_owners" in _statements_of(
        store, lambda: store.append("A", [unassigned])
    )
    assert store.check() == []


def test_an_append_notes_only_its_new_events_in_the_case_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report's record of a case is kept up as its events come: an append to a case written by
    this process never makes it again from every event, and `store check` agrees with it."""
    store = SQLiteEventStore(tmp_path / "store.db")
    store.append("A", [{**RECEIVED, "case_id": "A", "on": "2024-04-02"}])
    made_again: list[str] = []
    original = projections.record_of

    def counted(case: cf.Case) -> Any:
        made_again.append(str(case.case_id))
        return original(case)

    monkeypatch.setattr(projections, "record_of", counted)
    for day, event in enumerate(
        [
            {"type": "Acknowledged", "stage": 1},
            {"type": "Responded", "stage": 1, "outcome": "upheld"},
            {"type": "AdvocacyArranged"},
        ],
        start=3,
    ):
        store.append("A", [{**event, "case_id": "A", "on": f"2024-04-{day:02d}"}])
    assert made_again == []
    store.append("A", [{"type": "AdvocacyArranged", "case_id": "A", "on": "2024-04-02"}])  # late entry
    assert made_again == ["A"]
    assert store.check() == []


def test_an_append_that_fails_to_write_leaves_no_event_noted_in_the_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SQLiteEventStore(tmp_path / "store.db")
    store.append("A", [{**RECEIVED, "case_id": "A", "on": "2024-04-02"}])
    responded = {"type": "Responded", "case_id": "A", "on": "2024-04-10", "stage": 1, "outcome": "upheld"}
    writing = store._project

    def full_disk(*args: Any) -> None:
        raise cf.StoreError("database or disk is full")

    monkeypatch.setattr(store, "_project", full_disk)
    with pytest.raises(cf.StoreError, match="disk is full"):
        store.append("A", [{"type": "AdvocacyArranged", "case_id": "A", "on": "2024-04-03"}])
    monkeypatch.setattr(store, "_project", writing)
    store.append("A", [responded])
    assert store.check() == []  # the stored record is the one made from the stored events


def test_no_redacted_value_is_left_in_the_file_or_its_write_ahead_log(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = cf.open_store(f"sqlite:{path}")
    add_subscription(store, "https://host.example/hooks", ["Deferred", "Redacted"])
    for number in range(30):  # enough pages that the values live in pages of their own
        store.append(f"R-{number}", planted_case(f"R-{number}"))
    store.append("R", planted_case("R"))
    notify(store, as_of=date(2024, 4, 17))  # the outbox holds each Deferred event, with its reason
    store.close()  # the values are in the file now, not only in the log
    assert PLANTED[0].encode() in path.read_bytes()
    assert path.read_bytes().count(PLANTED[1].encode()) > 31  # in the events and in the outbox
    store = cf.open_store(f"sqlite:{path}")
    for number in range(30):
        store.redact(f"R-{number}", ["service_user", "reason"], "asked", by="DPO-1")
    store.redact("R", ["service_user.ethnicity", "reason"], "asked", by="DPO-1")
    files = [path, path.with_name(path.name + "-wal")]
    for found in files:
        if found.exists():
            assert not any(value.encode() in found.read_bytes() for value in PLANTED), found.name
    assert store.check() == []
    assert not any(value in "".join(store.export()) for value in PLANTED)
    store.close()
    assert not any(value.encode() in path.read_bytes() for value in PLANTED)


def test_appends_from_threads_at_once_share_a_transaction_each_with_its_own_outcome(tmp_path: Path) -> None:
    """While one append commits, seven others queue; they are then written in one transaction,
    where a stale version and a refused event fail alone and the rest are kept."""
    store = SQLiteEventStore(tmp_path / "store.db")
    store.append("A", [RECEIVED])
    transactions = []
    begin = store._group._transaction

    def held_until_seven_queue() -> Any:
        transactions.append(len(store._group._queue))
        for _ in range(60_000):  # the first group waits for the others to queue behind it
            if transactions[1:] or len(store._group._queue) >= 7:
                break
            time.sleep(0.001)
        return begin()

    store._group._transaction = held_until_seven_queue  # type: ignore[method-assign]
    advocacy = [{**ADVOCACY, "provider": str(n)} for n in range(2)]
    work: list[tuple[str, list[dict[str, Any]], int | None]] = [
        (f"G-{n}", [{**RECEIVED, "case_id": f"G-{n}"}], None) for n in range(5)
    ]
    work[2:2] = [("A", [advocacy[0]], 1), ("A", [advocacy[1]], 1)]  # one of these two is stale
    work.append(("R", [{**RESPONDED, "case_id": "R"}], None))  # refused in the group: nothing received
    outcomes: dict[int, object] = {}

    def run(number: int) -> None:
        case_id, events, expected = work[number]
        try:
            outcomes[number] = store.append(case_id, events, expected_version=expected)
        except cf.ComplaintflowError as error:
            outcomes[number] = type(error).__name__

    threads = [threading.Thread(target=run, args=(number,)) for number in range(len(work))]
    threads[0].start()
    for _ in range(60_000):  # until the first append holds its transaction
        if transactions:
            break
        time.sleep(0.001)
    for thread in threads[1:]:
        thread.start()
    for thread in threads:
        thread.join()
    assert transactions == [0, 0], "the seven queued appends share one transaction"
    assert sorted(str(outcomes[n]) for n in (2, 3)) == ["2", "ConcurrencyError"]
    assert outcomes[len(work) - 1] == "TransitionNotAllowed"
    assert [outcomes[n] for n in (0, 1, 4, 5, 6)] == [1] * 5
    assert store.version("A") == 2 and sorted(store.cases()) == ["A", "G-0", "G-1", "G-2", "G-3", "G-4"]
    positions = [position for position, _ in store.feed(after=0)]
    assert positions == sorted(positions) and len(positions) == 7
    assert store.check() == []
