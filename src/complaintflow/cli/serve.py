"""`complaintflow serve`: the HTTP JSON API over a store, until stopped (the service extra)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from complaintflow.cli import sources
from complaintflow.cli.common import add_extra_holiday_option, add_procedure_option, add_store_option
from complaintflow.errors import ComplaintflowError, printable
from complaintflow.limits import HEADER_SECONDS, MAX_CONNECTIONS

if TYPE_CHECKING:
    from complaintflow.desk.oidc import OidcSettings


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
    _add_oidc_options(serve)


def _add_oidc_options(serve: argparse.ArgumentParser) -> None:
    """Signing in to the desk through the council's identity provider (docs/signing-in.md); the
    client secret comes from the environment, never the command line."""
    provider = serve.add_argument_group(
        "signing in through the council's identity provider (OpenID Connect)",
        "the client secret is read from COMPLAINTFLOW_OIDC_CLIENT_SECRET",
    )
    provider.add_argument(
        "--oidc-issuer",
        metavar="URL",
        help="the provider's issuer, e.g. https://login.microsoftonline.com/TENANT-ID/v2.0",
    )
    provider.add_argument("--oidc-client-id", metavar="ID", help="the desk's client (application) id there")
    provider.add_argument(
        "--oidc-claim",
        action="append",
        metavar="NAME",
        help="the token's claim that names the account (repeatable; default preferred_username, then email)",
    )
    provider.add_argument(
        "--oidc-redirect-uri",
        metavar="URL",
        help="the callback's address as registered, where a proxy hides it (.../desk/sign-in/oidc/callback)",
    )


def oidc_settings(args: argparse.Namespace) -> OidcSettings | None:
    """The identity provider `serve` was given, if any; both --oidc-issuer and --oidc-client-id, or
    neither."""
    if args.oidc_issuer is None and args.oidc_client_id is None:
        if args.oidc_claim or args.oidc_redirect_uri:
            raise ComplaintflowError("serve: --oidc-claim and --oidc-redirect-uri need --oidc-issuer")
        return None
    if args.oidc_issuer is None or args.oidc_client_id is None:
        raise ComplaintflowError("serve: give both --oidc-issuer and --oidc-client-id, or neither")
    from complaintflow.desk.oidc import DEFAULT_CLAIMS, OidcSettings

    return OidcSettings.from_environment(
        args.oidc_issuer,
        args.oidc_client_id,
        claims=tuple(args.oidc_claim or DEFAULT_CLAIMS),
        redirect_uri=args.oidc_redirect_uri,
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
    oidc = oidc_settings(args)
    store = sources.open_store(args)
    app = create_app(store, cors_origins=tuple(args.cors_origin or ()), desk_oidc=oidc)
    if args.notify:
        from complaintflow.notices import schedule

        schedule.start(store)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    serve(app, args.host, args.port, header_seconds=args.header_timeout, max_connections=args.max_connections)
    return 0
