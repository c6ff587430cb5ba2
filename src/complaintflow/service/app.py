"""The HTTP JSON service: a council runs one beside its case-management systems, and every system,
in any language, records events and asks for deadlines, reminders and reports.

Every request but `/health`, `/openapi.json` and the API page `/docs` carries a bearer token; every
error is an RFC 9457 problem document from the one table of error kinds (`complaintflow.problems`).
Logs carry case ids, event types, status codes and timings, never payloads.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import threading
import time
import zipfile
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, FastAPI, Header, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from complaintflow import __version__
from complaintflow._machine import mermaid
from complaintflow.calendar import WorkingDayCalendar
from complaintflow.case import CaseView
from complaintflow.dates import london_today
from complaintflow.errors import ComplaintflowError, InvalidEvent, printable
from complaintflow.events import Event, UKDate, parse_events
from complaintflow.limits import MAX_REFERENCE_CHARS
from complaintflow.problems import problem
from complaintflow.procedure import registered_names, registered_procedure
from complaintflow.reminders import Reminder
from complaintflow.report.forms import Report
from complaintflow.service.api_docs import add_api_docs
from complaintflow.service.notices import notice_routes
from complaintflow.service.privacy import privacy_routes
from complaintflow.store.base import MAX_POSITION, EventStore
from complaintflow.store.tokens import GRANTS, Token, authenticate

log = logging.getLogger("complaintflow.service")
T = TypeVar("T")

#: A request body, in bytes: a batch of a hundred full events fits.
MAX_BODY_BYTES = 1_048_576
#: How long a request body may take to arrive, in seconds: a client on a slow line sends a
#: megabyte in far less; one that dribbles bytes to hold a connection open is cut off.
MAX_BODY_SECONDS = 30.0
#: Events in one request.
MAX_EVENTS_PER_REQUEST = 100
#: Case views kept, as JSON, by case, version and day.
CACHED_VIEWS = 4_096
#: The longest a feed request waits for new events, in seconds.
MAX_WAIT_SECONDS = 30
#: What a caller is told when the store fails: the log says which store and why.
STORE_UNAVAILABLE = "the store cannot be used just now; the service's log says why"
#: A case reference in a path: printable, one to 64 characters, no slash.
CASE_ID_PATTERN = re.compile(r"[^/\\\x00-\x1f\x7f-\x9f\u2028\u2029]{1,64}")
CaseId = Annotated[
    str, Path(pattern=f"^{CASE_ID_PATTERN.pattern}$", description="The host's case reference.")
]
EVENTS_SCHEMA: dict[str, Any] = TypeAdapter(Event).json_schema()


class ProblemResponse(BaseModel):
    """An RFC 9457 problem document, with the library's context where it has some."""

    type: str
    title: str
    status: int
    detail: str
    kind: str
    field: str | None = None
    state: str | None = None
    allowed: list[str] | None = None


class Appended(BaseModel):
    """What an append answers: the case's version and its view."""

    version: int
    case: CaseView


class CaseList(BaseModel):
    cases: list[str]
    page: int
    pages: int
    total: int


class FeedEntry(BaseModel):
    position: int
    event: dict[str, Any]


class Feed(BaseModel):
    events: list[FeedEntry]
    last_position: int


class WorkingDaySum(BaseModel):
    start: date
    working_days: int
    date: date
    skipped: list[dict[str, str]]


class WorkingDaysBetween(BaseModel):
    start: date
    end: date
    working_days: int


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemResponse, "content": {"application/problem+json": {}}}
    for status in (400, 401, 403, 404, 408, 412, 413, 415, 422, 503)
}


def _problem_response(document: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        document, status_code=document["status"], headers=headers, media_type="application/problem+json"
    )


