"""`/feed`: every stored event after a position, in one global order, for hosts that follow along."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from complaintflow.service.access import MAX_WAIT_SECONDS, Reader, TheLimits, TheStore, in_thread
from complaintflow.service.errors import ERRORS
from complaintflow.store.base import MAX_POSITION

router = APIRouter(tags=["feed"], responses=ERRORS)


class FeedEntry(BaseModel):
    position: int
    event: dict[str, Any]


class Feed(BaseModel):
    events: list[FeedEntry]
    last_position: int


@router.get("/feed", response_model=Feed)
async def feed(
    store: TheStore,
    limits: TheLimits,
    token: Reader,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT_SECONDS)] = 0,
) -> Feed:
    """Stored events after a position, in one global order; waits up to `wait` seconds for some."""
    deadline = time.monotonic() + min(wait, limits.max_wait)
    while True:
        page = await in_thread(lambda: store.feed(after, limit))
        if page or time.monotonic() >= deadline:
            break
        await asyncio.sleep(0.2)
    entries = [FeedEntry(position=p, event=e.model_dump(mode="json", exclude_none=True)) for p, e in page]
    return Feed(events=entries, last_position=page[-1][0] if page else after)
