"""How a request reaches this application's store, and who is calling: the FastAPI dependencies
that every router of the service (and the desk, mounted beside it) uses.

`bind(app, store)` makes `store` the one every request to `app` reaches; `TheStore` hands it to a
route; `needs(grant)` checks the caller's bearer token against the store on every request, so a
revoked token stops at once, and hands the route the caller with their grants. A route that goes to
a worker thread anyway takes the token `Presented` and checks it there with `caller`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, FastAPI, Header, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from complaintflow.store.base import EventStore
from complaintflow.store.tokens import GRANTS, Token, authenticate

T = TypeVar("T")

#: Events in one request.
MAX_EVENTS_PER_REQUEST = 100
#: The longest a feed request waits for new events, in seconds.
MAX_WAIT_SECONDS = 30


@dataclass(frozen=True)
class Limits:
    """What one request to this application may ask for."""

    max_events: int = MAX_EVENTS_PER_REQUEST
    max_wait: float = MAX_WAIT_SECONDS


def bind(app: FastAPI, store: EventStore, limits: Limits | None = None) -> None:
    """Make `store` the store every request to `app` reaches (a mounted sub-application is bound
    to the same store with its own call)."""
    app.state.store = store
    app.state.limits = limits or Limits()


async def store_of(request: Request) -> EventStore:
    """The store of the application serving this request (a coroutine, so that FastAPI calls it on
    the event loop rather than on a worker thread)."""
    store: EventStore = request.app.state.store
    return store


async def limits_of(request: Request) -> Limits:
    """The limits of the application serving this request."""
    limits: Limits = request.app.state.limits
    return limits


TheStore = Annotated[EventStore, Depends(store_of)]
TheLimits = Annotated[Limits, Depends(limits_of)]


async def in_thread(work: Callable[[], T]) -> T:
    """Store work, on a worker thread: even a local file can take long to replay a long case, and
    the event loop must stay free for every other request."""
    return await run_in_threadpool(work)


async def bearer(authorization: Annotated[str | None, Header()] = None) -> str:
    """The bearer token the request presents, unchecked; 401 where there is none."""
    if authorization is None or not authorization.startswith("Bearer "):
        raise StarletteHTTPException(401, "a bearer token is required")
    return authorization.removeprefix("Bearer ").strip()


#: The token presented, for a route that checks it with `caller` on the worker thread it goes to
#: anyway: one hop off the event loop instead of two.
Presented = Annotated[str, Depends(bearer)]


def caller(store: EventStore, presented: str, grant: str) -> Token:
    """The caller's token, checked against the store (so a revoked token stops at once): 401 for a
    token that is not valid, 403 for one whose scope does not give `grant`. It reads the store: call
    it on a worker thread."""
    token = authenticate(store, presented)
    if token is None:
        raise StarletteHTTPException(401, "the token is not valid, or was revoked")
    if grant not in GRANTS[token.scope]:
        raise StarletteHTTPException(403, f"a {token.scope} token may not do this")
    return token


def needs(grant: str) -> Callable[..., Awaitable[Token]]:
    """A dependency that answers 401 without a valid bearer token and 403 for a token whose scope
    does not give `grant`; otherwise it gives the route the caller's token (its name and scope)."""

    async def check(request: Request, presented: Presented) -> Token:
        store: EventStore = request.app.state.store
        return await in_thread(lambda: caller(store, presented, grant))

    return check


#: The caller, holding a token of a scope that grants reading, writing, reports or administration.
Reader = Annotated[Token, Depends(needs("read"))]
Writer = Annotated[Token, Depends(needs("write"))]
Reporter = Annotated[Token, Depends(needs("report"))]
Admin = Annotated[Token, Depends(needs("admin"))]
