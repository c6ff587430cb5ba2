"""Delivering the outbox: each notice to each subscription that wants it, signed, at least once.

A delivery is claimed for a while (its lease) before it is sent, so that two workers never send it
at once and one killed mid-send leaves it to be sent again when the lease runs out. A failure is
tried again with growing waits for a day; after that the delivery is held as failed, listed, and
sent again only when asked. The webhook's id is the notice's id: a receiver that sees an id twice
has the notice already. Each subscription is sent to on its own thread, one delivery at a time, so
one slow or dead endpoint never holds up the others.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from complaintflow.events import EVENT_TYPES
from complaintflow.notices.outbox import NoticeError, stamp, utc_now
from complaintflow.notices.sending import DeliveryFailed, Limits, post
from complaintflow.notices.signing import signature_headers
from complaintflow.store.base import EventStore

#: How long a claimed delivery is left to its worker before another may send it again.
LEASE = timedelta(seconds=60)
#: How long a failing delivery is tried again before it is held as failed.
RETRY_FOR = timedelta(days=1)
#: The waits between tries: doubling from 30 seconds to at most an hour.
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
#: Deliveries claimed from one subscription at a time.
BATCH = 50


def wait_after(attempts: int) -> timedelta:
    """The wait before the next try, after `attempts` failed tries.

    >>> [str(wait_after(n)) for n in (1, 2, 3, 8)]
    ['0:00:30', '0:01:00', '0:02:00', '1:00:00']
    """
    wait: timedelta = FIRST_WAIT * 2 ** min(attempts - 1, 20)
    return min(wait, LONGEST_WAIT)


@dataclass(frozen=True)
class Claimed:
    notice_id: str
    subscription_id: str
    url: str
    key: str
    kind: str
    body: str
    attempts: int
    first_try: datetime


@dataclass(frozen=True)
class FailedDelivery:
    """A delivery held as failed, for a person to look at and send again."""

    notice_id: str
    subscription_id: str
    url: str
    attempts: int
    last_error: str | None


def _claim(store: EventStore, subscription_id: str | None, now: datetime) -> list[Claimed]:
    """Claim the deliveries due now (of one subscription, or of all), for the length of a lease."""
    query = (
        "SELECT d.notice_id, d.subscription_id, s.url, s.secret, n.kind, n.body, d.attempts, d.first_try, "
        "d.next_try FROM complaintflow_deliveries d "
        "JOIN complaintflow_subscriptions s ON s.subscription_id = d.subscription_id "
        "JOIN complaintflow_notices n ON n.notice_id = d.notice_id "
        "WHERE d.status = 'pending' AND d.next_try <= ?"
    )
    params: list[object] = [stamp(now)]
    if subscription_id is not None:
        query += " AND d.subscription_id = ?"
        params.append(subscription_id)
    claimed = []
    with store._writing() as db:
        db.execute(store._sql(query + f" ORDER BY d.next_try, d.notice_id LIMIT {BATCH}"), params)
        for notice, sub, url, key, kind, body, attempts, first, _ in db.fetchall():
            db.execute(
                store._sql(
                    "UPDATE complaintflow_deliveries SET next_try = ? "
                    "WHERE notice_id = ? AND subscription_id = ?"
                ),
                (stamp(now + LEASE), notice, sub),
            )
            claimed.append(
                Claimed(notice, sub, url, key, kind, body, int(attempts), datetime.fromisoformat(first))
            )
    return claimed


def _envelope(item: Claimed, now: datetime) -> str:
    """The webhook's body, as Standard Webhooks lays one out: type, timestamp and data."""
    return json.dumps(
        {
            "type": f"event.{item.kind}" if item.kind in EVENT_TYPES else f"notice.{item.kind}",
            "timestamp": now.isoformat().replace("+00:00", "Z"),
            "data": json.loads(item.body),
        },
        separators=(",", ":"),
    )


def _send(item: Claimed, limits: Limits) -> str | None:
    """Send one delivery, signed at the moment it is sent; None if it landed, else why not."""
    now = utc_now()
    body = _envelope(item, now)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "complaintflow-webhooks",
        **signature_headers(item.key, item.notice_id, now, body),
    }
    try:
        status = post(item.url, body.encode(), headers, limits)
    except DeliveryFailed as failure:
        return str(failure)
    return None if 200 <= status < 300 else f"answered {status}"


