"""The desk's one door to the store's accounts (`complaintflow.store.users`): who may sign in, with
what role, and what each role may do."""

from __future__ import annotations

from complaintflow.store import users
from complaintflow.store.base import EventStore
from complaintflow.store.users import GRANTS_BY_ROLE, User, get_user, list_users

#: A signed-in person, as the desk sees one.
Person = User

__all__ = ["Person", "check_password", "disable_user", "get_user", "grants", "list_users"]


def check_password(store: EventStore, name: str, password: str, client: str | None) -> Person:
    """The account, if the password is its own; else `SignInRefused`, one message for every failure
    (attempts from one client address, and at one account, are limited)."""
    return users.check_password(store, name, password, client=client)


def disable_user(store: EventStore, name: str) -> None:
    """Disable the account: its sessions end at their next request."""
    users.disable_user(store, name)


def grants(person: Person) -> frozenset[str]:
    """What the person's role may do: `read`, `write`, `report`, `admin`, as the service's tokens."""
    return GRANTS_BY_ROLE[person.role]
