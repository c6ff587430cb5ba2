"""Access tokens for the service, kept in the store: only a token's SHA-256 digest is stored.

A token is shown once, when it is made. It is 32 random bytes, so its digest cannot be reversed or
guessed, and looking a token up by its digest reveals nothing about other tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Literal

from complaintflow.dates import london_today
from complaintflow.errors import ComplaintflowError
from complaintflow.store.base import EventStore

Scope = Literal["read", "write", "report", "admin"]
SCOPES: tuple[Scope, ...] = ("read", "write", "report", "admin")
#: What each scope may do: every scope reads; `write` also records events, `report` also publishes
#: reports, and `admin` may do all.
GRANTS: dict[Scope, frozenset[str]] = {
    "read": frozenset({"read"}),
    "write": frozenset({"read", "write"}),
    "report": frozenset({"read", "report"}),
    "admin": frozenset({"read", "write", "report", "admin"}),
}
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
PREFIX = "cf_"


class TokenError(ComplaintflowError):
    """A token that cannot be made or revoked as asked."""


@dataclass(frozen=True)
class Token:
    """A token as listed: never the token itself."""

    name: str
    scope: Scope
    created_on: str
    revoked: bool


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(store: EventStore, name: str, scope: Scope) -> str:
    """Make a token, keep its digest, and return the token: the only time it is seen."""
    if not _NAME.fullmatch(name):
        raise TokenError("a token's name is 1-64 letters, digits, '.', '_' or '-'")
    if scope not in SCOPES:
        raise TokenError(f"a scope is one of {', '.join(SCOPES)}")
    token = PREFIX + secrets.token_urlsafe(32)
    with store._writing() as db:
        db.execute(store._sql("SELECT 1 FROM complaintflow_tokens WHERE name = ?"), (name,))
        if db.fetchone() is not None:
            raise TokenError("a token of that name exists; revoke it or choose another name")
        db.execute(
            store._sql(
                "INSERT INTO complaintflow_tokens (name, scope, digest, created_on) VALUES (?, ?, ?, ?)"
            ),
            (name, scope, _digest(token), london_today().isoformat()),
        )
    return token


def list_tokens(store: EventStore) -> list[Token]:
    with store._reading() as db:
        db.execute("SELECT name, scope, created_on, revoked FROM complaintflow_tokens ORDER BY name")
        return [Token(name, scope, created, bool(revoked)) for name, scope, created, revoked in db.fetchall()]


def revoke_token(store: EventStore, name: str) -> None:
    with store._writing() as db:
        db.execute(store._sql("UPDATE complaintflow_tokens SET revoked = 1 WHERE name = ?"), (name,))
        db.execute(store._sql("SELECT 1 FROM complaintflow_tokens WHERE name = ?"), (name,))
        if db.fetchone() is None:
            raise TokenError("no token of that name")


def authenticate(store: EventStore, token: str) -> Token | None:
    """The token's record, if the token is one the store made and has not revoked."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    digest = _digest(token)
    with store._reading() as db:
        db.execute(
            store._sql(
                "SELECT name, scope, created_on, revoked, digest FROM complaintflow_tokens WHERE digest = ?"
            ),
            (digest,),
        )
        found = db.fetchone()
    if found is None or not hmac.compare_digest(found[4], digest) or found[3]:
        return None
    return Token(found[0], found[1], found[2], bool(found[3]))