def _record(store: EventStore, item: Claimed, failure: str | None, now: datetime) -> None:
    attempts = item.attempts + 1
    with store._writing() as db:
        if failure is None:
            db.execute(
                store._sql(
                    "UPDATE complaintflow_deliveries SET status = 'delivered', attempts = ?, "
                    "last_error = NULL WHERE notice_id = ? AND subscription_id = ? AND status = 'pending'"
                ),
                (attempts, item.notice_id, item.subscription_id),
            )
            db.execute(
                store._sql("UPDATE complaintflow_notices SET status = 'sent' WHERE notice_id = ?"),
                (item.notice_id,),
            )
            return
        held = now - item.first_try >= RETRY_FOR
        db.execute(
            store._sql(
                "UPDATE complaintflow_deliveries SET status = ?, attempts = ?, next_try = ?, last_error = ? "
                "WHERE notice_id = ? AND subscription_id = ? AND status = 'pending'"
            ),
            (
                "failed" if held else "pending",
                attempts,
                stamp(now + wait_after(attempts)),
                failure[:200],
                item.notice_id,
                item.subscription_id,
            ),
        )


def deliver_subscription(
    store: EventStore, subscription_id: str | None, limits: Limits, clock: Callable[[], datetime] = utc_now
) -> int:
    """Send what is due to one subscription (or to all, one after another); return how many landed."""
    landed = 0
    while True:
        batch = _claim(store, subscription_id, clock())
        if not batch:
            return landed
        for item in batch:
            failure = _send(item, limits)
            _record(store, item, failure, clock())
            landed += failure is None


def deliver_once(
    store: EventStore,
    limits: Limits | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    threads: int = 8,
) -> int:
    """Send everything due now, each subscription on its own thread; return how many landed."""
    limits = limits or Limits()
    subscriptions = _due_subscriptions(store, clock())
    if not subscriptions:
        return 0
    with ThreadPoolExecutor(max_workers=min(threads, len(subscriptions))) as pool:
        done = [pool.submit(deliver_subscription, store, sid, limits, clock) for sid in subscriptions]
        return sum(future.result() for future in done)


def _due_subscriptions(store: EventStore, now: datetime) -> list[str]:
    with store._reading() as db:
        db.execute(
            store._sql(
                "SELECT DISTINCT subscription_id FROM complaintflow_deliveries "
                "WHERE status = 'pending' AND next_try <= ?"
            ),
            (stamp(now),),
        )
        return sorted(row[0] for row in db.fetchall())


def run_worker(
    store: EventStore,
    stop: threading.Event,
    limits: Limits | None = None,
    *,
    poll_seconds: float = 1.0,
    threads: int = 8,
) -> None:
    """Deliver until `stop` is set: a subscription still sending is left to its thread while the
    others go on."""
    limits = limits or Limits()
    busy: dict[str, Future[int]] = {}
    with ThreadPoolExecutor(max_workers=threads) as pool:
        while not stop.is_set():
            busy = {sid: future for sid, future in busy.items() if not future.done()}
            for sid in _due_subscriptions(store, utc_now()):
                if sid not in busy and len(busy) < threads:
                    busy[sid] = pool.submit(deliver_subscription, store, sid, limits)
            stop.wait(poll_seconds)


def failed_deliveries(store: EventStore) -> list[FailedDelivery]:
    """The deliveries held as failed, oldest first."""
    with store._reading() as db:
        db.execute(
            "SELECT d.notice_id, d.subscription_id, s.url, d.attempts, d.last_error "
            "FROM complaintflow_deliveries d JOIN complaintflow_subscriptions s "
            "ON s.subscription_id = d.subscription_id WHERE d.status = 'failed' "
            "ORDER BY d.first_try, d.notice_id"
        )
        return [FailedDelivery(n, s, u, int(a), e) for n, s, u, a, e in db.fetchall()]


def resend(store: EventStore, notice_id: str, *, now: datetime | None = None) -> int:
    """Try a notice's failed deliveries again, for another day; return how many."""
    now = now or utc_now()
    with store._writing() as db:
        db.execute(
            store._sql(
                "SELECT count(*) FROM complaintflow_deliveries WHERE notice_id = ? AND status = 'failed'"
            ),
            (notice_id,),
        )
        count = int(db.fetchone()[0])
        if count == 0:
            raise NoticeError("notice_id: no failed delivery of that notice")
        db.execute(
            store._sql(
                "UPDATE complaintflow_deliveries SET status = 'pending', attempts = 0, first_try = ?, "
                "next_try = ? WHERE notice_id = ? AND status = 'failed'"
            ),
            (stamp(now), stamp(now), notice_id),
        )
    return count
