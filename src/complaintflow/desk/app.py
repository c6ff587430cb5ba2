"""The complaints desk: pages for a council's complaints officers, over a store, mounted by the
service at /desk/. Built with the GOV.UK Design System; works with no JavaScript and no internet.

The desk uses only the public API of the layers below: the store, case views and their
`next_events`, the daily list (`store.due`), the reports and the notices' outbox.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from complaintflow.dates import london_today
from complaintflow.desk.guard import DeskProblem, SignInNeeded
from complaintflow.desk.headers import SecurityHeaders
from complaintflow.desk.pages import admin, cases, record, reports, signing, statement
from complaintflow.desk.sessions import IDLE_SECONDS, MAX_SESSIONS, PATH, Sessions, sign_in, store_for
from complaintflow.desk.templating import STATIC, render
from complaintflow.errors import ComplaintflowError, StoreError
from complaintflow.problems import kind_of
from complaintflow.service.access import bind
from complaintflow.store.base import EventStore

log = logging.getLogger("complaintflow.desk")

#: Titles of the pages shown for HTTP errors the desk's routes do not raise themselves.
HTTP_TITLES = {
    404: "Page not found",
    405: "This page cannot do that",
}


def _refused(request: Request, message: str) -> Response:
    """The page that says why signing in through the council's identity provider did not work."""
    return render(request, "problem.html", 403, title="You cannot sign in", detail=message)


def create_desk(
    store: EventStore,
    *,
    secure_cookies: bool = True,
    idle_seconds: float = IDLE_SECONDS,
    max_sessions: int = MAX_SESSIONS,
    today: Callable[[], date] = london_today,
    oidc: Any = None,
) -> FastAPI:
    """The desk over a store, to mount at /desk. `secure_cookies=False` only for plain-http use on
    one's own machine: a browser sends a Secure cookie over HTTPS alone. `today` is the day the
    pages count deadlines to (by default, today in London). `oidc`, the settings of the council's
    identity provider (`complaintflow.desk.oidc.OidcSettings`), adds signing in through it."""
    desk = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    bind(desk, store)  # the service's one way to reach the store
    desk.state.desk_sessions = Sessions(
        idle_seconds=idle_seconds, max_sessions=max_sessions, secure=secure_cookies
    )
    desk.state.desk_today = today
    desk.add_middleware(SecurityHeaders)
    desk.mount("/assets", StaticFiles(directory=STATIC), name="assets")
    for pages in (signing, cases, record, reports, admin, statement):
        desk.include_router(pages.router)
    desk.state.desk_oidc = oidc is not None
    if oidc is not None:  # signing in through the council's identity provider
        from_provider = importlib.import_module("complaintflow.desk.oidc")
        desk.include_router(from_provider.oidc_router(oidc, store_for, sign_in, _refused))

    @desk.get("/", include_in_schema=False)
    async def home(request: Request) -> Response:
        return RedirectResponse(f"{PATH}/cases", status_code=303)

    @desk.exception_handler(SignInNeeded)
    async def sign_in_first(request: Request, error: SignInNeeded) -> Response:
        return RedirectResponse(f"{PATH}/sign-in", status_code=303)

    @desk.exception_handler(DeskProblem)
    async def problem_page(request: Request, error: DeskProblem) -> Response:
        return render(request, "problem.html", error.status, title=error.title, detail=error.detail)

    @desk.exception_handler(ComplaintflowError)
    async def library_error(request: Request, error: ComplaintflowError) -> Response:
        kind = kind_of(error)
        detail = str(error)
        if isinstance(error, StoreError):  # the store's name and state are for the log
            log.error("store unavailable: %s", error)
            detail = "The record cannot be reached just now. Try again in a few minutes."
        return render(request, "problem.html", kind.status, title=kind.title, detail=detail)

    @desk.exception_handler(RequestValidationError)
    async def invalid_address(request: Request, error: RequestValidationError) -> Response:
        detail = "Check the address, or go back to the daily list."
        return render(request, "problem.html", 400, title="The address is not valid", detail=detail)

    @desk.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        title = HTTP_TITLES.get(error.status_code, "Something went wrong")
        detail = "Check the address, or go back to the daily list." if error.status_code == 404 else ""
        return render(request, "problem.html", error.status_code, title=title, detail=detail)

    return desk
