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
from typing import Any

from complaintflow.calendar import WorkingDayCalendar
from complaintflow.errors import StoreError
from complaintflow.extras import install_hint
from complaintflow.procedure import Procedure
from complaintflow.store.base import Cursor, EventStore
from complaintflow.store.failures import postgres_failure
from complaintflow.store.schema import statements

try:
    import psycopg
    from psycopg_pool import ConnectionPool, PoolTimeout
except ImportError as missing:  # pragma: no cover - depends on what is installed
    needed = install_hint("postgres")
    raise StoreError(f"the PostgreSQL store needs the postgres extra: {needed}") from missing

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
        try:
            self._pool = ConnectionPool(dsn, min_size=1, max_size=pool_size, kwargs=options, open=False)
            self._pool.open(wait=True, timeout=10)
        except (psycopg.Error, PoolTimeout) as error:
            raise StoreError(f"{self.name}: cannot connect ({type(error).__name__})") from None
        try:
            with self._transaction() as db:
                db.execute("SELECT pg_advisory_xact_lock(20061738)")  # one process creates the tables
                if schema is not None:
                    db.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
                db.execute("SELECT to_regclass('complaintflow_meta') IS NULL")
                if db.fetchone()[0]:  # a new store: DDL only then, so it never waits on appends
                    for statement in statements("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"):
                        db.execute(statement)
                self._mark_layout(db)
        except StoreError:
            self.close()
            raise

    @property
    def name(self) -> str:
        """The DSN with any password left out."""
        return re.sub(r"(://[^:/@]*):[^@]*@", r"\1@", self.dsn)

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

    def close(self) -> None:
        self._pool.close()

    def drop(self) -> None:
        """Remove the store's schema and everything in it (for tests and tidy-ups)."""
        if self.schema is None:
            raise StoreError("only a store in a schema of its own can be dropped")
        with self._transaction() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
