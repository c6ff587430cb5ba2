"""`complaintflow serve`: the HTTP JSON API over a store, until stopped (the service extra)."""

from __future__ import annotations

import argparse
from typing import Any

from complaintflow.cli import sources
from complaintflow.cli.common import add_extra_holiday_option, add_procedure_option, add_store_option
from complaintflow.errors import printable
from complaintflow.limits import HEADER_SECONDS, MAX_CONNECTIONS


def add_commands(commands: Any) -> None:
    serve = commands.add_parser("serve", help="serve the HTTP JSON API over a store (the service extra)")
    add_store_option(serve, "the store to serve")
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="the port, 1 to 65535 (default 8000)")
    serve.add_argument(
        "--header-timeout",
        type=_seconds,
        default=HEADER_SECONDS,
        metavar="SECONDS",
        help=f"close a connection whose request headers take longer (default {HEADER_SECONDS:g})",
    )
    serve.add_argument(
        "--max-connections",
        type=_positive,
        default=MAX_CONNECTIONS,
        metavar="N",
        help=f"connections open at once, at most (default {MAX_CONNECTIONS}, or half the open-file limit)",
    )
    serve.add_argument("--cors-origin", action="append", metavar="ORIGIN", help="allow a browser origin")
    add_procedure_option(serve)
    add_extra_holiday_option(serve)
    serve.set_defaults(run=_serve, makes_store=True)
    serve.add_argument(
        "--notify", action="store_true", help="also make the day's notices hourly and deliver them"
    )


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 65_535):
        raise argparse.ArgumentTypeError(f"port {printable(text, 40)!r} is not a port from 1 to 65535")
    return int(text)


def _positive(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 1_000_000):
        raise argparse.ArgumentTypeError(f"{printable(text, 40)!r} is not a whole number from 1 to 1,000,000")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.1 <= value <= 3_600:
        raise argparse.ArgumentTypeError(
            f"{printable(text, 40)!r} is not a number of seconds from 0.1 to 3600"
        )
    return value


def _serve(args: argparse.Namespace) -> int:
    """Serve the store over HTTP until stopped (SQLite in ./complaints.db unless --store says)."""
    import logging

    from complaintflow.extras import require_extra

    require_extra("service", "fastapi", "uvicorn", needed_by="serve")
    from complaintflow.service import create_app
    from complaintflow.service.server import serve

    if args.store is None:
        args.store = "sqlite:complaints.db"
    store = sources.open_store(args)
    app = create_app(store, cors_origins=tuple(args.cors_origin or ()))
    if args.notify:
        from complaintflow.notices import schedule

        schedule.start(store)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    serve(app, args.host, args.port, header_seconds=args.header_timeout, max_connections=args.max_connections)
    return 0
