"""The shared store: PostgreSQL through psycopg 3 and a connection pool, for councils that run
several application servers (install the `postgres` extra).

The same rules as every store, from the database's own transactions and constraints. Appends to
different cases run at once, each in one round trip to the server when its case is as it was checked
(`APPEND_FUNCTIONS`); appends to one case take turns on a lock of that case.

The feed must still be read in commit order: two transactions can take positions 7 and 8 and commit
8 first, and a subscriber that read 8 would then skip 7 for ever. So positions are reserved under a
short lock, and each reservation holds a lock on its first position until its transaction ends; the
feed reads only below the first position still reserved (`complaintflow_feed_bound`), so a
subscriber that resumes from its last position never skips one. Writers other than appends (imports,
purges, redactions) take a table lock, and so wait for the appends under way, and they for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from complaintflow.calendar import WorkingDayCalendar
from complaintflow.errors import StoreError
from complaintflow.events import EventBase
from complaintflow.extras import install_hint
from complaintflow.procedure import Procedure
from complaintflow.store.base import Cursor, EventStore, _Prepared
from complaintflow.store.failures import postgres_failure
from complaintflow.store.schema import ANY_TABLE_MISSING, statements

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

#: Advisory lock keys (database-wide): the reservation of positions takes SECTION alone and for a
#: moment, the feed's bound shares it; each reservation holds (RESERVED + first // 2**31,
#: first % 2**31) until its transaction ends; an append holds (CASE, hash of its case) likewise.
SECTION = 20_061_739
RESERVED = 1_128_660_992
CASE = RESERVED - 1
#: The state an append's check raises when its case moved on, or one of its events is stored.
MOVED = "CF001"

#: Reserving positions, the feed's bound, and the check an append sends with its writes.
APPEND_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION complaintflow_reserve(wanted integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    positions regclass := pg_get_serial_sequence('complaintflow_events', 'position')::regclass;
    first bigint;
BEGIN
    PERFORM pg_advisory_lock({SECTION});
    BEGIN
        first := nextval(positions);
        IF wanted > 1 THEN
            PERFORM setval(positions, first + wanted - 1);
        END IF;
        PERFORM pg_advisory_xact_lock(({RESERVED} + (first >> 31))::integer, (first & 2147483647)::integer);
    EXCEPTION WHEN OTHERS OR query_canceled THEN
        PERFORM pg_advisory_unlock({SECTION});
        RAISE;
    END;
    PERFORM pg_advisory_unlock({SECTION});
    RETURN first;
END
$$;
CREATE OR REPLACE FUNCTION complaintflow_feed_bound() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    reserved bigint;
    last bigint;
BEGIN
    PERFORM pg_advisory_lock_shared({SECTION});
    BEGIN
        SELECT min(((classid::bigint - {RESERVED}) << 31) | objid::bigint) INTO reserved FROM pg_locks
        WHERE locktype = 'advisory' AND objsubid = 2
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND classid::bigint BETWEEN {RESERVED} AND {RESERVED} + 65535;
        last := coalesce(pg_sequence_last_value(
            pg_get_serial_sequence('complaintflow_events', 'position')::regclass), 0);
    EXCEPTION WHEN OTHERS OR query_canceled THEN
        PERFORM pg_advisory_unlock_shared({SECTION});
        RAISE;
    END;
    PERFORM pg_advisory_unlock_shared({SECTION});
    RETURN least(coalesce(reserved, last + 1), last + 1);
END
$$;
CREATE OR REPLACE FUNCTION complaintflow_check(appended text, checked_at integer, ids text[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({CASE}, hashtext(appended));
    IF coalesce((SELECT version FROM complaintflow_cases WHERE case_id = appended), 0) <> checked_at
        OR EXISTS (SELECT 1 FROM complaintflow_events WHERE event_id = ANY (ids)) THEN
        RAISE EXCEPTION 'the case moved on since it was checked' USING ERRCODE = '{MOVED}';
    END IF;
END
$$;
"""


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
        options: dict[str, Any] = {"autocommit": True}  # reads are one statement each; writes BEGIN
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
                db.execute(ANY_TABLE_MISSING)
                if db.fetchone()[0]:  # a new store (or one of an earlier release): DDL only then
                    for statement in statements("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"):
                        db.execute(statement)
                db.execute(APPEND_FUNCTIONS)
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
        """A transaction that waits for the appends under way, and keeps others out until it ends."""
        with self._transaction() as cursor:
            cursor.execute("LOCK TABLE complaintflow_events IN SHARE ROW EXCLUSIVE MODE")
            yield cursor

    @contextmanager
    def _reading(self) -> Iterator[Cursor]:
        """Statements each committed on its own: PostgreSQL's default isolation (read committed)
        gives each statement of a transaction its own snapshot anyway."""
        try:
            with self._pool.connection() as connection, connection.cursor() as cursor:
                yield cursor
        except (psycopg.Error, PoolTimeout) as error:
            raise postgres_failure(self.name, error) from None

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

    @contextmanager
    def _pipelined(self) -> Iterator[Cursor]:
        """A transaction whose statements, BEGIN and COMMIT among them, are sent without waiting
        for each answer: writes whose results are not read cost no round trip of their own, and the
        whole costs one when nothing in it is read. Rolled back on any failure; a check that found
        the case moved on raises `_Moved`."""
        try:
            with self._pool.connection() as connection:
                try:
                    with connection.pipeline(), connection.cursor() as cursor:
                        cursor.execute("BEGIN")
                        yield cursor
                        cursor.execute("COMMIT")
                except BaseException:
                    connection.rollback()
                    raise
        except (psycopg.Error, PoolTimeout) as error:
            if getattr(error, "sqlstate", None) == MOVED:
                raise _Moved from None
            raise postgres_failure(self.name, error) from None

    def _commit_append(
        self,
        case_id: str,
        batch: list[EventBase],
        expected_version: int | None,
        prepared: _Prepared,
        recorded_by: str | None,
    ) -> int:
        """One round trip (two for a new case, which asks whether its reference was purged): the
        check that the case is still at the version it was checked at and none of the events is
        stored, and the writes, sent together. Otherwise (a retry, a stale version, another append
        to the case first) the append is made as every store makes it, under the table lock."""
        if prepared.refusal is None and expected_version in (None, prepared.version):
            try:
                with self._pipelined() as db:
                    db.execute("LOCK TABLE complaintflow_events IN ROW EXCLUSIVE MODE")
                    db.execute(
                        "SELECT complaintflow_check(%s, %s, %s)",
                        (case_id, prepared.version, [event.event_id for event in batch]),
                    )
                    committed = self._written(
                        db,
                        case_id,
                        prepared.version,
                        prepared.stored,
                        prepared.case,
                        prepared.accepted,
                        recorded_by,
                    )
                return committed()
            except _Moved:
                pass
        with self._writing() as db:
            committed = self._append_in(db, case_id, batch, expected_version, prepared, recorded_by)
        return committed()

    def _insert_events(self, db: Cursor, rows: list[tuple[Any, ...]]) -> None:
        """The rows in one statement, at positions reserved for them (see the module's notes)."""
        db.execute(
            "WITH reserved AS (SELECT complaintflow_reserve(%s) AS first) "
            "INSERT INTO complaintflow_events (position, case_id, version, event_id, type, on_date, body, "
            "recorded_by) OVERRIDING SYSTEM VALUE SELECT reserved.first + e.n - 1, e.case_id, e.version, "
            "e.event_id, e.type, e.on_date, e.body, e.recorded_by FROM reserved, unnest(%s::text[], "
            "%s::integer[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[]) WITH ORDINALITY "
            "AS e (case_id, version, event_id, type, on_date, body, recorded_by, n)",
            (len(rows), *(list(column) for column in zip(*rows, strict=True))),
        )

    def _feed_bound(self, db: Cursor) -> int | None:
        db.execute("SELECT complaintflow_feed_bound()")
        return int(db.fetchone()[0])

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
            with self._pool.connection() as connection:  # in autocommit, as every connection is
                connection.execute(
                    "VACUUM complaintflow_events, complaintflow_cases, complaintflow_notices, "
                    "complaintflow_frozen"
                )
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


class _Moved(Exception):
    """The case moved on since the append was checked, or one of its events is stored: the append
    is made again under the table lock, which decides between a retry, a refusal and a recheck."""


def _why(text: str) -> str:
    """The reason a connection failed, in a few words; libpq's own text otherwise (it never holds
    the password), on one line."""
    for first, second, reason in _REASONS:
        if first in text and second in text:
            return reason
    return _first_line(Exception(text))


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0][:200] if str(error) else "no detail"
