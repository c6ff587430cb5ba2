"""The record: event stores, chosen by URL.

store = open_store("sqlite:complaints.db")             # embedded, the default
store = open_store("sqlite:complaints.db?durability=normal")   # may lose the last appends on power loss
store = open_store("postgresql://host/db")             # shared, with the `postgres` extra
"""

from __future__ import annotations

from collections.abc import Mapping

from complaintflow.calendar import WorkingDayCalendar
from complaintflow.errors import StoreError
from complaintflow.procedure import Procedure
from complaintflow.store.base import EventStore
from complaintflow.store.sqlite import DURABILITY, SQLiteEventStore

__all__ = ["EventStore", "SQLiteEventStore", "open_store"]


def open_store(
    url: str,
    *,
    procedures: Mapping[str, Procedure] | None = None,
    calendar: WorkingDayCalendar | None = None,
    create: bool = True,
) -> EventStore:
    """The store a URL names: `sqlite:PATH` or `postgresql://...` (also `postgres://`). With
    `create=False` a SQLite file that does not exist is refused ("no such file") rather than made.
    A SQLite URL may end in `?durability=normal` (or `full`, the default): see docs/stores.md."""
    if not isinstance(url, str):
        raise StoreError("a store is named by a URL such as sqlite:complaints.db")
    if url.startswith("sqlite:"):
        path, options = _sqlite_options(url.removeprefix("sqlite:").removeprefix("//"))
        return SQLiteEventStore(path, procedures=procedures, calendar=calendar, create=create, **options)
    if url.startswith(("postgresql://", "postgres://")):
        from complaintflow.store.postgres import PostgresEventStore

        store: EventStore = PostgresEventStore(url, procedures=procedures, calendar=calendar)
        return store
    raise StoreError("a store URL starts with sqlite: or postgresql://")


def _sqlite_options(text: str) -> tuple[str, dict[str, str]]:
    """The path of a SQLite URL and its options: only `durability`, given once."""
    path, mark, query = text.partition("?")
    if not mark:
        return path, {}
    name, equals, value = query.partition("=")
    if name != "durability" or not equals or value not in DURABILITY:
        raise StoreError("a sqlite: URL takes one option, durability=full or durability=normal")
    return path, {"durability": value}
