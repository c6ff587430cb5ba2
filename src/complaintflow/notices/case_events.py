"""Case events for subscriptions that want them: a subscription whose kinds name event types
(`Responded`, `EscalationRequested`, ...) is sent each such event stored after it was made.

A notify run follows the store's feed from where the last one stopped, in one transaction per page,
and puts each wanted event in the outbox once (its id comes from the event's own id), to be
delivered like any notice, as a webhook of type `event.<Type>`.
"""

from __future__ import annotations

import hashlib
import json

from complaintflow.events import EVENT_TYPES, parse_event
from complaintflow.notices.outbox import queue_deliveries
from complaintflow.store.base import Cursor, EventStore

#: Where the last notify run stopped in the feed, kept in the store's meta table.
POSITION_KEY = "notices_feed_position"
#: Feed events read per transaction.
PAGE = 1_000
#: The prefix of an outbox entry that carries a case event rather than a deadline's notice.
PREFIX = "evt_"


def event_notice_id(event_id: str) -> str:
    return PREFIX + hashlib.sha256(event_id.encode()).hexdigest()[:32]


def queue_case_events(store: EventStore) -> int:
    """Put the stored events that subscriptions want in the outbox; return how many."""
    queued = 0
    while True:
        with store._writing() as db:
            found, more = _queue_page(store, db)
        queued += found
        if not more:
            return queued


def _queue_page(store: EventStore, db: Cursor) -> tuple[int, bool]:
    db.execute(store._sql("SELECT value FROM complaintflow_meta WHERE key = ?"), (POSITION_KEY,))
    row = db.fetchone()
    after = int(row[0]) if row is not None else 0
    db.execute("SELECT subscription_id, kinds, after_position FROM complaintflow_subscriptions")
    wanting = [
        (subscription_id, {kind for kind in json.loads(kinds) if kind in EVENT_TYPES}, int(since))
        for subscription_id, kinds, since in db.fetchall()
    ]
    db.execute(
        store._sql(
            "SELECT position, body FROM complaintflow_events WHERE position > ? ORDER BY position LIMIT ?"
        ),
        (after, PAGE),
    )
    page = db.fetchall()
    queued = 0
    for position, body in page:
        event = parse_event(body)
        targets = [sid for sid, types, since in wanting if event.type in types and int(position) > since]
        if not targets or event.event_id is None:
            continue
        identity = event_notice_id(event.event_id)
        db.execute(store._sql("SELECT 1 FROM complaintflow_notices WHERE notice_id = ?"), (identity,))
        if db.fetchone() is not None:
            continue
        data = {"notice_id": identity, "position": int(position), "event": json.loads(body)}
        db.execute(
            store._sql(
                "INSERT INTO complaintflow_notices (notice_id, case_id, deadline, kind, due, notice_on, "
                "made_on, status, body) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)"
            ),
            (
                identity,
                event.case_id,
                event.event_id,
                event.type,
                event.on.isoformat(),
                event.on.isoformat(),
                event.on.isoformat(),
                json.dumps(data),
            ),
        )
        queue_deliveries(store, db, identity, event.type, only=targets)
        queued += 1
    if page:
        last = str(int(page[-1][0]))
        db.execute(store._sql("DELETE FROM complaintflow_meta WHERE key = ?"), (POSITION_KEY,))
        db.execute(
            store._sql("INSERT INTO complaintflow_meta (key, value) VALUES (?, ?)"), (POSITION_KEY, last)
        )
    return queued, len(page) == PAGE


def current_position(db: Cursor) -> int:
    """The feed's last position now: a new subscription is sent the events after it."""
    db.execute("SELECT max(position) FROM complaintflow_events")
    found = db.fetchone()[0]
    return int(found) if found is not None else 0