def require_json(request: Request) -> None:
    """Refuse with 415 a body that does not say it is JSON: a form or plain text is not read as JSON."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json" and not (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        raise StarletteHTTPException(415, "the request body must be JSON, sent as application/json")


def _plain_problem(status: int, kind: str, title: str, detail: str) -> dict[str, Any]:
    return {"type": f"/problems/{kind}", "title": title, "status": status, "detail": detail, "kind": kind}


class BodyLimit:
    """Refuse a request body over the limit with 413, counting the bytes as they arrive, and one that
    does not arrive whole within `seconds` with 408, so a slow client cannot hold a request open."""

    def __init__(self, app: ASGIApp, limit: int, seconds: float = MAX_BODY_SECONDS) -> None:
        self.app = app
        self.limit = limit
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(413, scope, send)
            return
        seen, whole = 0, False
        deadline = asyncio.get_running_loop().time() + self.seconds

        async def counted() -> Message:
            nonlocal seen, whole
            if whole:  # after the body, the app only listens for a disconnect: no time limit
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), deadline - asyncio.get_running_loop().time())
            except TimeoutError:
                raise _TooSlow from None
            seen += len(message.get("body", b""))
            whole = not message.get("more_body", False)
            if seen > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._refuse(413, scope, send)
        except _TooSlow:
            await self._refuse(408, scope, send)

    async def _refuse(self, status: int, scope: Scope, send: Send) -> None:
        if status == 413:
            document = _plain_problem(
                413,
                "too-large",
                "The request body is too large",
                f"a request body may take at most {self.limit:,} bytes",
            )
        else:
            document = _plain_problem(
                408,
                "too-slow",
                "The request body came too slowly",
                f"a request body must arrive whole within {self.seconds:g} seconds",
            )
        response = _problem_response(document, {"Connection": "close"})

        async def nothing() -> Message:
            return {"type": "http.disconnect"}

        await response(scope, nothing, send)


class _TooSlow(Exception):
    pass


class _TooLarge(Exception):
    pass


def loggable_reference(text: str) -> str:
    """A reference from a request as a log may carry it: one line, no control characters, no
    line or paragraph separators (which a log reader may show as new lines), bounded length; a
    reference that is not a valid one is marked so, and never quoted whole."""
    if CASE_ID_PATTERN.fullmatch(text):
        return printable(text, 64)
    return f"(not valid: {printable(text, 24)})"


class RequestLog:
    """One log line a request: method, route, case reference, status and time; never a payload."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def noting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting)
        finally:
            route = scope.get("route")
            case_id = scope.get("path_params", {}).get("case_id")
            log.info(
                "%s %s case=%s status=%d %.1fms",
                printable(scope["method"], 16),
                getattr(route, "path", "-"),
                "-" if case_id is None else loggable_reference(case_id),
                status,
                (time.perf_counter() - started) * 1000,
            )


