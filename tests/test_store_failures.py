"""A store that fails under its callers: a full disk, a damaged page, a mark that is not a layout,
a read-only file system. Whatever SQLite raises becomes a StoreError: exit code 9 on the command
line, a 503 problem with a generic detail from the service, the store's name and SQLite's words in
the log only."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_runner import run
from fastapi.testclient import TestClient
from store_contract import RECEIVED

import complaintflow as cf
from complaintflow.service import create_app
from complaintflow.service.app import STORE_UNAVAILABLE
from complaintflow.store import SQLiteEventStore
from complaintflow.store.tokens import create_token

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "seed-year" / "events.jsonl"
CORPORATE = ROOT / "examples" / "corporate-procedure.toml"


def received(case_id: str) -> dict[str, str]:
    return {**RECEIVED, "case_id": case_id, "event_id": f"{case_id}-received"}


def large(case_id: str) -> dict[str, str]:
    """A case received with a long service area: more than a full disk has room for."""
    return {**received(case_id), "service_area": "x" * 5_000}


@contextlib.contextmanager
def small_disk(folder: Path, tmpfs: bool) -> Iterator[tuple[Path, str]]:
    """A folder on a small disk: a 256 kB tmpfs where asked and this machine lets us mount one,
    else the folder itself, with the store held to few pages by SQLite's max_page_count."""
    disk = folder / "disk"
    disk.mkdir()
    mounted = (
        tmpfs
        and os.geteuid() == 0
        and (
            subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], capture_output=True
            )
        ).returncode
        == 0
    )
    try:
        yield disk, "tmpfs" if mounted else "max_page_count"
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(disk)], check=True)


def hold_to_pages(store: SQLiteEventStore, more: int) -> None:
    """Hold the store to `more` pages beyond what it has, on every thread's connection."""
    pages = store._connection().execute("PRAGMA page_count").fetchone()[0] + more
    connect = store._connect

    def held() -> sqlite3.Connection:
        connection = connect()
        connection.execute(f"PRAGMA max_page_count = {pages}")
        return connection

    store._connect = held  # type: ignore[method-assign]
    store.close()  # this thread's connection: opened again, held


def fill(store: SQLiteEventStore, how: str) -> cf.StoreError:
    """Append cases until the disk is full; the StoreError that said so."""
    if how == "max_page_count":
        hold_to_pages(store, 8)
    for number in range(100_000):
        try:
            store.append(f"C-{number}", [large(f"C-{number}")])
        except cf.StoreError as error:
            return error
    raise AssertionError("the disk never filled")


@pytest.mark.parametrize("tmpfs", [True, False], ids=["tmpfs", "max_page_count"])
def test_a_full_disk_is_a_store_error_saying_so_and_the_store_goes_on_reading(
    tmp_path: Path, tmpfs: bool
) -> None:
    with small_disk(tmp_path, tmpfs) as (disk, how):
        store = SQLiteEventStore(disk / "store.db")
        error = fill(store, how)
        assert "the disk is full" in str(error) and str(disk) not in str(error)
        assert store.version("C-0") == 1  # earlier appends kept, the refused one left nothing
        before = store.cases()
        with pytest.raises(cf.StoreError, match="the disk is full"):
            store.append("Z", [large("Z")])
        assert store.cases() == before and store.version("Z") == 0
        store.close()


@pytest.mark.parametrize("tmpfs", [True, False], ids=["tmpfs", "max_page_count"])
def test_a_full_disk_answers_503_with_a_generic_detail_and_logs_the_cause(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, tmpfs: bool
) -> None:
    with small_disk(tmp_path, tmpfs) as (disk, how):
        store = SQLiteEventStore(disk / "store.db")
        token = create_token(store, "case-system", "write")
        fill(store, how)
        client = TestClient(create_app(store), raise_server_exceptions=False)
        with caplog.at_level(logging.WARNING):
            answers = [
                client.post(
                    f"/cases/Z-{number}/events",
                    json=large(f"Z-{number}"),
                    headers={"Authorization": f"Bearer {token}"},
                )
                for number in range(5)
            ]
        for answer in answers:
            assert answer.status_code == 503, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["detail"] == STORE_UNAVAILABLE
            assert str(disk) not in answer.text and "full" not in answer.text
        assert str(disk) in caplog.text and "full" in caplog.text  # the log says which and why
        store.close()


