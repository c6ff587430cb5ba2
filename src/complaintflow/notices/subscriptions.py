"""Webhook subscriptions, kept in the store: a URL, the notice kinds wanted, and the key that signs
what is sent there. The secret is shown once, when the subscription is made."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from complaintflow.dates import london_today
from complaintflow.errors import ComplaintflowError
from complaintflow.notices.case_events import current_position
from complaintflow.notices.signing import new_secret
from complaintflow.store.base import EventStore

#: The longest URL a subscription may have, and the most kinds it may list.
MAX_URL_CHARS = 2_000
MAX_KINDS = 20
MAX_KIND_CHARS = 64


class SubscriptionError(ComplaintflowError):
    """A subscription that cannot be made or removed as asked."""


@dataclass(frozen=True)
class Subscription:
    """A subscription as listed: never its secret."""

    subscription_id: str
    url: str
    kinds: tuple[str, ...]
    created_on: str


def check_url(url: str) -> str:
    """Refuse a URL that could never be delivered to: HTTPS, or HTTP to this machine only."""
    if not isinstance(url, str) or not 0 < len(url) <= MAX_URL_CHARS or not url.isprintable():
        raise SubscriptionError(f"url: a webhook URL is 1-{MAX_URL_CHARS:,} printable characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it checks it
    except ValueError:
        raise SubscriptionError("url: not a URL") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise SubscriptionError("url: a webhook URL starts https:// and names a host")
    if parts.username or parts.password:
        raise SubscriptionError("url: a webhook URL carries no user name or password")
    if parts.scheme == "http" and not is_loopback_name(parts.hostname):
        raise SubscriptionError("url: HTTPS is required, except to this machine (loopback)")
    return url


def is_loopback_name(host: str) -> bool:
    """Whether a host name or address is this machine's, by its text alone."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def add_subscription(store: EventStore, url: str, kinds: list[str]) -> tuple[Subscription, str]:
    """Keep a new subscription; return it and its secret, shown this once. `kinds` are notice kinds
    (approaching, due, missed, closing) and event types (Responded, ...): events stored from now on."""
    check_url(url)
    if not kinds or len(kinds) > MAX_KINDS:
        raise SubscriptionError(f"kinds: a subscription names 1-{MAX_KINDS} notice kinds")
    for kind in kinds:
        if not isinstance(kind, str) or not kind.isidentifier() or len(kind) > MAX_KIND_CHARS:
            raise SubscriptionError("kinds: a notice kind is a name such as approaching or missed")
    secret, key = new_secret()
    subscription = Subscription(
        "sub_" + uuid.uuid4().hex, url, tuple(dict.fromkeys(kinds)), london_today().isoformat()
    )
    with store._writing() as db:
        db.execute(
            store._sql(
                "INSERT INTO complaintflow_subscriptions (subscription_id, url, kinds, secret, created_on, "
                "after_position) VALUES (?, ?, ?, ?, ?, ?)"
            ),
            (
                subscription.subscription_id,
                url,
                json.dumps(list(subscription.kinds)),
                key,
                subscription.created_on,
                current_position(db),
            ),
        )
    return subscription, secret


def list_subscriptions(store: EventStore) -> list[Subscription]:
    with store._reading() as db:
        db.execute(
            "SELECT subscription_id, url, kinds, created_on FROM complaintflow_subscriptions "
            "ORDER BY created_on, subscription_id"
        )
        rows = db.fetchall()
    return [Subscription(sid, url, tuple(json.loads(kinds)), created) for sid, url, kinds, created in rows]


def remove_subscription(store: EventStore, subscription_id: str) -> None:
    """Remove a subscription and what was waiting to be sent to it."""
    with store._writing() as db:
        db.execute(
            store._sql("SELECT 1 FROM complaintflow_subscriptions WHERE subscription_id = ?"),
            (subscription_id,),
        )
        if db.fetchone() is None:
            raise SubscriptionError("subscription_id: no subscription with that id")
        db.execute(
            store._sql("DELETE FROM complaintflow_deliveries WHERE subscription_id = ?"), (subscription_id,)
        )
        db.execute(
            store._sql("DELETE FROM complaintflow_subscriptions WHERE subscription_id = ?"),
            (subscription_id,),
        )
