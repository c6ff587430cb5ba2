"""What every page checks: who is signed in, what their role may do, and that a form posted to the
desk came from one of its own pages (its token is the session's)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from complaintflow.desk.accounts import Person, grants
from complaintflow.desk.sessions import csrf_matches, current_user

#: A form's body, in bytes: the longest event form, with every text field full, fits.
MAX_FORM_BYTES = 256 * 1024
#: Fields in one form.
MAX_FORM_FIELDS = 200


class SignInNeeded(Exception):
    """Nobody is signed in: the page sends the browser to the sign-in page."""


class DeskProblem(Exception):
    """A page that cannot be shown, as a page that says why, with its HTTP status."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.detail = detail


def note(request: Request, user: Person) -> None:
    """Note the signed-in user on the request, for the page's header and navigation."""
    request.state.desk_user = user
    request.state.desk_grants = grants(user)


async def signed_in(request: Request) -> Person:
    """The signed-in user, read again from the store on a worker thread; else `SignInNeeded`."""
    user = await run_in_threadpool(current_user, request)
    if user is None:
        raise SignInNeeded
    note(request, user)
    return user


def needs(grant: str) -> Callable[[Request], Awaitable[Person]]:
    """A dependency: the signed-in user, whose role must grant `grant` (else a 403 page)."""

    async def check(request: Request) -> Person:
        user = await signed_in(request)
        if grant not in request.state.desk_grants:
            raise DeskProblem(403, "You cannot see this page", f"An {user.role}'s account cannot do this.")
        return user

    return check


async def read_form(request: Request) -> dict[str, str]:
    """A posted form's fields, once its token has been checked: a form without the session's token
    is refused with 403 before anything is read from it or changed."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise DeskProblem(413, "The form is too large", "A form may send at most 256 KB.")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise DeskProblem(413, "The form is too large", "A form may send at most 256 KB.")
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise DeskProblem(415, "The form could not be read", "The desk's forms are sent as web forms.")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_FORM_FIELDS
        )
    except (UnicodeDecodeError, ValueError):
        raise DeskProblem(400, "The form could not be read", "Go back to the page and try again.") from None
    fields = dict(pairs)
    if not csrf_matches(request, fields.pop("csrf_token", None)):
        raise DeskProblem(
            403,
            "The form has expired",
            "The page was not sent by this desk, or it was opened before you last signed in. "
            "Nothing was changed. Go back, reload the page and try again.",
        )
    return fields
