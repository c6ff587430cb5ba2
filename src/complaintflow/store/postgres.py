"""The shared store: PostgreSQL through psycopg 3 and a connection pool, for councils that run
several application servers (install the `postgres` extra).

The same rules as every store, from the database's own transactions and constraints. Appends take
`LOCK TABLE ... IN SHARE ROW EXCLUSIVE MODE` on the events table: readers go on, and writers take
turns, so feed positions become visible in the order they were given. A sequence alone would not
guarantee that: two transactions can take positions 7 and 8 and commit 8 first, and a subscriber
that read 8 would then skip 7 for ever.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from complaintflow.calendar import WorkingDayCalendar
from complaintflow.errors import StoreError
from complaintflow.extras import install_hint
from complaintflow.procedure import Procedure
from complaintflow.store.base import Cursor, EventStore
from complaintflow.store.failures import postgres_failure
from complaintflow.store.schema import NEWEST_TABLE, statements

try:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict
    from psycopg_pool import ConnectionPool, PoolTimeout
except ImportError as missing:  # pragma: no cover - depends on what is installed
    needed = install_hint("postgres")
    raise StoreError(f"the PostgreSQL store needs the postgres extra: {needed}") from missing

#: How long to wait for a server to answer a new connection, unless the DSN says (connect_timeout).
CONNECT_TIMEOUT_S = 5

_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class PostgresEventStore(EventStore):
    """Events, and their projections, in a PostgreSQL database (tables created if missing)."""

    mark = "%s"

    def __init__(
        self,
        dsn: str,
        *,
        schema: str | None = None,
        procedures: Mapping[str, Procedure] | None = None,
        calendar: WorkingDayCalendar | None = None,
        pool_size: int = 4,
    ) -> None:
        super().__init__(procedures=procedures, calendar=calendar)
        self.dsn = dsn
        if schema is not None and not _SCHEMA_NAME.fullmatch(schema):
            raise StoreError("a schema name is lower-case letters, digits and underscores")
        self.schema = schema
        options: dict[str, Any] = {"autocommit": False}
        if schema is not None:
            options["options"] = f"-c search_path={schema}"
        self._probe(options)
        try:
            self._pool = ConnectionPool(dsn, min_size=1, max_size=pool_size, kwargs=options, open=False)
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT_S * 2)
        except (psycopg.Error, PoolTimeout) as error:
            raise StoreError(f"{self.name}: cannot connect ({type(error).__name__})") from None
        try:
            with self._transaction() as db:
                db.execute("SELECT pg_advisory_xact_lock(20061738)")  # one process creates the tables
                if schema is not None:
                    db.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
                db.execute(f"SELECT to_regclass('{NEWEST_TABLE}') IS NULL")
                if db.fetchone()[0]:  # a new store (or one of an earlier release): DDL only then
                    for statement in statements("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"):
                        db.execute(statement)
                self._mark_layout(db)
        except StoreError:
            self.close()
            raise

    @property
    def name(self) -> str:
        """The DSN with any password left out."""
        return re.sub(r"(://[^:/@]*):[^@]*@", r"\1@", re.sub(r"password=[^&\s]*&?", "", self.dsn))

    def _probe(self, options: dict[str, Any]) -> None:
        """One connection before the pool opens, so that a store that cannot be reached says why at
        once (the pool would retry until its own timeout and then say only that it timed out)."""
        given = conninfo_to_dict(self.dsn) if "://" in self.dsn or "=" in self.dsn else {}
        settings = dict(options)
        if "connect_timeout" not in given:
            settings["connect_timeout"] = CONNECT_TIMEOUT_S
        try:
            psycopg.connect(self.dsn, **settings).close()
        except psycopg.Error as error:
            raise StoreError(f"{self.name}: cannot connect: {_why(str(error))}") from None

    @contextmanager
    def _writing(self) -> Iterator[Cursor]:
        with self._transaction() as cursor:
            cursor.execute("LOCK TABLE complaintflow_events IN SHARE ROW EXCLUSIVE MODE")
            yield cursor

    @contextmanager
    def _reading(self) -> Iterator[Cursor]:
        with self._transaction() as cursor:
            yield cursor

    @contextmanager
    def _transaction(self) -> Iterator[Cursor]:
        try:
            with (
                self._pool.connection() as connection,
                connection.transaction(),
                connection.cursor() as cursor,
            ):
                yield cursor
        except (psycopg.Error, PoolTimeout) as error:
            raise postgres_failure(self.name, error) from None

    def _failed(self, error: Exception) -> Exception:
        return postgres_failure(self.name, error) if isinstance(error, psycopg.Error) else error

    def backup(self, destination: str | Path) -> int:
        """PostgreSQL's own tool takes consistent copies of a live database: see docs/stores.md."""
        raise StoreError(
            f"back up a PostgreSQL store with pg_dump, which copies a live database consistently: "
            f"pg_dump --format=custom --file {Path(destination).name} '{self.name}' (docs/stores.md)"
        )

    def _scrub(self) -> None:
        """Vacuum the tables a redaction rewrote, so that the old row versions are removed from
        them (VACUUM runs outside a transaction; the connection goes back as it came)."""
        try:
            with self._pool.connection() as connection:
                connection.commit()
                connection.autocommit = True
                try:
                    connection.execute("VACUUM complaintflow_events, complaintflow_cases")
                finally:
                    connection.autocommit = False
        except psycopg.Error as error:
            raise postgres_failure(self.name, error) from None

    def close(self) -> None:
        self._pool.close()

    def drop(self) -> None:
        """Remove the store's schema and everything in it (for tests and tidy-ups)."""
        if self.schema is None:
            raise StoreError("only a store in a schema of its own can be dropped")
        with self._transaction() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")


#: Why a connection failed, from libpq's words, most specific first.
_REASONS = (
    ("does not exist", "database", "no such database"),
    ("password authentication failed", "", "authentication failed"),
    ("role", "does not exist", "authentication failed (no such role)"),
    ("no password supplied", "", "authentication failed (the server asks for a password)"),
    ("Connection refused", "", "connection refused (is the server running, on this host and port?)"),
    ("failed to resolve host", "", "no such host"),
    ("timeout expired", "", f"no answer within {CONNECT_TIMEOUT_S} s"),
)


def _why(text: str) -> str:
    """The reason a connection failed, in a few words; libpq's own text otherwise (it never holds
    the password), on one line."""
    for first, second, reason in _REASONS:
        if first in text and second in text:
            return reason
    return _first_line(Exception(text))


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0][:200] if str(error) else "no detail"
