"""The SQLite store: the contract, plus what only a file can go through."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_contract import RECEIVED, StoreContract

import complaintflow as cf
from complaintflow.store import EventStore, SQLiteEventStore


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


WRITER = textwrap.dedent(
    """
    import sys, complaintflow as cf
    store = cf.open_store(sys.argv[1])
    print("ready", flush=True)
    number = 0
    while True:
        case_id = f"K-{number}"
        store.append(case_id, [
            {"type": "ComplaintReceived", "case_id": case_id, "on": "2024-04-02",
             "procedure": "children-2006"},
            {"type": "AdvocacyArranged", "case_id": case_id, "on": "2024-04-03"},
            {"type": "Responded", "case_id": case_id, "on": "2024-04-10", "stage": 1, "outcome": "upheld"},
        ])
        number += 1
    """
)

CHECKPOINTER = textwrap.dedent(
    """
    import sqlite3, sys
    connection = sqlite3.connect(sys.argv[1], isolation_level=None)
    print("ready", flush=True)
    while True:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    """
)


@pytest.mark.parametrize("with_checkpoints", [False, True])
def test_a_writer_killed_mid_append_leaves_all_or_none_of_it(tmp_path: Path, with_checkpoints: bool) -> None:
    path = tmp_path / "store.db"
    SQLiteEventStore(path).close()
    runs = [
        subprocess.Popen([sys.executable, "-c", WRITER, f"sqlite:{path}"], stdout=subprocess.PIPE, text=True)
    ]
    if with_checkpoints:
        runs.append(
            subprocess.Popen(
                [sys.executable, "-c", CHECKPOINTER, str(path)], stdout=subprocess.PIPE, text=True
            )
        )
    for run in runs:
        assert run.stdout is not None and run.stdout.readline().strip() == "ready"
    time.sleep(1.5)
    for run in runs:
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
    store = SQLiteEventStore(path)
    counts = {}
    for _, event in store.feed(after=0, limit=10_000):
        counts[event.case_id] = counts.get(event.case_id, 0) + 1
    assert counts and set(counts.values()) == {3}  # every append whole, none in part
    assert store.check() == []
    assert sorted(store.cases()) == sorted(counts)
