"""`/cases`: record a case's events, and read its view, its events and the list of cases."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from complaintflow.case import CaseView
from complaintflow.dates import london_today
from complaintflow.errors import InvalidEvent
from complaintflow.events import UKDate, parse_events
from complaintflow.service.access import (
    MAX_EVENTS_PER_REQUEST,
    Presented,
    Reader,
    TheLimits,
    TheStore,
    caller,
    in_thread,
)
from complaintflow.service.errors import ERRORS
from complaintflow.service.middleware import LOG_DETAIL
from complaintflow.service.requests import CaseId, require_json

#: Case views kept, as JSON, by case, version and day.
CACHED_VIEWS = 4_096

router = APIRouter(tags=["cases"], responses=ERRORS)

#: Events only an `admin` token may record: a hold stops the retention schedule of a case.
ADMIN_EVENTS = frozenset({"LegalHoldPlaced", "LegalHoldLifted"})


class Appended(BaseModel):
    """What an append answers: the case's version and its view."""

    version: int
    case: CaseView


class CaseList(BaseModel):
    cases: list[str]
    page: int
    pages: int
    total: int


class CaseViews:
    """Case views as JSON by (case, version, day): a case is the same at the same version on the
    same day, so a view is kept a while, the oldest going first."""

    def __init__(self, size: int = CACHED_VIEWS) -> None:
        self.size = size
        self._views: OrderedDict[tuple[str, int, date], str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, date]) -> str | None:
        with self._lock:
            return self._views.get(key)

    def keep(self, key: tuple[str, int, date], shown: str) -> None:
        with self._lock:
            self._views[key] = shown
            while len(self._views) > self.size:
                self._views.popitem(last=False)


def views_of(request: Request) -> CaseViews:
    """The view cache of the application serving this request, made with its first view."""
    views: CaseViews | None = getattr(request.app.state, "case_views", None)
    if views is None:
        views = request.app.state.case_views = CaseViews()
    return views


#: The request body: one event or a list of them (the list's bound is each application's own).
APPEND_BODY: dict[str, Any] = {
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
                            "maxItems": MAX_EVENTS_PER_REQUEST,
                        },
                    ]
                }
            }
        },
    }
}


#: What `Prefer: return=minimal` gets: the events stored, the case's version in `ETag`, no view.
MINIMAL: dict[int | str, dict[str, Any]] = {
    204: {"description": "Stored, with `Prefer: return=minimal`: the case's new version is in `ETag`."}
}


@router.post("/cases/{case_id}/events", response_model=Appended, responses=MINIMAL, openapi_extra=APPEND_BODY)
async def append(
    case_id: CaseId,
    request: Request,
    store: TheStore,
    limits: TheLimits,
    presented: Presented,
    if_match: Annotated[str | None, Header()] = None,
    as_of: UKDate | None = None,
    prefer: Annotated[
        str | None,
        Header(
            max_length=1000,
            description="`return=minimal` (RFC 7240): answer 204 with the version in `ETag` and "
            "no view of the case, which then need not be built.",
        ),
    ] = None,
) -> Response:
    """Record one event or a list, all or none. `If-Match: <version>` refuses a stale write with 412.
    The answer is the case's new version and its view as of `as_of` (default: today in London);
    with `Prefer: return=minimal`, only the version, in `ETag`."""
    body = await request.body()
    minimal = prefers_minimal(prefer)
    views = views_of(request)

    def record() -> tuple[int, str | None]:  # the one hop off the event loop: check, store, answer
        token = caller(store, presented, "write")
        expected = expected_version(if_match)
        require_json(request)
        events = parse_events(body, limits.max_events)
        if token.scope != "admin" and any(event.type in ADMIN_EVENTS for event in events):
            raise StarletteHTTPException(403, "legal holds are placed and lifted with an admin token")
        version = store.append(case_id, events, expected, recorded_by=token.name)
        types = ",".join(event.type for event in events)
        request.scope[LOG_DETAIL] = f" types={types} version={version}"  # on the request's one line
        if minimal:
            return version, None
        day = as_of or london_today()
        shown = store.load(case_id).view(as_of=day).model_dump_json()
        views.keep((case_id, version, day), shown)  # a host often reads the case next
        return version, f'{{"version":{version},"case":{shown}}}'

    version, answer = await in_thread(record)
    etag = {"ETag": f'"{version}"'}
    if answer is None:
        return Response(status_code=204, headers={**etag, "Preference-Applied": "return=minimal"})
    return Response(answer, media_type="application/json", headers=etag)


def prefers_minimal(prefer: str | None) -> bool:
    """Whether a Prefer header (RFC 7240) asks for `return=minimal`: preferences are separated by
    commas, their parameters by semicolons, and a name is not case-sensitive."""
    if prefer is None:
        return False
    for preference in prefer.split(","):
        name, _, value = preference.partition(";")[0].partition("=")
        if name.strip().lower() == "return" and value.strip().strip('"').lower() == "minimal":
            return True
    return False


def expected_version(if_match: str | None) -> int | None:
    """The version an `If-Match` header holds, as an ETag this service gave or a bare number."""
    if if_match is None:
        return None
    text = if_match.strip().strip('"').removeprefix("W/").strip('"')
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise InvalidEvent("If-Match takes the case's version, a whole number", field="If-Match")
    return int(text)


@router.get("/cases/{case_id}", response_model=CaseView)
async def view_case(
    case_id: CaseId,
    request: Request,
    store: TheStore,
    presented: Presented,
    as_of: UKDate | None = None,
) -> Response:
    """The case view at the end of `as_of` (default: today in London). `ETag` is the version."""
    views = views_of(request)

    def look() -> tuple[int, str]:  # the one hop off the event loop: check the token, then read
        caller(store, presented, "read")
        version = store.version(case_id)
        key = (case_id, version, as_of or london_today())
        shown = views.get(key)
        if shown is None:
            shown = store.load(case_id).view(as_of=key[2]).model_dump_json()
            views.keep(key, shown)
        return version, shown

    version, shown = await in_thread(look)
    return Response(shown, media_type="application/json", headers={"ETag": f'"{version}"'})


@router.get("/cases/{case_id}/events")
async def case_events(case_id: CaseId, store: TheStore, token: Reader) -> list[dict[str, Any]]:
    """The case's events, in the order the case applies them."""
    events = await in_thread(lambda: store.events(case_id))
    return [event.model_dump(mode="json", exclude_none=True) for event in events]


@router.get("/cases", response_model=CaseList)
async def list_cases(
    store: TheStore,
    token: Reader,
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
    found = await in_thread(lambda: store.cases(open or open_only, procedure, as_of))  # may replay
    pages = max(1, -(-len(found) // page_size))
    return CaseList(
        cases=found[(page - 1) * page_size : page * page_size], page=page, pages=pages, total=len(found)
    )
