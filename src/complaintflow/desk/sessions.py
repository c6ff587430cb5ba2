"""Who is signed in to the desk: sessions kept on the server, in this process, keyed by a random id
that the browser holds in a cookie, each with its own token against cross-site forms.

The cookie is HttpOnly, SameSite=Strict, Path=/desk and Secure (turned off only for plain-http use
on one's own machine). Every sign-in starts a new session with a new id, so an id planted before
sign-in is worth nothing. A session ends at sign-out, after it has been idle too long, or at once
when its account is disabled, since the account is read again on every request. Sessions are few
enough to keep in memory (at most `max_sessions`, the least recently used of visitors not yet signed
in going first, then of the rest), and are
lost when the process restarts: everyone signs in again.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

from complaintflow.desk.accounts import Person, get_user
from complaintflow.store.base import EventStore

COOKIE = "complaintflow_desk"
PATH = "/desk"
#: How long a session may stand unused, in seconds.
IDLE_SECONDS = 30 * 60
#: Sessions kept at once; past this, the least recently used ends.
MAX_SESSIONS = 10_000


@dataclass
class Session:
    """One browser's session: whose it is (None before sign-in) and its form token."""

    user: str | None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    seen: float = 0.0


class Sessions:
    """The sessions of one desk, behind one lock."""

    def __init__(
        self,
        *,
        idle_seconds: float = IDLE_SECONDS,
        max_sessions: int = MAX_SESSIONS,
        secure: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.idle_seconds = idle_seconds
        self.max_sessions = max_sessions
        self.secure = secure
        self.clock = clock
        self._lock = threading.Lock()
        self._by_id: OrderedDict[str, Session] = OrderedDict()

    def start(self, user: str | None) -> tuple[str, Session]:
        session_id = secrets.token_urlsafe(32)
        session = Session(user, seen=self.clock())
        with self._lock:
            self._by_id[session_id] = session
            while len(self._by_id) > self.max_sessions:
                self._by_id.pop(self._first_to_go())
        return session_id, session

    def _first_to_go(self) -> str:
        """The session to end when there are too many: the least recently used of those not yet
        signed in, so that a flood of visitors cannot push out the people at work; else the least
        recently used."""
        for session_id, session in self._by_id.items():
            if session.user is None:
                return session_id
        return next(iter(self._by_id))

    def find(self, session_id: str | None) -> Session | None:
        """The live session of that id, marked as used now; an idle one is ended."""
        if not session_id or len(session_id) > 100:
            return None
        now = self.clock()
        with self._lock:
            session = self._by_id.get(session_id)
            if session is None:
                return None
            if now - session.seen > self.idle_seconds:
                del self._by_id[session_id]
                return None
            session.seen = now
            self._by_id.move_to_end(session_id)
            return session

    def end(self, session_id: str | None) -> None:
        with self._lock:
            self._by_id.pop(session_id or "", None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._by_id)


def store_for(request: Request) -> EventStore:
    """The store of the desk serving this request, bound with `service.access.bind` as the
    service's own is; for the desk's code on worker threads as well as on the event loop."""
    store: EventStore = request.app.state.store
    return store


def _sessions(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.desk_sessions
    return sessions


def _set_cookie(request: Request, response: Response, session_id: str) -> None:
    response.set_cookie(
        COOKIE,
        session_id,
        path=PATH,
        httponly=True,
        secure=_sessions(request).secure,
        samesite="strict",
    )


def _current(request: Request) -> tuple[str | None, Session | None]:
    """The request's session: one started while answering it, else the one its cookie names."""
    started: tuple[str, Session] | None = getattr(request.state, "desk_session", None)
    if started is not None:
        return started
    session_id = request.cookies.get(COOKIE)
    return session_id, _sessions(request).find(session_id)


def visit(request: Request, response: Response) -> None:
    """Make sure a visitor not yet signed in has a session, for the sign-in form's token."""
    if _current(request)[1] is None:
        session_id, session = _sessions(request).start(None)
        request.state.desk_session = (session_id, session)
        _set_cookie(request, response, session_id)


def sign_in(request: Request, response: Response, user: Person) -> None:
    """Sign the user in with a new session id, ending whatever session the browser had."""
    sessions = _sessions(request)
    old_id, _ = _current(request)
    sessions.end(old_id)
    session_id, session = sessions.start(user.name)
    request.state.desk_session = (session_id, session)
    _set_cookie(request, response, session_id)


def sign_out(request: Request, response: Response) -> None:
    """End the browser's session and forget its cookie."""
    session_id, _ = _current(request)
    _sessions(request).end(session_id)
    request.state.desk_session = None
    response.delete_cookie(
        COOKIE, path=PATH, httponly=True, secure=_sessions(request).secure, samesite="strict"
    )


def current_user(request: Request) -> Person | None:
    """The signed-in user, read again from the store: a disabled or removed account is out at once."""
    session_id, session = _current(request)
    if session is None or session.user is None:
        return None
    user = get_user(store_for(request), session.user)
    if user is None or user.disabled:
        _sessions(request).end(session_id)
        return None
    return user


def csrf_token(request: Request) -> str:
    """The session's token for forms: a hidden field in every form, checked on every POST."""
    _, session = _current(request)
    if session is None:
        raise LookupError("no session: call visit() first")
    return session.csrf


def csrf_matches(request: Request, presented: str | None) -> bool:
    """Whether a form's token is the session's own."""
    _, session = _current(request)
    return session is not None and presented is not None and hmac.compare_digest(session.csrf, presented)
