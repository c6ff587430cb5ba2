"""The desk's one door to the store's accounts (`complaintflow.store.users`): who may sign in, with
what role, and what each role may do.

The accounts module is reached by name, when first needed, so that the desk and the accounts can
be built side by side; what the desk relies on of a user is the `Person` below.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Protocol

from complaintflow.store.base import EventStore

#: The roles, least first: an officer sees and records; a manager also reports; an admin also
#: manages accounts, tokens and webhooks.
ROLES = ("officer", "manager", "admin")


class Person(Protocol):
    """A signed-in user as the desk sees one: a `complaintflow.store.users.User`."""

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> str: ...

    @property
    def team(self) -> str | None: ...

    @property
    def disabled(self) -> bool: ...


def _users() -> ModuleType:
    return importlib.import_module("complaintflow.store.users")


def get_user(store: EventStore, name: str) -> Person | None:
    """The account of that name, read again from the store (a disabled one says so)."""
    found: Person | None = _users().get_user(store, name)
    return found


def check_password(store: EventStore, name: str, password: str, client: str | None) -> Person:
    """The account, if the password is its own; else `SignInRefused`, one message for every failure
    (attempts from one client address, and at one account, are limited)."""
    found: Person = _users().check_password(store, name, password, client=client)
    return found


def list_users(store: EventStore) -> list[Person]:
    found: list[Person] = list(_users().list_users(store))
    return found


def grants(person: Person) -> frozenset[str]:
    """What the person's role may do: `read`, `write`, `report`, `admin`, as the service's tokens."""
    found: frozenset[str] = _users().GRANTS_BY_ROLE.get(person.role, frozenset())
    return found


def disable_user(store: EventStore, name: str) -> None:
    """Disable the account: its sessions end at their next request."""
    _users().disable_user(store, name)
