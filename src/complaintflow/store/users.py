"""The people who sign in to the desk, kept in the store: local accounts and their roles.

A password is kept only as its Argon2id hash (argon2-cffi, the `service` extra), made with the
parameters RFC 9106 recommends where memory is constrained, and made again at the next sign-in when
those parameters change. Every way a sign-in can fail (no such account, a wrong password, a disabled
or held-back account) gives one and the same `SignInRefused`, after the same work: an unknown name is
checked against a dummy hash, so neither the message nor the time tells whether an account exists.

Failed attempts are limited twice over (docs/signing-in.md gives the figures and why):
- per account, in the store, so every process serving the desk counts them: after
  `MAX_ACCOUNT_FAILURES` failures within `FAILURE_WINDOW` of the first, the account refuses every
  sign-in, even the right password, until that window is over;
- per client address, in the memory of this process (`AddressLimits`), so one address cannot try a
  few passwords on each of many names.

Passwords follow the NCSC's password guidance ("Password policy: updating your approach",
https://www.ncsc.gov.uk/collection/passwords/updating-your-approach): length rather than
composition rules, no expiry, and technical defences (throttling) behind them.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Literal

from complaintflow.dates import london_today
from complaintflow.errors import ComplaintflowError
from complaintflow.extras import require_extra
from complaintflow.store.base import EventStore

if TYPE_CHECKING:
    from argon2 import PasswordHasher

Role = Literal["officer", "manager", "admin"]
ROLES: tuple[Role, ...] = ("officer", "manager", "admin")
SignIn = Literal["password", "oidc"]
#: What each role may do, in the grants of the service's token scopes (store.tokens.GRANTS): an
#: officer reads and records events, a manager also publishes reports, an admin may do all.
GRANTS_BY_ROLE: dict[Role, frozenset[str]] = {
    "officer": frozenset({"read", "write"}),
    "manager": frozenset({"read", "write", "report"}),
    "admin": frozenset({"read", "write", "report", "admin"}),
}

#: A password's length: at least 12 characters (three random words, as the NCSC advises, come to
#: more), at most 1,024 so that hashing a hostile input costs no more than hashing a real one.
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1_024
#: Failed sign-ins an account allows within FAILURE_WINDOW of the first before it refuses all.
MAX_ACCOUNT_FAILURES = 10
#: Failed sign-ins one client address may make within FAILURE_WINDOW, in one process.
MAX_ADDRESS_FAILURES = 30
FAILURE_WINDOW = timedelta(minutes=15)
#: Client addresses whose failures one process remembers; the oldest are forgotten beyond it.
MAX_ADDRESSES = 10_000

#: A user's name: a login name or an email address (an identity provider's `preferred_username` is
#: usually one), compared without regard to case.
_NAME = re.compile(r"[a-z0-9][a-z0-9_.@+'-]{0,127}")
_TEAM = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.&'()-]{0,63}")
_REFUSED = "sign-in refused: check the name and password, or try again in 15 minutes"


class UserError(ComplaintflowError):
    """An account that cannot be added or changed as asked."""


class SignInRefused(ComplaintflowError):
    """A sign-in refused, for whatever reason: the message never says which."""

    def __init__(self) -> None:
        super().__init__(_REFUSED)


@dataclass(frozen=True)
class User:
    """An account as the desk sees it: never its password or hash."""

    name: str
    role: Role
    team: str | None
    disabled: bool
    sign_in: SignIn = "password"
    created_on: str = ""

    @property
    def grants(self) -> frozenset[str]:
        return GRANTS_BY_ROLE[self.role]


class AddressLimits:
    """Failed sign-ins per client address, remembered by one process for FAILURE_WINDOW."""

    def __init__(self, most: int = MAX_ADDRESS_FAILURES, addresses: int = MAX_ADDRESSES) -> None:
        self.most = most
        self.addresses = addresses
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, address: str, at: datetime) -> deque[datetime]:
        times = self._failures.get(address, deque())
        while times and times[0] <= at - FAILURE_WINDOW:
            times.popleft()
        return times

    def refused(self, address: str, at: datetime) -> bool:
        with self._lock:
            return len(self._recent(address, at)) >= self.most

    def failed(self, address: str, at: datetime) -> None:
        with self._lock:
            times = self._recent(address, at)
            times.append(at)
            while len(times) > self.most:
                times.popleft()
            self._failures[address] = times
            self._failures.move_to_end(address)
            while len(self._failures) > self.addresses:
                self._failures.popitem(last=False)


#: The limits of this process, for callers that do not keep their own.
ADDRESS_LIMITS = AddressLimits()


@cache
def _hasher() -> PasswordHasher:
    require_extra("service", "argon2", needed_by="signing in with a password")
    from argon2 import PasswordHasher
    from argon2.profiles import RFC_9106_LOW_MEMORY

    return PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)


@cache
def _dummy_hash() -> str:
    """A hash to check an unknown name's password against, so that it takes as long as a known one's."""
    return _hasher().hash("not the password of any account")


def _verified(password_hash: str | None, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _name(name: str) -> str:
    return name.strip().lower()


def check_new_password(name: str, password: str) -> None:
    """Refuse a password too short, too long, or the account's own name; nothing else is asked of it."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(
            f"a password has at least {MIN_PASSWORD_CHARS} characters: three random words make a good one"
        )
    if len(password) > MAX_PASSWORD_CHARS:
        raise UserError(f"a password has at most {MAX_PASSWORD_CHARS} characters")
    if _name(password) == _name(name):
        raise UserError("a password is not the account's name")