def create_app(
    store: EventStore,
    *,
    cors_origins: tuple[str, ...] = (),
    max_body_bytes: int = MAX_BODY_BYTES,
    max_events: int = MAX_EVENTS_PER_REQUEST,
    max_wait: float = MAX_WAIT_SECONDS,
    max_body_seconds: float = MAX_BODY_SECONDS,
    desk: bool = True,
    desk_secure_cookies: bool = True,
) -> FastAPI:
    """The service over a store. CORS is off unless origins are given. The complaints desk's pages
    are mounted at /desk/ unless `desk=False` (docs/desk.md)."""
    app = FastAPI(
        title="complaintflow",
        version=__version__,
        description="UK council complaints: record events; read cases, deadlines, the feed and reports.",
        docs_url=None,  # served from the package's own files by add_api_docs, not from a CDN
        redoc_url=None,
    )
    add_api_docs(app)
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "If-Match"],
            expose_headers=["ETag"],
        )
    app.add_middleware(BodyLimit, limit=max_body_bytes, seconds=max_body_seconds)
    app.add_middleware(RequestLog)

    @app.exception_handler(ComplaintflowError)
    async def library_error(request: Request, error: ComplaintflowError) -> JSONResponse:
        document = problem(error, instance=request.url.path)
        if document["status"] == 503:  # the store's name and state are for the log, not the caller
            log.error("store unavailable: %s", error)
            document["detail"] = STORE_UNAVAILABLE
        return _problem_response(document)

    @app.exception_handler(ClientDisconnect)
    async def client_gone(request: Request, error: ClientDisconnect) -> Response:
        """The client went away before its body arrived whole: nothing to answer, nothing stored."""
        log.info("the client disconnected before the request body arrived whole")
        return Response(status_code=400)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        document = _plain_problem(
            422, "invalid-request", "The request is not valid", f"{where}: {first['msg']}"
        )
        document["field"] = where
        return _problem_response(document)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        kinds = {
            401: "unauthorised",
            403: "forbidden",
            404: "not-found",
            405: "method-not-allowed",
            408: "too-slow",
            415: "unsupported-media-type",
        }
        document = _plain_problem(
            error.status_code,
            kinds.get(error.status_code, "http-error"),
            str(error.detail),
            str(error.detail),
        )
        headers = dict(error.headers or {})
        if error.status_code == 401:
            headers["WWW-Authenticate"] = "Bearer"
        if error.status_code == 405:  # every method the path has, over all its routes (RFC 9110)
            methods = {
                method
                for route in app.routes
                if isinstance(route, APIRoute) and route.path_regex.match(request.url.path)
                for method in route.methods or ()
            }
            headers["Allow"] = ", ".join(sorted(methods))
        return _problem_response(document, headers)

    async def read(work: Callable[[], T]) -> T:
        """A store read, on a worker thread: even a local file can take long to replay a long case,
        and the event loop must stay free for every other request."""
        return await run_in_threadpool(work)

    views: OrderedDict[tuple[str, int, date], str] = OrderedDict()  # (case, version, day) -> view
    views_lock = threading.Lock()

    def needs(grant: str) -> Callable[..., Awaitable[Token]]:
        async def check(authorization: Annotated[str | None, Header()] = None) -> Token:
            if authorization is None or not authorization.startswith("Bearer "):
                raise StarletteHTTPException(401, "a bearer token is required")
            presented = authorization.removeprefix("Bearer ").strip()
            # Asked of the store on every request, so a revoked token stops at once.
            token = await read(lambda: authenticate(store, presented))
            if token is None:
                raise StarletteHTTPException(401, "the token is not valid, or was revoked")
            if grant not in GRANTS[token.scope]:
                raise StarletteHTTPException(403, f"a {token.scope} token may not do this")
            return token

        return check

    reader, writer, reporter = Depends(needs("read")), Depends(needs("write")), Depends(needs("report"))
    app.include_router(notice_routes(store, needs, ERRORS))
    app.include_router(privacy_routes(store, needs, ERRORS))

    @app.get("/health", tags=["service"], openapi_extra={"security": []})
    async def health() -> dict[str, str]:
        """Liveness, for load balancers: no token needed."""
        return {"status": "ok", "version": __version__}

    @app.post(
        "/cases/{case_id}/events",
        tags=["cases"],
        response_model=Appended,
        responses=ERRORS,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "oneOf": [
                                {"$ref": "#/components/schemas/Event"},
                                {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Event"},
                                    "maxItems": max_events,
                                },
                            ]
                        }
                    }
                },
            }
        },
    )
    async def append(
        case_id: CaseId,
        request: Request,
        response: Response,
        token: Token = writer,
        if_match: Annotated[str | None, Header()] = None,
        as_of: UKDate | None = None,
    ) -> Response:
        """Record one event or a list, all or none. `If-Match: <version>` refuses a stale write with 412.
        The answer is the case's new version and its view as of `as_of` (default: today in London)."""
        expected = None
        if if_match is not None:
            text = if_match.strip().strip('"').removeprefix("W/").strip('"')
            if not (text.isascii() and text.isdigit()) or len(text) > 12:
                raise InvalidEvent("If-Match takes the case's version, a whole number", field="If-Match")
            expected = int(text)
        require_json(request)
        events = parse_events(await request.body(), max_events)

        def record() -> tuple[int, CaseView]:
            version = store.append(case_id, events, expected, recorded_by=token.name)
            return version, store.load(case_id).view(as_of=as_of)

        version, view = await run_in_threadpool(record)
        types = ",".join(event.type for event in events)
        log.info("appended case=%s types=%s version=%d", printable(case_id, 64), types, version)
        body = f'{{"version":{version},"case":{view.model_dump_json()}}}'
        return Response(body, media_type="application/json", headers={"ETag": f'"{version}"'})

    @app.get("/cases/{case_id}", tags=["cases"], response_model=CaseView, responses=ERRORS)
    async def view_case(
        case_id: CaseId, response: Response, token: Token = reader, as_of: UKDate | None = None
    ) -> Response:
        """The case view at the end of `as_of` (default: today in London). `ETag` is the version."""

        def look() -> tuple[int, str]:
            version = store.version(case_id)
            key = (case_id, version, as_of or london_today())
            with views_lock:
                shown = views.get(key)
            if shown is None:  # a case is the same at the same version on the same day: kept a while
                shown = store.load(case_id).view(as_of=key[2]).model_dump_json()
                with views_lock:
                    views[key] = shown
                    while len(views) > CACHED_VIEWS:
                        views.popitem(last=False)
            return version, shown

        version, shown = await read(look)
        return Response(shown, media_type="application/json", headers={"ETag": f'"{version}"'})

    @app.get("/cases/{case_id}/events", tags=["cases"], responses=ERRORS)
    async def case_events(case_id: CaseId, token: Token = reader) -> list[dict[str, Any]]:
        """The case's events, in the order the case applies them."""
        events = await read(lambda: store.events(case_id))
        return [event.model_dump(mode="json", exclude_none=True) for event in events]

    @app.get("/cases", tags=["cases"], response_model=CaseList, responses=ERRORS)
    async def list_cases(
        token: Token = reader,
        open: bool = False,
        open_only: bool = False,
        procedure: str | None = None,
        as_of: UKDate | None = None,
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> CaseList:
        """Case references, in the order their first events were stored; with `open_only=true` (or
        `open=true`) only those open at the end of `as_of` (default: today in London), as their
        views say."""
        found = await run_in_threadpool(store.cases, open or open_only, procedure, as_of)  # may replay
        pages = max(1, -(-len(found) // page_size))
        return CaseList(
            cases=found[(page - 1) * page_size : page * page_size], page=page, pages=pages, total=len(found)
        )

    @app.get("/due", tags=["deadlines"], response_model=list[Reminder], responses=ERRORS)
    async def due(
        token: Token = reader,
        within: Annotated[int, Query(ge=0, le=1000)] = 5,
        as_of: UKDate | None = None,
        officer: Annotated[str | None, Query(min_length=1, max_length=MAX_REFERENCE_CHARS)] = None,
        team: Annotated[str | None, Query(min_length=1, max_length=MAX_REFERENCE_CHARS)] = None,
    ) -> list[Reminder]:
        """The daily list: deadlines due within N working days of `as_of`, and overdue ones; only
        the cases an officer or a team owns, if asked."""
        return await run_in_threadpool(store.due, within, as_of, officer, team)  # may count many cases

    @app.get("/feed", tags=["feed"], response_model=Feed, responses=ERRORS)
    async def feed(
        token: Token = reader,
        after: Annotated[int, Query(ge=0, le=MAX_POSITION - 1)] = 0,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
        wait: Annotated[float, Query(ge=0, le=MAX_WAIT_SECONDS)] = 0,
    ) -> Feed:
        """Stored events after a position, in one global order; waits up to `wait` seconds for some."""
        deadline = time.monotonic() + min(wait, max_wait)
        while True:
            page = await read(lambda: store.feed(after, limit))
            if page or time.monotonic() >= deadline:
                break
            await asyncio.sleep(0.2)
        entries = [FeedEntry(position=p, event=e.model_dump(mode="json", exclude_none=True)) for p, e in page]
        return Feed(events=entries, last_position=page[-1][0] if page else after)

    @app.get("/reports/{procedure}/{year}", tags=["reports"], responses=ERRORS)
    async def report(
        procedure: str,
        year: Annotated[
            str,
            Path(
                pattern=r"^[0-9]{4}(-[0-9]{2})?$",
                description="The reporting year from 1 April: 2024, or 2024-25 as councils write it.",
            ),
        ],
        token: Token = reporter,
        format: Literal["json", "html", "md", "csv"] = "json",
        suppress_below: Annotated[int | None, Query(ge=2, le=100)] = None,
        homes: Annotated[int | None, Query(ge=1, le=10_000_000)] = None,
        by_team: bool = False,
        raw: bool = False,
    ) -> Response:
        """A published report of one procedure's cases for the reporting year `year`, of the kind
        its law or Code asks for; `homes` adds the Tenant Satisfaction Measure CH01 to a Complaint
        Handling Code report; `by_team` adds complaints by team. Small counts are withheld (at 5
        unless `suppress_below` says), given every publication the store has kept; every count
        (`raw=true`) needs an admin token."""
        from complaintflow.report import (
            PUBLISHED_SUPPRESS_BELOW,
            publish,
            to_csv,
            to_html,
            to_json,
            to_markdown,
            year_from_label,
        )

        try:
            starts = year_from_label(year)
        except ComplaintflowError as error:
            raise RequestValidationError(
                [{"loc": ("path", "year"), "msg": str(error), "type": "value_error"}]
            ) from None
        if raw and token.scope != "admin":
            raise StarletteHTTPException(403, "raw counts need an admin token")
        if raw and suppress_below is not None:
            raise ComplaintflowError("raw: every count is printed; give it or suppress_below, not both")
        if not (store.procedures and procedure in store.procedures):
            registered_procedure(procedure)

        def published_report() -> Report:
            counted = store.reports(starts, only=[procedure], homes=homes, by_team=by_team)[procedure]
            if raw:
                return counted
            below = suppress_below or PUBLISHED_SUPPRESS_BELOW
            return publish(counted, below, earlier=store.publications(), procedures=procedure)

        published = await run_in_threadpool(published_report)
        if format == "json":
            return Response(to_json(published), media_type="application/json")
        if format == "md":
            return Response(to_markdown(published), media_type="text/markdown; charset=utf-8")
        if format == "html":
            return Response(to_html(published), media_type="text/html; charset=utf-8")
        packed = io.BytesIO()
        with zipfile.ZipFile(packed, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, text in to_csv(published).items():
                archive.writestr(name, text)
        return Response(
            packed.getvalue(),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="report-{procedure}-{starts}.zip"'},
        )

    @app.get("/procedures", tags=["procedures"], responses=ERRORS)
    async def procedures(token: Token = reader) -> list[dict[str, str]]:
        """The registered procedures."""
        return [{"name": name, "title": registered_procedure(name).title} for name in registered_names()]

    @app.get("/procedures/{name}", tags=["procedures"], responses=ERRORS)
    async def procedure(name: str, token: Token = reader) -> dict[str, Any]:
        """A procedure's definition, with its state diagram in Mermaid."""
        found = registered_procedure(name)
        return {"definition": found.model_dump(mode="json", by_alias=True), "mermaid": mermaid(found)}

    def calendar_named(name: str) -> WorkingDayCalendar:
        if name not in WorkingDayCalendar.NAMES:
            raise StarletteHTTPException(404, f"calendars are {', '.join(WorkingDayCalendar.NAMES)}")
        return WorkingDayCalendar.named(name)

    @app.get("/calendars/{name}/add", tags=["calendars"], response_model=WorkingDaySum, responses=ERRORS)
    async def add(
        name: str,
        start: Annotated[UKDate, Query(alias="from")],
        n: Annotated[int, Query(ge=-5000, le=5000)],
        token: Token = reader,
    ) -> WorkingDaySum:
        """The Nth working day after `from` (day 0), with each day skipped and why."""
        calendar = calendar_named(name)
        found = calendar.add_working_days(start, n)
        low, high = min(start, found), max(start, found)
        skipped = [
            {"date": d.isoformat(), "reason": r} for d, r in calendar.non_working_days(low, high) if d != low
        ]
        return WorkingDaySum(start=start, working_days=n, date=found, skipped=skipped)

    @app.get(
        "/calendars/{name}/between", tags=["calendars"], response_model=WorkingDaysBetween, responses=ERRORS
    )
    async def between(
        name: str,
        start: Annotated[UKDate, Query(alias="from")],
        end: Annotated[UKDate, Query(alias="to")],
        token: Token = reader,
    ) -> WorkingDaysBetween:
        """Working days in (from, to]."""
        return WorkingDaysBetween(
            start=start, end=end, working_days=calendar_named(name).working_days_between(start, end)
        )

    @app.get("/schemas/events.json", tags=["schemas"], responses=ERRORS)
    async def events_schema(token: Token = reader) -> dict[str, Any]:
        """The JSON Schema of every event (also docs/events.schema.json)."""
        return EVENTS_SCHEMA

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            events = TypeAdapter(Event).json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(events.pop("$defs", {}))
            schemas["Event"] = events
            document["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
            document["security"] = [{"bearer": []}]
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.state.store = store
    if desk:
        from complaintflow.desk import create_desk

        app.mount("/desk", create_desk(store, secure_cookies=desk_secure_cookies))
    return app
