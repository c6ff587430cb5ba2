"""The SQLite store: the contract, plus what only a file can go through."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_runner import run
from privacy_contract import PLANTED, planted_case
from store_contract import (
    RECEIVED,
    StoreContract,
    assert_restored_copy_holds,
    assert_whole_appends,
    backup_during_writes,
    kill_a_writer_mid_append,
)

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


def test_no_redacted_value_is_left_in_the_file_or_its_write_ahead_log(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = cf.open_store(f"sqlite:{path}")
    for number in range(30):  # enough pages that the values live in pages of their own
        store.append(f"R-{number}", planted_case(f"R-{number}"))
    store.append("R", planted_case("R"))
    store.close()  # the values are in the file now, not only in the log
    assert PLANTED[0].encode() in path.read_bytes()
    store = cf.open_store(f"sqlite:{path}")
    for number in range(30):
        store.redact(f"R-{number}", ["service_user", "reason"], "asked", by="DPO-1")
    store.redact("R", ["service_user.ethnicity", "reason"], "asked", by="DPO-1")
    files = [path, path.with_name(path.name + "-wal")]
    for found in files:
        if found.exists():
            assert not any(value.encode() in found.read_bytes() for value in PLANTED), found.name
    assert store.check() == []
    store.close()
    assert not any(value.encode() in path.read_bytes() for value in PLANTED)
