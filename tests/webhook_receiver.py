"""A webhook receiver on loopback, as a host would write one: it checks each delivery's signature
with the `standardwebhooks` package and counts what arrives, by webhook id.

Its `behaviour` says how it answers: "ok"; "fail" (500) until told otherwise; "redirect" (a 307 to
elsewhere); "silent" (reads the request and never answers); "huge" (200 with an endless body).
"""

from __future__ import annotations

import collections
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Receiver:
    def __init__(self, secret: str = "") -> None:
        self.secret = secret
        self.behaviour = "ok"
        self.received: collections.Counter[str] = collections.Counter()
        self.bodies: dict[str, dict[str, Any]] = {}
        self.bad_signatures = 0
        self.holding = 0  # requests read and left unanswered
        self.lock = threading.Lock()
        self.release = threading.Event()  # lets a silent answer go at the end of a test
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length", "0"))
        body = handler.rfile.read(length)
        behaviour = self.behaviour
        if behaviour == "silent":
            with self.lock:
                self.holding += 1
            self.release.wait(60)
            return
        if behaviour == "huge":
            self.endless(handler)
            return
        if behaviour == "redirect":
            handler.send_response(307)
            handler.send_header("Location", "http://127.0.0.1:9/elsewhere")
            handler.end_headers()
            return
        try:
            Webhook(self.secret).verify(body, dict(handler.headers.items()))
        except WebhookVerificationError:
            with self.lock:
                self.bad_signatures += 1
            handler.send_response(401)
            handler.end_headers()
            return
        identity = handler.headers["webhook-id"]
        with self.lock:
            self.received[identity] += 1
            self.bodies[identity] = json.loads(body)
        if behaviour == "fail":
            handler.send_response(500)
            handler.end_headers()
            return
        handler.send_response(200)
        handler.end_headers()

    @staticmethod
    def endless(handler: BaseHTTPRequestHandler) -> None:
        """200, with a body of 1 GiB, unless the sender stops reading first."""
        handler.send_response(200)
        handler.send_header("Content-Length", str(1 << 30))
        handler.end_headers()
        chunk = b"x" * 65_536
        try:
            for _ in range(1 << 14):
                handler.wfile.write(chunk)
        except OSError:
            return


@contextmanager
def receiving(secret: str = "") -> Iterator[Receiver]:
    """A receiver listening on 127.0.0.1 on a free port, for the length of the block."""
    receiver = Receiver(secret)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver.handle(self)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
