"""`complaintflow tokens create|list|revoke`: the service's access tokens, kept in the store."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from complaintflow.cli import sources
from complaintflow.cli.common import Parser, add_store_option


def add_commands(commands: Any) -> None:
    tokens = commands.add_parser("tokens", help="make, list and revoke the service's access tokens")
    token_commands = tokens.add_subparsers(dest="operation", required=True, parser_class=Parser)
    create = token_commands.add_parser("create", help="make a token and print it, once")
    create.add_argument("name", metavar="NAME", help="who or what will use it, e.g. case-system")
    create.add_argument("--scope", choices=("read", "write", "report", "admin"), required=True)
    add_store_option(create, "the store", required=True)
    create.set_defaults(run=_tokens_create, procedure=None, extra_holiday=None, makes_store=True)
    listing = token_commands.add_parser("list", help="list the tokens (never the tokens themselves)")
    add_store_option(listing, "the store", required=True)
    listing.set_defaults(run=_tokens_list, procedure=None, extra_holiday=None, makes_store=True)
    revoke = token_commands.add_parser("revoke", help="revoke a token by name")
    revoke.add_argument("name", metavar="NAME")
    add_store_option(revoke, "the store", required=True)
    revoke.set_defaults(run=_tokens_revoke, procedure=None, extra_holiday=None, makes_store=True)


def _tokens_create(args: argparse.Namespace) -> int:
    from complaintflow.store.tokens import create_token

    token = create_token(sources.open_store(args), args.name, args.scope)
    print(token)
    print(f"{args.name} ({args.scope}): keep this token safe; it is not shown again", file=sys.stderr)
    return 0


def _tokens_list(args: argparse.Namespace) -> int:
    from complaintflow.store.tokens import list_tokens

    for token in list_tokens(sources.open_store(args)):
        state = "revoked" if token.revoked else "active"
        print(f"{token.name:<24} {token.scope:<7} {token.created_on}  {state}")
    return 0


def _tokens_revoke(args: argparse.Namespace) -> int:
    from complaintflow.store.tokens import revoke_token

    revoke_token(sources.open_store(args), args.name)
    print(f"revoked {args.name}")
    return 0