def test_sqlite_s_own_rollback_on_a_full_disk_is_not_rolled_back_twice(tmp_path: Path) -> None:
    store = SQLiteEventStore(tmp_path / "store.db")
    with pytest.raises(cf.StoreError, match="the disk is full"), store._writing() as db:
        db.execute("INSERT INTO complaintflow_meta (key, value) VALUES ('a', 'b')")
        db.execute("ROLLBACK")  # as SQLite does by itself on some full-disk and I/O errors
        raise sqlite3.OperationalError("database or disk is full")
    assert store.version("A") == 0


def damage(path: Path) -> None:
    """Overwrite pages in the middle of the file, leaving the header whole."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    middle = (len(data) // page) // 2
    data[middle * page : (middle + 3) * page] = b"\x5a" * (3 * page)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "command",
    [
        ["case", "--as-of", "2013-03-01"],
        ["due", "--as-of", "2013-03-01"],
        ["report", "--year", "2012"],
        ["export"],
        ["store", "check"],
        ["store", "rebuild"],
        ["import", str(SEED)],
    ],
)
def test_a_damaged_page_ends_every_command_with_one_line_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    path = tmp_path / "store.db"
    url = f"sqlite:{path}"
    assert run(capsys, "import", SEED, "--store", url, "--procedure", CORPORATE)[0] == 0
    damage(path)
    extra = [] if command[0] == "tokens" else ["--procedure", CORPORATE]
    status, _, err = run(capsys, *command, "--store", url, *extra)
    assert status != 0
    assert "Traceback" not in err
    assert "damaged" in err


@pytest.mark.parametrize("mark", ["abc", "", "٣", "1.5"])
def test_a_layout_mark_that_is_not_a_number_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mark: str
) -> None:
    path = tmp_path / "store.db"
    SQLiteEventStore(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE complaintflow_meta SET value = ? WHERE key = 'schema_version'", (mark,))
    with pytest.raises(cf.StoreError, match="layout mark is not a number"):
        cf.open_store(f"sqlite:{path}")
    status, out, err = run(capsys, "serve", "--store", f"sqlite:{path}")
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "layout mark is not a number" in err


@contextlib.contextmanager
def read_only_file_system(folder: Path) -> Iterator[None]:
    """The folder made read-only: bound onto itself read-only where this machine lets us mount, else
    the folder and its files made immutable (root) or read-only (anyone else)."""
    bound = (
        os.geteuid() == 0
        and not subprocess.run(
            ["mount", "--bind", "-o", "ro", str(folder), str(folder)], capture_output=True
        ).returncode
    )
    paths = [*folder.iterdir(), folder]
    if not bound:
        for path in paths:
            if os.geteuid() == 0:
                subprocess.run(["chattr", "+i", str(path)], check=True)
            else:
                path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        yield
    finally:
        if bound:
            subprocess.run(["umount", "-l", str(folder)], check=True)
        else:
            for path in paths:
                if os.geteuid() == 0:
                    subprocess.run(["chattr", "-i", str(path)], check=True)
                else:
                    path.chmod(0o755 if path.is_dir() else 0o644)


def test_a_store_on_a_read_only_file_system_can_be_read(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    store = SQLiteEventStore(folder / "store.db")
    store.append("A", [received("A")])
    store.close()
    with read_only_file_system(folder):
        with pytest.raises(OSError):
            (folder / "probe").write_text("x")
        reader = SQLiteEventStore(folder / "store.db")
        assert reader.cases() == ["A"] and reader.version("A") == 1
        assert [event.type for event in reader.events("A")] == ["ComplaintReceived"]
        with pytest.raises(cf.StoreError, match="read-only"):
            reader.append("B", [received("B")])
        reader.close()


def test_a_damaged_store_is_exit_status_9_and_a_store_unavailable_problem_with_format_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "store.db"
    url = f"sqlite:{path}"
    assert run(capsys, "import", SEED, "--store", url, "--procedure", CORPORATE)[0] == 0
    damage(path)
    status, _, err = run(capsys, "case", "--store", url, "--procedure", CORPORATE, "--format", "json")
    problem = json.loads(err)
    assert status == 9 and problem["kind"] == "store-unavailable" and "damaged" in problem["detail"]
    assert str(tmp_path) not in err
