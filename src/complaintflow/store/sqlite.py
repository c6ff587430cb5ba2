"""The embedded store: one SQLite file, standard library only, safe with several processes.

WAL mode lets readers go on while one process writes; every append is one `BEGIN IMMEDIATE`
transaction, so writers queue (up to `busy_timeout`) instead of failing, and feed positions are
given in the order transactions commit.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from complaintflow.calendar import WorkingDayCalendar
from complaintflow.errors import StoreError
from complaintflow.procedure import Procedure
from complaintflow.store.base import Cursor, EventStore
from complaintflow.store.schema import statements

#: How long a writer waits for another process's transaction before giving up, in milliseconds.
BUSY_TIMEOUT_MS = 30_000


class SQLiteEventStore(EventStore):
    """Events, and their projections, in one SQLite file (created if it does not exist, unless
    `create` is False)."""

    #: In WAL mode a read never waits for a writer, and a local file answers in microseconds.
    slow_reads = False

    def __init__(
        self,
        path: str | Path,
        *,
        procedures: Mapping[str, Procedure] | None = None,
        calendar: WorkingDayCalendar | None = None,
        create: bool = True,
    ) -> None:
        super().__init__(procedures=procedures, calendar=calendar)
        self.path = Path(path)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        if not self.path.parent.is_dir():
            raise StoreError(f"{self.path}: the folder does not exist")
        if self.path.is_dir():
            raise StoreError(f"{self.name}: a folder, not a store file")
        if not create and not self.path.exists():
            raise StoreError(f"{self.name}: no such file")
        try:
            with self._writing() as db:
                self._mark_layout(db)
        except sqlite3.Error as error:
            raise StoreError(f"{self.name}: {_reason(error)}") from None

    @property
    def name(self) -> str:
        return f"sqlite:{self.path}"

    def _connection(self) -> sqlite3.Connection:
        """One connection per thread, opened on first use, with the tables in place."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            try:
                connection = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
                connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                connection.execute("PRAGMA journal_mode = WAL")
                connection.execute("PRAGMA synchronous = NORMAL")
                connection.execute("PRAGMA foreign_keys = ON")
                for statement in statements("INTEGER PRIMARY KEY AUTOINCREMENT"):
                    connection.execute(statement)
            except sqlite3.Error as error:
                raise StoreError(f"{self.name}: {_reason(error)}") from None
            self._local.connection = connection
        return connection

    @contextmanager
    def _writing(self) -> Iterator[Cursor]:
        # Threads of one process queue here, on a lock that wakes them at once, rather than in
        # SQLite's busy handler, which polls with sleeps of up to 100 ms; other processes still
        # queue in SQLite.
        with self._write_lock:
            yield from self._write_transaction()

    def _write_transaction(self) -> Iterator[Cursor]:
        connection = self._connection()
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise StoreError(f"{self.name}: {_reason(error)}") from None
        cursor = connection.cursor()
        try:
            yield cursor
            connection.execute("COMMIT")
        except sqlite3.Error as error:
            connection.execute("ROLLBACK")
            raise StoreError(f"{self.name}: {_reason(error)}") from None
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    @contextmanager
    def _reading(self) -> Iterator[Cursor]:
        connection = self._connection()
        try:
            connection.execute("BEGIN")
            yield connection.cursor()
        except sqlite3.Error as error:
            raise StoreError(f"{self.name}: {_reason(error)}") from None
        finally:
            if connection.in_transaction:
                connection.execute("COMMIT")

    def backup(self, destination: str | Path) -> int:
        """A consistent copy through SQLite's online backup API, taken in one step, so that writers
        of this and other processes go on meanwhile; written beside the destination and renamed into
        place, so that a copy cut short never looks whole. An existing file is never overwritten."""
        target_path = Path(destination)
        if not target_path.parent.is_dir():
            raise StoreError(f"{target_path}: the folder does not exist")
        if target_path.exists():
            raise StoreError(f"{target_path}: exists already; a backup never overwrites a file")
        partial = target_path.with_name(target_path.name + ".partial")
        try:
            target = sqlite3.connect(partial)
            try:
                self._connection().backup(target)
                (events,) = target.execute("SELECT count(*) FROM complaintflow_events").fetchone()
            finally:
                target.close()
            partial.replace(target_path)
        except sqlite3.Error as error:
            partial.unlink(missing_ok=True)
            raise StoreError(f"{target_path}: {_reason(error)}") from None
        return int(events)

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None


def _reason(error: sqlite3.Error) -> str:
    """SQLite's own words for what went wrong, which name no data."""
    text = str(error)
    if "file is not a database" in text or "malformed" in text:
        return "not a complaintflow store, or a damaged one (file is not a database or is malformed)"
    if "readonly" in text:
        return "the file is read-only"
    if "unable to open" in text:
        return "cannot open the file"
    return text