def add_user(
    store: EventStore,
    name: str,
    role: Role,
    password: str | None = None,
    team: str | None = None,
    *,
    sign_in: SignIn = "password",
) -> User:
    """Add an account: with a password, or (sign_in="oidc") one that signs in through the council's
    identity provider and has no password here."""
    name = _name(name)
    if not _NAME.fullmatch(name):
        raise UserError("a name is 1-128 letters, digits or . _ @ + ' - (an email address will do)")
    if role not in ROLES:
        raise UserError(f"a role is one of {', '.join(ROLES)}")
    if team is not None and not _TEAM.fullmatch(team):
        raise UserError("a team is 1-64 letters, digits, spaces or . _ & ' ( ) -")
    if sign_in == "oidc":
        if password is not None:
            raise UserError("an account that signs in through the identity provider has no password here")
        password_hash = None
    elif sign_in == "password":
        if password is None:
            raise UserError("an account that signs in with a password needs one")
        check_new_password(name, password)
        password_hash = _hasher().hash(password)
    else:
        raise UserError("an account signs in with a password or through the identity provider (oidc)")
    user = User(name, role, team, False, sign_in, london_today().isoformat())
    with store._writing() as db:
        db.execute(store._sql("SELECT 1 FROM complaintflow_users WHERE name = ?"), (name,))
        if db.fetchone() is not None:
            raise UserError("an account of that name exists")
        db.execute(
            store._sql(
                "INSERT INTO complaintflow_users (name, role, team, sign_in, password_hash, created_on)"
                " VALUES (?, ?, ?, ?, ?, ?)"
            ),
            (name, role, team, sign_in, password_hash, user.created_on),
        )
    return user


_COLUMNS = "name, role, team, disabled, sign_in, created_on"


def _user(row: tuple[object, ...]) -> User:
    name, role, team, disabled, sign_in, created_on = row
    return User(str(name), role, team, bool(disabled), sign_in, str(created_on))  # type: ignore[arg-type]


def list_users(store: EventStore) -> list[User]:
    with store._reading() as db:
        db.execute(f"SELECT {_COLUMNS} FROM complaintflow_users ORDER BY name")
        return [_user(row) for row in db.fetchall()]


def get_user(store: EventStore, name: str) -> User | None:
    with store._reading() as db:
        db.execute(store._sql(f"SELECT {_COLUMNS} FROM complaintflow_users WHERE name = ?"), (_name(name),))
        found = db.fetchone()
    return None if found is None else _user(found)


def disable_user(store: EventStore, name: str) -> None:
    """Stop an account signing in; its name stays taken, so the record's "recorded by" stays its own."""
    with store._writing() as db:
        db.execute(store._sql("UPDATE complaintflow_users SET disabled = 1 WHERE name = ?"), (_name(name),))
        db.execute(store._sql("SELECT 1 FROM complaintflow_users WHERE name = ?"), (_name(name),))
        if db.fetchone() is None:
            raise UserError("no account of that name")


def _held_back(failures: int, failing_since: str | None, at: datetime) -> bool:
    return (
        failures >= MAX_ACCOUNT_FAILURES
        and failing_since is not None
        and datetime.fromisoformat(failing_since) > at - FAILURE_WINDOW
    )


def check_password(
    store: EventStore,
    name: str,
    password: str,
    *,
    client: str | None = None,
    limits: AddressLimits = ADDRESS_LIMITS,
    at: datetime | None = None,
) -> User:
    """The account, if `password` is its password and it may sign in now; else SignInRefused.

    `client` is the address the attempt came from, counted against `limits`; `at` is the time of
    the attempt (now, unless a test says otherwise).
    """
    at = at or datetime.now(UTC)
    name = _name(name)
    row = None
    if _NAME.fullmatch(name) and len(password) <= MAX_PASSWORD_CHARS:
        with store._reading() as db:
            db.execute(
                store._sql(
                    f"SELECT {_COLUMNS}, password_hash, failures, failing_since"
                    " FROM complaintflow_users WHERE name = ?"
                ),
                (name,),
            )
            row = db.fetchone()
    password_hash: str | None = None if row is None else row[6]
    right = _verified(password_hash, password[:MAX_PASSWORD_CHARS])  # the same work for every name
    if client is not None and limits.refused(client, at):
        raise SignInRefused()
    if row is None or password_hash is None or not right:
        if client is not None:
            limits.failed(client, at)
        if row is not None:
            _count_failure(store, name, at)
        raise SignInRefused()
    user = _user(row[:6])
    if user.disabled or _held_back(row[7], row[8], at):
        raise SignInRefused()
    rehashed = _hasher().hash(password) if _hasher().check_needs_rehash(password_hash) else None
    if rehashed is not None or row[7]:
        with store._writing() as db:
            db.execute(
                store._sql(
                    "UPDATE complaintflow_users SET failures = 0, failing_since = NULL,"
                    " password_hash = COALESCE(?, password_hash) WHERE name = ?"
                ),
                (rehashed, name),
            )
    return user


def _count_failure(store: EventStore, name: str, at: datetime) -> None:
    """One more failure, in a window that starts again once FAILURE_WINDOW has passed since its first."""
    with store._writing() as db:
        db.execute(
            store._sql("SELECT failures, failing_since FROM complaintflow_users WHERE name = ?"), (name,)
        )
        found = db.fetchone()
        if found is None:
            return
        failures, since = found
        if since is None or datetime.fromisoformat(since) <= at - FAILURE_WINDOW:
            failures, since = 0, at.isoformat()
        db.execute(
            store._sql("UPDATE complaintflow_users SET failures = ?, failing_since = ? WHERE name = ?"),
            (failures + 1, since, name),
        )
