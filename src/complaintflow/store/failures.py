"""What a database failure becomes, whichever database raised it: one rule for every store.

A failure is a `StoreError` naming the store and the kind of failure in plain words (the disk is
full, the file is damaged, the server cannot be reached), so the command line exits with the store's
code and the service answers 503. The driver's own text, which may quote paths, hosts or values,
goes to the log, never into the error.
"""

from __future__ import annotations

import logging

from complaintflow.errors import StoreError, printable

log = logging.getLogger("complaintflow.store")

#: SQLite's primary result codes (`sqlite3.Error.sqlite_errorname` up to the first '_' after
#: 'SQLITE_'), and what each means to whoever runs the store.
SQLITE_REASONS = {
    "SQLITE_FULL": "the disk is full",
    "SQLITE_CORRUPT": "not a complaintflow store, or a damaged one (the file is malformed)",
    "SQLITE_NOTADB": "not a complaintflow store, or a damaged one (file is not a database)",
    "SQLITE_READONLY": "the file is read-only",
    "SQLITE_CANTOPEN": "cannot open the file",
    "SQLITE_PERM": "cannot open the file",
    "SQLITE_BUSY": "another process held the store too long",
    "SQLITE_LOCKED": "another process held the store too long",
    "SQLITE_IOERR": "the disk could not be read or written",
    "SQLITE_NOMEM": "out of memory",
}

#: PostgreSQL's SQLSTATE classes (the first two characters), and what each means.
POSTGRES_REASONS = {
    "08": "cannot reach the database server",
    "25": "the database is read-only",
    "40": "the database gave up on a busy transaction",
    "42": "the tables are not those of a complaintflow store",
    "53": "the database server is out of disk space or memory",
    "54": "the database server refused a value over its limits",
    "57": "the database server is shutting down or was stopped",
    "58": "the database server could not read or write its files",
    "XX": "the database server reports damaged data",
}


def sqlite_failure(name: str, error: Exception) -> StoreError:
    """The StoreError for what `sqlite3` raised, its own text logged."""
    return store_failure(name, error, sqlite_reason(error))


def sqlite_reason(error: Exception) -> str:
    """What a `sqlite3` error means, in plain words, from its result code."""
    code = getattr(error, "sqlite_errorname", "") or ""
    primary = "_".join(code.split("_")[:2])
    return SQLITE_REASONS.get(primary) or _sqlite_reason_from_text(str(error))


def _sqlite_reason_from_text(text: str) -> str:
    """For an error without a result code (raised by the sqlite3 module itself, not SQLite)."""
    if "disk is full" in text:
        return SQLITE_REASONS["SQLITE_FULL"]
    if "malformed" in text or "not a database" in text:
        return SQLITE_REASONS["SQLITE_CORRUPT"]
    if "decode" in text:
        return "a stored text is not valid UTF-8: the file is damaged"
    return "the database failed"


def postgres_failure(name: str, error: Exception) -> StoreError:
    """The StoreError for what psycopg or its pool raised, its own text logged."""
    state = getattr(error, "sqlstate", None) or ""
    reason = POSTGRES_REASONS.get(state[:2])
    if reason is None:
        reason = "no database connection came free in time" if "Pool" in type(error).__name__ else ""
    if not reason:
        reason = "cannot reach the database server" if not state else "the database refused the operation"
    return store_failure(name, error, reason)


def store_failure(name: str, error: Exception, reason: str) -> StoreError:
    """Log the driver's words with the store's name; return the error a caller may show anyone."""
    log.warning("%s: %s: %s", name, type(error).__name__, printable(str(error) or "no detail"))
    return StoreError(f"{reason} ({type(error).__name__})")
