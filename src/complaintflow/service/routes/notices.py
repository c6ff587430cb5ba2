"""The service's routes for notices and webhooks: the outbox to read (`read` scope), and the
subscriptions and failed deliveries to manage (`admin` scope)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from complaintflow.limits import MAX_REFERENCE_CHARS
from complaintflow.notices import (
    Notice,
    add_subscription,
    failed_deliveries,
    list_notices,
    list_subscriptions,
    remove_subscription,
    resend,
)
from complaintflow.notices.subscriptions import MAX_KINDS, MAX_URL_CHARS
from complaintflow.service.access import Admin, Reader, TheStore, in_thread
from complaintflow.service.errors import ERRORS

Identifier = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_]+$")]


class StoredNoticeOut(BaseModel):
    """A notice in the outbox, with where it stands."""

    status: Literal["pending", "sent", "withdrawn"]
    made_on: str
    notice: Notice


class SubscriptionIn(BaseModel):
    """A new subscription: the URL to deliver to and the notice kinds wanted."""

    url: str = Field(min_length=1, max_length=MAX_URL_CHARS)
    kinds: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=MAX_KINDS
    )


class SubscriptionOut(BaseModel):
    """A subscription as listed: never its secret."""

    subscription_id: str
    url: str
    kinds: list[str]
    created_on: str


class NewSubscription(SubscriptionOut):
    """A subscription just made, with its signing secret: shown this once."""

    secret: str


class FailedOut(BaseModel):
    notice_id: str
    subscription_id: str
    url: str
    attempts: int
    last_error: str | None


router = APIRouter(tags=["notices"], responses=ERRORS)


@router.get("/notices", response_model=list[StoredNoticeOut])
async def notices(
    store: TheStore,
    token: Reader,
    case_id: Annotated[str | None, Query(min_length=1, max_length=MAX_REFERENCE_CHARS)] = None,
    status: Literal["pending", "sent", "withdrawn"] | None = None,
) -> list[dict[str, Any]]:
    """The outbox's notices, oldest first: a case's, or those of one status, if asked."""
    found = await in_thread(lambda: list_notices(store, case_id=case_id, status=status))
    return [{"status": n.status, "made_on": n.made_on.isoformat(), "notice": n.notice} for n in found]


@router.get("/webhooks", response_model=list[SubscriptionOut])
async def subscriptions(store: TheStore, token: Admin) -> list[dict[str, Any]]:
    """The webhook subscriptions."""
    return [_listed(s) for s in await in_thread(lambda: list_subscriptions(store))]


@router.post("/webhooks", response_model=NewSubscription, status_code=201)
async def subscribe(subscription: SubscriptionIn, store: TheStore, token: Admin) -> dict[str, Any]:
    """Subscribe a URL to notice kinds; the answer carries the signing secret, this once."""
    made, secret = await in_thread(lambda: add_subscription(store, subscription.url, subscription.kinds))
    return {**_listed(made), "secret": secret}


@router.delete("/webhooks/{subscription_id}", status_code=204)
async def unsubscribe(subscription_id: Identifier, store: TheStore, token: Admin) -> None:
    """Remove a subscription, and what was waiting to be sent to it."""
    await in_thread(lambda: remove_subscription(store, subscription_id))


@router.get("/webhooks/failed", response_model=list[FailedOut])
async def failed(store: TheStore, token: Admin) -> list[dict[str, Any]]:
    """Deliveries held as failed after a day of tries."""
    return [vars(f) for f in await in_thread(lambda: failed_deliveries(store))]


@router.post("/notices/{notice_id}/resend")
async def send_again(notice_id: Identifier, store: TheStore, token: Admin) -> dict[str, int]:
    """Try a notice's failed deliveries again, for another day."""
    return {"deliveries": await in_thread(lambda: resend(store, notice_id))}


def _listed(subscription: Any) -> dict[str, Any]:
    return {
        "subscription_id": subscription.subscription_id,
        "url": subscription.url,
        "kinds": list(subscription.kinds),
        "created_on": subscription.created_on,
    }
