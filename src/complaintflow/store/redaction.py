"""Redaction: personal fields rewritten in every stored event of a case, on request.

Only personal fields may be named: the service user's equalities data (dropped, so that the service
user counts as not known in the equalities tables) and free text (rewritten to a marker). A date,
a state or a count never changes: the case is replayed after the rewrite, inside the transaction,
and a redaction that would change its view is refused. A `Redacted` event records the fields, why
and who, never the old values; subscribers of the feed see it and redact their copies.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from complaintflow.case import Case
from complaintflow.dates import london_today
from complaintflow.errors import InvalidEvent, UnknownCase
from complaintflow.events import DATE_FIELDS, Redacted, event_to_json, parse_event

if TYPE_CHECKING:
    from complaintflow.store.base import Cursor, EventStore

#: What a free-text field reads once redacted.
MARKER = "[redacted]"
#: The service user's equalities data, for the annual report's tables only.
EQUALITIES = ("gender", "ethnicity", "disability")
#: Free text, in which officers write what they write; `reason` is a code on ComplaintDeclined.
FREE_TEXT = ("reason", "late_reason", "skip_reason", "description")
#: Events whose `reason` is a code from a list, not free text.
CODED_REASON = frozenset({"ComplaintDeclined"})
PERSONAL_FIELDS = frozenset({"service_user", *(f"service_user.{name}" for name in EQUALITIES), *FREE_TEXT})
#: How deep a notice or a report nests; the rewrite goes no deeper.
MAX_DEPTH = 16
_DATES = frozenset({"on", "recorded_on"}.union(*DATE_FIELDS.values()))


def checked_fields(fields: Iterable[str]) -> tuple[str, ...]:
    """The fields to redact, each a personal field; a date or any other field is refused."""
    if isinstance(fields, str):
        fields = [fields]
    named = tuple(dict.fromkeys(fields))
    if not named:
        raise InvalidEvent("name at least one personal field to redact", field="fields")
    for name in named:
        if not isinstance(name, str) or name in _DATES:
            raise InvalidEvent("a redaction never changes a date; name personal fields only", field="fields")
        if name not in PERSONAL_FIELDS:
            allowed = ", ".join(sorted(PERSONAL_FIELDS))
            raise InvalidEvent(f"not a personal field; a redaction takes {allowed}", field="fields")
    return named


def redacted_body(body: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """A stored event's body with the fields rewritten (the same body if none is there)."""
    if body.get("type") == "Redacted":
        return body  # it holds the names of fields, never their values
    out = dict(body)
    for name in fields:
        if name.startswith("service_user"):
            user = out.get("service_user")
            if isinstance(user, dict):
                keys = EQUALITIES if name == "service_user" else (name.split(".", 1)[1],)
                out["service_user"] = {key: value for key, value in user.items() if key not in keys}
        elif out.get(name) is not None and not (name == "reason" and out.get("type") in CODED_REASON):
            out[name] = MARKER
    return out


def redact(store: EventStore, case_id: str, fields: tuple[str, ...], reason: str, by: str) -> int:
    """Rewrite the fields in every stored event of the case and record a `Redacted` event, in one
    transaction; return the case's new version."""
    with store._writing() as db:
        version, case = store._current(db, case_id)
        if version == 0:
            raise UnknownCase("no events are stored for this case")
        before = _as_it_stands(case)
        db.execute(
            store._sql("SELECT event_id, body FROM complaintflow_events WHERE case_id = ? ORDER BY version"),
            (case_id,),
        )
        changes, gone = [], set()
        for event_id, body in db.fetchall():
            stored = json.loads(body)
            rewritten = redacted_body(stored, fields)
            gone |= {
                stored[name]
                for name in FREE_TEXT
                if isinstance(stored.get(name), str) and stored[name] != rewritten.get(name)
            }
            if rewritten != stored:
                changes.append((event_to_json(parse_event(rewritten)), event_id))
        db.executemany(store._sql("UPDATE complaintflow_events SET body = ? WHERE event_id = ?"), changes)
        _rewrite_notices(store, db, case_id, fields, gone)
        _rewrite_frozen(store, db, gone)
        fresh = store._fresh(case_id, db)
        if _as_it_stands(fresh) != before:
            raise InvalidEvent("this redaction would change the case's dates or state", field="fields")
        on = fresh.last_event_on or fresh.first_event_on
        assert on is not None
        note = Redacted(
            case_id=case_id,
            on=on,
            recorded_on=max(on, london_today()),
            event_id=uuid.uuid4().hex,
            by=by,
            fields=fields,
            reason=reason,
        )
        fresh.apply(note)
        store._write(db, fresh, version, [note], by, None, case)  # the record made again: fields changed
    store._forget([case_id])
    store._scrub()
    return version + 1


def _rewrite_notices(
    store: EventStore, db: Cursor, case_id: str, fields: tuple[str, ...], gone: set[str]
) -> None:
    """Rewrite the case's notices in the outbox, queued or kept, as its events were: a notice that
    carries an event carries it redacted, and free text taken out of the events leaves every notice."""
    db.execute(store._sql("SELECT notice_id, body FROM complaintflow_notices WHERE case_id = ?"), (case_id,))
    changes = []
    for notice_id, body in db.fetchall():
        stored = json.loads(body)
        rewritten = _scrubbed(stored, gone, keys=None)
        if isinstance(rewritten.get("event"), dict):
            rewritten["event"] = redacted_body(rewritten["event"], fields)
        if rewritten != stored:
            changes.append((json.dumps(rewritten), notice_id))
    db.executemany(store._sql("UPDATE complaintflow_notices SET body = ? WHERE notice_id = ?"), changes)


def _rewrite_frozen(store: EventStore, db: Cursor, gone: set[str]) -> None:
    """Rewrite free text taken out of the case where a frozen report lists it (a learning action's
    description): the figures stay as published, the words go."""
    if not gone:
        return
    db.execute("SELECT year, procedures, counted, published FROM complaintflow_frozen")
    for year, procedures, *texts in db.fetchall():
        stored = [json.loads(text) for text in texts]
        rewritten = [_scrubbed(report, gone, keys=frozenset({"description"})) for report in stored]
        if rewritten != stored:
            db.execute(
                store._sql(
                    "UPDATE complaintflow_frozen SET counted = ?, published = ? "
                    "WHERE year = ? AND procedures = ?"
                ),
                (*(json.dumps(report) for report in rewritten), year, procedures),
            )


def _scrubbed(data: Any, gone: set[str], keys: frozenset[str] | None, depth: int = 0) -> Any:
    """`data` with every string among `gone` (under one of `keys`, if given) made the marker."""
    if depth > MAX_DEPTH:
        return data
    if isinstance(data, dict):
        return {
            key: MARKER
            if isinstance(value, str) and value in gone and (keys is None or key in keys)
            else _scrubbed(value, gone, keys, depth + 1)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [
            MARKER
            if isinstance(item, str) and item in gone and keys is None
            else _scrubbed(item, gone, keys, depth + 1)
            for item in data
        ]
    return data


def _as_it_stands(case: Case) -> object:
    """Everything a redaction must leave as it was: the view on its last day, and its events' dates."""
    last = case.last_event_on or case.first_event_on
    assert last is not None
    view = case.view(as_of=last, forms=False).model_dump(mode="json")
    for void in view["voided"]:
        void.pop("reason")  # free text, which a redaction may rewrite
    return view, [(event.type, event.on, event.event_id) for event in case.events]
