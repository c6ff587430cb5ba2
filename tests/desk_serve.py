"""`complaintflow serve` for the desk's tests, as `python tests/desk_serve.py STORE PORT`: the same app
and server, with the desk's session cookie sent over plain HTTP, since the tests' server listens on
loopback without TLS and a client sends a Secure cookie over HTTPS alone."""

from __future__ import annotations

import logging
import sys

import complaintflow as cf
from complaintflow.limits import HEADER_SECONDS, MAX_CONNECTIONS
from complaintflow.service import create_app
from complaintflow.service.server import serve


def main() -> None:
    url, port = sys.argv[1], int(sys.argv[2])
    app = create_app(cf.open_store(url), desk_secure_cookies=False)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    serve(app, "127.0.0.1", port, header_seconds=HEADER_SECONDS, max_connections=MAX_CONNECTIONS)


if __name__ == "__main__":
    main()
