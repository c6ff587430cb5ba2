"""What wraps every request: a bound on the body's size and the time it takes to arrive, and one
log line a request that never carries a payload."""

from __future__ import annotations

import asyncio
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from complaintflow.errors import printable
from complaintflow.problems import http_problem
from complaintflow.service.errors import problem_response
from complaintflow.service.requests import CASE_ID_PATTERN

log = logging.getLogger("complaintflow.service")

#: A request body, in bytes: a batch of a hundred full events fits.
MAX_BODY_BYTES = 1_048_576
#: How long a request body may take to arrive, in seconds: a client on a slow line sends a
#: megabyte in far less; one that dribbles bytes to hold a connection open is cut off.
MAX_BODY_SECONDS = 30.0


class BodyLimit:
    """Refuse a request body over the limit with 413, counting the bytes as they arrive, and one that
    does not arrive whole within `seconds` with 408, so a slow client cannot hold a request open."""

    def __init__(self, app: ASGIApp, limit: int, seconds: float = MAX_BODY_SECONDS) -> None:
        self.app = app
        self.limit = limit
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(413, scope, send)
            return
        seen, whole = 0, False
        deadline = asyncio.get_running_loop().time() + self.seconds

        async def counted() -> Message:
            nonlocal seen, whole
            if whole:  # after the body, the app only listens for a disconnect: no time limit
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):  # no task of its own, as wait_for makes
                    message = await receive()
            except TimeoutError:
                raise _TooSlow from None
            seen += len(message.get("body", b""))
            whole = not message.get("more_body", False)
            if seen > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._refuse(413, scope, send)
        except _TooSlow:
            await self._refuse(408, scope, send)

    async def _refuse(self, status: int, scope: Scope, send: Send) -> None:
        if status == 413:
            document = http_problem(
                413, "The request body is too large", f"a request body may take at most {self.limit:,} bytes"
            )
        else:
            document = http_problem(
                408,
                "The request body came too slowly",
                f"a request body must arrive whole within {self.seconds:g} seconds",
            )
        response = problem_response(document, {"Connection": "close"})

        async def nothing() -> Message:
            return {"type": "http.disconnect"}

        await response(scope, nothing, send)


class _TooSlow(Exception):
    pass


class _TooLarge(Exception):
    pass


def loggable_reference(text: str) -> str:
    """A reference from a request as a log may carry it: one line, no control characters, no
    line or paragraph separators (which a log reader may show as new lines), bounded length; a
    reference that is not a valid one is marked so, and never quoted whole."""
    if CASE_ID_PATTERN.fullmatch(text):
        return printable(text, 64)
    return f"(not valid: {printable(text, 24)})"


#: Where a route puts what else its request's log line should say (`types=... version=N`).
LOG_DETAIL = "complaintflow.log_detail"


class RequestLog:
    """One log line a request: method, route, case reference, status and time, and what the route
    added under `LOG_DETAIL`; never a payload."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def noting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting)
        finally:
            route = scope.get("route")
            case_id = scope.get("path_params", {}).get("case_id")
            log.info(
                "%s %s case=%s status=%d %.1fms%s",
                printable(scope["method"], 16),
                getattr(route, "path", "-"),
                "-" if case_id is None else loggable_reference(case_id),
                status,
                (time.perf_counter() - started) * 1000,
                scope.get(LOG_DETAIL, ""),
            )
