"""Serving the app with uvicorn, with limits on what a slow or idle client can hold.

uvicorn closes an idle keep-alive connection, but has no limit on how long a request's headers may
take, and accepts connections until the process runs out of files. `SlowClientLimits` adds both: a
connection whose request headers have not arrived whole within `header_seconds` is closed, and when
a new connection would pass `max_connections`, the one that has waited longest for its headers is
closed to make room (or, if every connection is busy with a request, the new one), so clients that
send nothing cannot keep others out. A reverse proxy in front (nginx, a load balancer) adds TLS,
per-client rate limits and buffering of slow requests.
"""

from __future__ import annotations

import asyncio
import resource
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from complaintflow.limits import HEADER_SECONDS, MAX_CONNECTIONS

#: How long an idle keep-alive connection is kept, in seconds.
KEEP_ALIVE_SECONDS = 5
#: How long a stopping server lets requests in progress finish, in seconds.
MAX_GRACEFUL_SECONDS = 30
#: The largest request head (line and headers) h11 will buffer, in bytes.
MAX_HEAD_BYTES = 16_384


def connection_limit(wanted: int) -> int:
    """At most `wanted`, and at most half the files this process may open, so that the store, the
    log and the listening socket always have some."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return wanted if soft == resource.RLIM_INFINITY else max(1, min(wanted, soft // 2))


class SlowClientLimits(H11Protocol):
    """uvicorn's h11 protocol, with a deadline for each request's headers and a connection cap."""

    header_seconds = HEADER_SECONDS
    max_connections = MAX_CONNECTIONS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None
        self._waiting_since = 0.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            waiting = [
                other
                for other in self.connections
                if isinstance(other, SlowClientLimits) and other is not self and other._header_deadline
            ]
            if not waiting:
                transport.abort()
                return
            min(waiting, key=lambda other: other._waiting_since).transport.abort()
        self._await_headers()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._await_headers()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._cancel_deadline()  # idle now: uvicorn's keep-alive timeout takes over

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def _await_headers(self) -> None:
        """Start the clock while a request's head is incomplete; stop it once the head is in."""
        if self.conn.their_state is not h11.IDLE:
            self._cancel_deadline()
        elif self._header_deadline is None:
            self._waiting_since = self.loop.time()
            self._header_deadline = self.loop.call_later(self.header_seconds, self._too_slow)

    def _cancel_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _too_slow(self) -> None:
        self._header_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.abort()


def serve(app: Any, host: str, port: int, *, header_seconds: float, max_connections: int) -> None:
    """Run the app until stopped, with the limits above."""
    limits = type(
        "Limits",
        (SlowClientLimits,),
        {"header_seconds": header_seconds, "max_connections": connection_limit(max_connections)},
    )
    uvicorn.run(
        app,
        host=host,
        port=port,
        http=limits,
        access_log=False,
        log_level="info",
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        # uvicorn answers 503 from this many connections or tasks; connections are kept to the cap
        # above, so here it bounds the requests in progress.
        limit_concurrency=connection_limit(max_connections) + 1,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        timeout_graceful_shutdown=MAX_GRACEFUL_SECONDS,
    )
