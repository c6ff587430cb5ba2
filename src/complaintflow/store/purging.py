"""Purging a store of what is past its time, leaving a tombstone for each case removed.

A purge decides every case in the transaction that removes them, so that an event appended
meanwhile (a hold, a late escalation) is either seen or waits. Removing a case takes its events
(and so its feed entries), its projections, its owner and its notices with their deliveries; its
reference can never be used again, since a case appended under it would be a different case with
the same name as one the record says was purged.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from pydantic import TypeAdapter, ValidationError

from complaintflow.case import Case
from complaintflow.dates import london_today
from complaintflow.errors import InvalidEvent, RecordKept, UnknownCase, UnknownProcedure
from complaintflow.events import Reference
from complaintflow.procedure import Retention, load_procedure
from complaintflow.store.retention import (
    REFUSALS,
    PurgeDecision,
    PurgeSummary,
    Tombstone,
    decide,
    describe_rule,
    reference_digest,
)

if TYPE_CHECKING:
    from complaintflow.store.base import Cursor, EventStore

#: The key in complaintflow_meta of the store's salt for reference digests, made at its first purge.
SALT_KEY = "tombstone_salt"
#: Every table that holds rows of one case, by its case_id column; deliveries go with their notices.
CASE_TABLES = (
    "complaintflow_deadlines",
    "complaintflow_owners",
    "complaintflow_cases",
    "complaintflow_notices",
    "complaintflow_events",
)
TOMBSTONE_COLUMNS = (
    "digest, procedure, first_on, ended_on, keep_until, purged_on, as_of, rule, reason, purged_by, events"
)


_REFERENCE: TypeAdapter[str] = TypeAdapter(Reference)


def checked_by(by: str | None, field: str = "by") -> str | None:
    """A reference to who acts (or to a request), checked like an event's `by`: never a name, never
    a page of text."""
    if by is None:
        return None
    try:
        return _REFERENCE.validate_python(by)
    except ValidationError:
        raise InvalidEvent("a reference on one line, without control characters", field=field) from None


def rule_for(store: EventStore, case: Case, procedure: str | None) -> Retention | None:
    """The retention rule of a case: the store's own for its procedure (set when it was opened),
    else its definition's, else the store's rule for every other record (`"*"`)."""
    if procedure is not None and procedure in store.retention:
        return store.retention[procedure]
    if case.procedure is not None and case.procedure.retention is not None:
        return case.procedure.retention
    if procedure is not None:
        try:
            defined = load_procedure(procedure).retention  # a compliment names its procedure
        except UnknownProcedure:
            defined = None
        if defined is not None:
            return defined
    return store.retention.get("*")


def purge(store: EventStore, as_of: date, dry_run: bool, by: str | None) -> PurgeSummary:
    """Remove every case past its retention as of the day (or, with `dry_run`, only say which)."""
    purged: list[PurgeDecision] = []
    kept: list[PurgeDecision] = []
    with store._reading() if dry_run else store._writing() as db:
        db.execute("SELECT case_id, procedure FROM complaintflow_cases ORDER BY case_id")
        listed = db.fetchall()
        salt = None if dry_run else _salt(store, db, create=True)
        for case_id, procedure in listed:
            case = store._fresh(case_id, db)
            rule = rule_for(store, case, procedure)
            decision = decide(case, case_id, rule, as_of)
            if not decision.purge:
                kept.append(decision)
                continue
            purged.append(decision)
            if salt is not None:
                remove(store, db, case, salt, decision, rule, as_of, by)
    if not dry_run:
        store._forget([decision.case_id for decision in purged])
    return PurgeSummary(as_of, dry_run, tuple(purged), tuple(kept))


def erase(
    store: EventStore, case_id: str, as_of: date, by: str | None, reason: str | None = None
) -> Tombstone:
    """Remove one case before its time, on request, with the refusals of a purge."""
    with store._writing() as db:
        case = store._fresh(case_id, db)
        if not case.events:
            raise UnknownCase("no events are stored for this case")
        db.execute(store._sql("SELECT procedure FROM complaintflow_cases WHERE case_id = ?"), (case_id,))
        found = db.fetchone()
        decision = decide(case, case_id, rule_for(store, case, found[0] if found else None), as_of)
        if decision.reason in REFUSALS:
            raise RecordKept(f"case {case_id}: not erased, {decision.reason}")
        erasure = replace(decision, purge=False, keep_until=None)
        salt = _salt(store, db, create=True) or ""
        stone = remove(store, db, case, salt, erasure, None, as_of, by, request=reason)
    store._forget([case_id])
    return stone


def remove(
    store: EventStore,
    db: Cursor,
    case: Case,
    salt: str,
    decision: PurgeDecision,
    rule: Retention | None,
    as_of: date,
    by: str | None,
    request: str | None = None,
) -> Tombstone:
    """Delete every row of the case and write its tombstone, in the caller's transaction; an
    erasure names the `request` it answered, if given."""
    case_id = decision.case_id
    first_on = case.first_event_on
    assert first_on is not None
    tombstone = Tombstone(
        digest=reference_digest(salt, case_id),
        procedure=decision.procedure,
        first_on=first_on.isoformat(),
        ended_on=decision.ended_on.isoformat() if decision.ended_on else None,
        keep_until=decision.keep_until.isoformat() if decision.keep_until else None,
        purged_on=london_today().isoformat(),
        as_of=as_of.isoformat(),
        rule=describe_rule(rule) + (f" ({request})" if request else ""),
        reason="schedule" if decision.purge else "erasure",
        purged_by=by,
        events=len(case.events),
    )
    db.execute(
        store._sql(
            "DELETE FROM complaintflow_deliveries WHERE notice_id IN "
            "(SELECT notice_id FROM complaintflow_notices WHERE case_id = ?)"
        ),
        (case_id,),
    )
    for table in CASE_TABLES:
        db.execute(store._sql(f"DELETE FROM {table} WHERE case_id = ?"), (case_id,))
    marks = ", ".join("?" for _ in TOMBSTONE_COLUMNS.split(","))
    db.execute(
        store._sql(f"INSERT INTO complaintflow_tombstones ({TOMBSTONE_COLUMNS}) VALUES ({marks})"),
        (
            tombstone.digest,
            tombstone.procedure,
            tombstone.first_on,
            tombstone.ended_on,
            tombstone.keep_until,
            tombstone.purged_on,
            tombstone.as_of,
            tombstone.rule,
            tombstone.reason,
            tombstone.purged_by,
            tombstone.events,
        ),
    )
    return tombstone


def tombstones(store: EventStore) -> list[Tombstone]:
    """Every tombstone, oldest purge first."""
    with store._reading() as db:
        db.execute(f"SELECT {TOMBSTONE_COLUMNS} FROM complaintflow_tombstones ORDER BY purged_on, digest")
        rows = db.fetchall()
    names = [name.strip() for name in TOMBSTONE_COLUMNS.split(",")]
    return [Tombstone(**{**dict(zip(names, row, strict=True)), "events": int(row[-1])}) for row in rows]


def refuse_purged(store: EventStore, db: Cursor, case_id: str) -> None:
    """Refuse a new case under the reference of one purged: the record says that case is gone."""
    salt = _salt(store, db, create=False)
    if salt is None:
        return  # never purged
    db.execute(
        store._sql("SELECT 1 FROM complaintflow_tombstones WHERE digest = ?"),
        (reference_digest(salt, case_id),),
    )
    if db.fetchone() is not None:
        raise InvalidEvent(
            "this case was purged from the store; its reference cannot be used again", field="case_id"
        )


def check_tombstones(store: EventStore, with_events: list[str]) -> list[str]:
    """The differences `store check` finds in the tombstones: a purged case with events again, or
    one purged by schedule before its time."""
    with store._reading() as db:
        salt = _salt(store, db, create=False)
    if salt is None:
        return []
    found = {stone.digest: stone for stone in tombstones(store)}
    differences = [
        f"case {case_id}: purged, yet it has events"
        for case_id in with_events
        if reference_digest(salt, case_id) in found
    ]
    for stone in found.values():
        if stone.reason == "schedule" and (stone.keep_until is None or stone.keep_until >= stone.as_of):
            differences.append(f"tombstone {stone.digest[:12]}: purged by schedule before its time")
    return differences


def _salt(store: EventStore, db: Cursor, *, create: bool) -> str | None:
    db.execute(store._sql("SELECT value FROM complaintflow_meta WHERE key = ?"), (SALT_KEY,))
    found = db.fetchone()
    if found is not None:
        return str(found[0])
    if not create:
        return None
    salt = secrets.token_hex(16)
    db.execute(store._sql("INSERT INTO complaintflow_meta (key, value) VALUES (?, ?)"), (SALT_KEY, salt))
    return salt
