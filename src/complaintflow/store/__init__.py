"""The record: event stores, chosen by URL.

store = open_store("sqlite:complaints.db")             # embedded, the default
store = open_store("postgresql://host/db")             # shared, with the `postgres` extra
"""

from __future__ import annotations

from collections.abc import Mapping

from complaintflow.calendar import WorkingDayCalendar
from complaintflow.errors import StoreError
from complaintflow.procedure import Procedure
from complaintflow.store.base import EventStore
from complaintflow.store.sqlite import SQLiteEventStore

__all__ = ["EventStore", "SQLiteEventStore", "open_store"]


def open_store(
    url: str,
    *,
    procedures: Mapping[str, Procedure] | None = None,
    calendar: WorkingDayCalendar | None = None,
    create: bool = True,
) -> EventStore:
    """The store a URL names: `sqlite:PATH` or `postgresql://...` (also `postgres://`). With
    `create=False` a SQLite file that does not exist is refused ("no such file") rather than made."""
    if not isinstance(url, str):
        raise StoreError("a store is named by a URL such as sqlite:complaints.db")
    if url.startswith("sqlite:"):
        return SQLiteEventStore(
            url.removeprefix("sqlite:").removeprefix("//"),
            procedures=procedures,
            calendar=calendar,
            create=create,
        )
    if url.startswith(("postgresql://", "postgres://")):
        from complaintflow.store.postgres import PostgresEventStore

        store: EventStore = PostgresEventStore(url, procedures=procedures, calendar=calendar)
        return store
    raise StoreError("a store URL starts with sqlite: or postgresql://")
