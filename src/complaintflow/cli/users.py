"""`complaintflow users add|list|disable`: the desk's local accounts, kept in the store.

A password is never taken from the command line, where other users of the machine and the shell's
history would see it: it is asked for twice without echo, or read from standard input with
--password-stdin, for scripts.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from complaintflow.cli import sources
from complaintflow.cli.common import Parser, add_store_option
from complaintflow.errors import ComplaintflowError


def add_commands(commands: Any) -> None:
    users = commands.add_parser("users", help="add, list and disable the desk's accounts")
    user_commands = users.add_subparsers(dest="operation", required=True, parser_class=Parser)
    add = user_commands.add_parser(
        "add",
        help="add an account: its password is asked for, or read with --password-stdin",
        allow_abbrev=False,
    )
    add.add_argument(
        "name", metavar="NAME", help="a login name or email address, e.g. jo.bloggs@council.gov.uk"
    )
    add.add_argument("--role", choices=("officer", "manager", "admin"), required=True)
    add.add_argument("--team", metavar="T", help="the team whose cases are the account's own")
    how = add.add_mutually_exclusive_group()
    how.add_argument(
        "--oidc", action="store_true", help="signs in through the council's identity provider: no password"
    )
    how.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input, not a prompt"
    )
    add.add_argument("--password", nargs="?", action=_NotOnTheCommandLine, help=argparse.SUPPRESS)
    add_store_option(add, "the store", required=True)
    add.set_defaults(run=_users_add, procedure=None, extra_holiday=None, makes_store=True)
    listing = user_commands.add_parser("list", help="list the accounts (never their passwords)")
    add_store_option(listing, "the store", required=True)
    listing.set_defaults(run=_users_list, procedure=None, extra_holiday=None)
    disable = user_commands.add_parser("disable", help="stop an account signing in, at once")
    disable.add_argument("name", metavar="NAME")
    add_store_option(disable, "the store", required=True)
    disable.set_defaults(run=_users_disable, procedure=None, extra_holiday=None)


class _NotOnTheCommandLine(argparse.Action):
    """--password VALUE, refused without repeating the value: a password is never an argument."""

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        parser.error("a password is never given on the command line: it is asked for, or --password-stdin")


def _password(args: argparse.Namespace) -> str | None:
    """The new account's password: none for the provider's accounts, else from standard input or
    asked for twice without echo."""
    if args.oidc:
        return None
    if args.password_stdin:
        return sys.stdin.readline(4_096).removesuffix("\n").removesuffix("\r")
    if not sys.stdin.isatty():
        raise ComplaintflowError(
            "users add: no terminal to ask for the password: give it with --password-stdin"
        )
    password = getpass.getpass("Password (12 characters or more; three random words make a good one): ")
    if getpass.getpass("The same password again: ") != password:
        raise ComplaintflowError("users add: the two passwords differ; nothing was added")
    return password


def _users_add(args: argparse.Namespace) -> int:
    from complaintflow.store.users import add_user

    password = _password(args)
    user = add_user(
        sources.open_store(args),
        args.name,
        args.role,
        password,
        args.team,
        sign_in="oidc" if args.oidc else "password",
    )
    how = "through the identity provider" if args.oidc else "with a password"
    print(f"added {user.name} ({user.role}), who signs in {how}")
    return 0


def _users_list(args: argparse.Namespace) -> int:
    from complaintflow.store.users import list_users

    for user in list_users(sources.open_store(args)):
        state = "disabled" if user.disabled else "active"
        team = user.team or "-"
        print(f"{user.name:<32} {user.role:<8} {team:<24} {user.sign_in:<8} {user.created_on}  {state}")
    return 0


def _users_disable(args: argparse.Namespace) -> int:
    from complaintflow.store.users import disable_user

    disable_user(sources.open_store(args), args.name)
    print(f"disabled {args.name}")
    return 0
