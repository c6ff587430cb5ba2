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
from complaintflow.store.failures import sqlite_failure, sqlite_reason
from complaintflow.store.schema import TABLE_COUNT, statements

#: How long a writer waits for another process's transaction before giving up, in milliseconds.
BUSY_TIMEOUT_MS = 30_000
#: SQLite's `synchronous` setting for each durability a store may be opened with (docs/stores.md):
#: "full" syncs the write-ahead log at every commit, so an acknowledged append survives power loss;
#: "normal" syncs it only at checkpoints, so the last appends may roll back after a power cut or an
#: operating-system crash (never after the process alone dies).
DURABILITY = {"full": "FULL", "normal": "NORMAL"}


class SQLiteEventStore(EventStore):
    """Events, and their projections, in one SQLite file (created if it does not exist, unless
    `create` is False); `durability="normal"` trades the last appends before a power cut for speed."""

    def __init__(
        self,
        path: str | Path,
        *,
        procedures: Mapping[str, Procedure] | None = None,
        calendar: WorkingDayCalendar | None = None,
        create: bool = True,
        durability: str = "full",
    ) -> None:
        super().__init__(procedures=procedures, calendar=calendar)
        if durability not in DURABILITY:
            raise StoreError("a SQLite store's durability is full (the default) or normal")
        self.durability = durability
        self.path = Path(path)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        if not self.path.parent.is_dir():
            raise StoreError(f"{self.path}: the folder does not exist")
        if self.path.is_dir():
            raise StoreError(f"{self.name}: a folder, not a store file")
        if not create and not self.path.exists():
            raise StoreError(f"{self.name}: no such file")
        self._create_tables()
        with self._reading() as db:
            marked = self._layout_marked(db)
        if not marked:
            with self._writing() as db:
                self._mark_layout(db)

    @property
    def name(self) -> str:
        return f"sqlite:{self.path}"

    def _connection(self) -> sqlite3.Connection:
        """One connection per thread, opened on first use. Setting up writes nothing when the store
        is set up already, so a store on a read-only file system can still be read."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            try:
                connection = self._connect()
            except sqlite3.Error as error:
                raise sqlite_failure(self.name, error) from None
            self._local.connection = connection
        return connection

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                connection.execute("PRAGMA journal_mode = WAL")
        except sqlite3.Error as error:
            connection.close()
            if getattr(error, "sqlite_errorname", "") != "SQLITE_CANTOPEN" or not self.path.is_file():
                raise
            # A store in WAL mode on a read-only file system: SQLite cannot make the index of the
            # write-ahead log beside it, and reads the file as it stands, which nothing can change.
            connection = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?immutable=1", uri=True, isolation_level=None
            )
        connection.execute(f"PRAGMA synchronous = {DURABILITY[self.durability]}")
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA secure_delete = ON")  # a redacted value leaves the file
        return connection

    def _create_tables(self) -> None:
        """The tables, where a table is missing (a new store, or one of an older layout)."""
        with self._reading() as db:
            db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'complaint%'")
            if db.fetchone()[0] == TABLE_COUNT:
                return
        with self._writing() as db:
            for statement in statements("INTEGER PRIMARY KEY AUTOINCREMENT"):
                db.execute(statement)

    @contextmanager
    def _writing(self) -> Iterator[Cursor]:
        # Threads of one process queue here, on a lock that wakes them at once, rather than in
        # SQLite's busy handler, which polls with sleeps of up to 100 ms; other processes still
        # queue in SQLite.
        with self._write_lock:
            yield from self._transaction("BEGIN IMMEDIATE")

    @contextmanager
    def _reading(self) -> Iterator[Cursor]:
        yield from self._transaction("BEGIN")

    def _transaction(self, begin: str) -> Iterator[Cursor]:
        """A transaction committed on leaving, else rolled back; whatever SQLite raises on the way,
        BEGIN, the work, COMMIT or ROLLBACK, becomes a StoreError."""
        connection = self._connection()
        try:
            connection.execute(begin)
            yield connection.cursor()
            connection.execute("COMMIT")
        except sqlite3.Error as error:
            self._roll_back(connection)
            raise sqlite_failure(self.name, error) from None
        except BaseException:
            self._roll_back(connection)
            raise

    def _failed(self, error: Exception) -> Exception:
        return sqlite_failure(self.name, error) if isinstance(error, sqlite3.Error) else error

    def _roll_back(self, connection: sqlite3.Connection) -> None:
        """Roll back if SQLite has not already (it does itself on a full disk or an I/O error); a
        connection that cannot roll back is closed, so the next use opens a fresh one."""
        if not connection.in_transaction:
            return
        try:
            connection.execute("ROLLBACK")
        except sqlite3.Error as error:
            sqlite_failure(self.name, error)  # logged; the first failure is the one to report
            self.close()

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
            raise StoreError(f"{target_path}: {sqlite_reason(error)}") from None
        return int(events)

    def _scrub(self) -> None:
        """Copy the write-ahead log into the file and truncate it, so that the page images holding
        values a redaction rewrote leave the log; `secure_delete` has zeroed them in the file."""
        try:
            self._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as error:
            raise sqlite_failure(self.name, error) from None

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
