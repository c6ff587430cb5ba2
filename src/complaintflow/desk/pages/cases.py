"""The daily list (my cases, my team's, all; overdue first), its CSV, finding a case by its
reference, and recording a new complaint or concern."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from complaintflow.cells import write_csv
from complaintflow.desk.accounts import Person
from complaintflow.desk.forms import read_date
from complaintflow.desk.guard import needs, read_form
from complaintflow.desk.sessions import PATH, store_for
from complaintflow.desk.templating import render
from complaintflow.errors import ComplaintflowError, ConcurrencyError, InvalidEvent
from complaintflow.limits import MAX_REFERENCE_CHARS
from complaintflow.procedure import registered_names, registered_procedure
from complaintflow.reminders import Reminder
from complaintflow.store.base import EventStore

router = APIRouter()
reader, writer = Depends(needs("read")), Depends(needs("write"))
#: Working days ahead the daily list looks: every deadline still running, in practice.
HORIZON_WORKING_DAYS = 1000
#: Rows on a page of the daily list.
PAGE_SIZE = 50
Filter = Annotated[str, Query(max_length=MAX_REFERENCE_CHARS)]


@dataclass(frozen=True)
class Listing:
    """The daily list as asked for: its rows on this page, its counts and the pages."""

    rows: list[Reminder]
    total: int
    overdue: int
    page: int
    pages: int


def daily_list(
    store: EventStore,
    user: Person,
    as_of: date,
    show: str,
    filters: dict[str, str],
) -> list[Reminder]:
    """The deadlines to see to: the user's own, their team's or all; filtered; overdue first,
    then by due date."""
    if show == "team" and user.team is None:
        return []
    officer = user.name if show == "mine" else None
    team = user.team if show == "team" else None
    found = store.due(HORIZON_WORKING_DAYS, as_of, officer, team)
    wanted = {
        "procedure": filters.get("procedure"),
        "stage": filters.get("stage"),
        "service_area": filters.get("service"),
        "officer": filters.get("owner"),
    }
    kept = [
        reminder
        for reminder in found
        if all(not value or str(getattr(reminder, key)) == value for key, value in wanted.items())
    ]
    return sorted(kept, key=lambda r: (r.status != "overdue", r.due, r.case_id, r.deadline))


def _procedures(store: EventStore) -> list[str]:
    return sorted(store.procedures) if store.procedures else list(registered_names())


@dataclass(frozen=True)
class Asked:
    """The daily list's question, from its GET form: whose cases, and the filters."""

    show: Literal["mine", "team", "all"]
    filters: dict[str, str]

    @property
    def query(self) -> dict[str, str]:
        """The question as a query string's fields, for links to other pages of it."""
        return {"show": self.show, **{key: value for key, value in self.filters.items() if value}}


def asked(
    show: Literal["mine", "team", "all"] = "mine",
    procedure: Filter = "",
    stage: Filter = "",
    service: Filter = "",
    owner: Filter = "",
) -> Asked:
    return Asked(show, {"procedure": procedure, "stage": stage, "service": service, "owner": owner})


listed = Depends(asked)


async def _found(request: Request, user: Person, question: Asked) -> list[Reminder]:
    as_of = request.app.state.desk_today()
    store = store_for(request)
    return await run_in_threadpool(daily_list, store, user, as_of, question.show, question.filters)


@router.get("/cases")
async def cases(
    request: Request,
    user: Person = reader,
    question: Asked = listed,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    found = await _found(request, user, question)
    pages = max(1, -(-len(found) // PAGE_SIZE))
    page = min(page, pages)
    listing = Listing(
        rows=found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(found),
        overdue=sum(1 for r in found if r.status == "overdue"),
        page=page,
        pages=pages,
    )
    return render(
        request,
        "cases.html",
        listing=listing,
        show=question.show,
        filters=question.filters,
        query=question.query,
        procedures=_procedures(store_for(request)),
        as_of=request.app.state.desk_today(),
    )


@router.get("/cases.csv")
async def cases_csv(request: Request, user: Person = reader, question: Asked = listed) -> Response:
    found = await _found(request, user, question)
    as_of = request.app.state.desk_today()
    out = io.StringIO()
    write_csv(out, list(Reminder.model_fields), (reminder.model_dump(mode="json") for reminder in found))
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="daily-list-{as_of.isoformat()}.csv"'},
    )


@router.get("/find")
async def find(request: Request, user: Person = reader, reference: Filter = "") -> Response:
    reference = reference.strip()
    if not reference:
        return render(request, "find.html", reference="")
    store: EventStore = store_for(request)
    if await run_in_threadpool(store.version, reference) > 0:
        return RedirectResponse(f"{PATH}/cases/{_quoted(reference)}", status_code=303)
    errors = [{"text": "No case has that reference: check it and try again", "href": "#reference"}]
    return render(request, "find.html", 404, reference=reference, errors=errors)


def _quoted(reference: str) -> str:
    return quote(reference, safe="")


#: What may be received, by the event that records it.
RECEIVED = {"ComplaintReceived": "A complaint", "ConcernLogged": "A concern (dealt with informally)"}


@router.get("/cases/new")
async def new_case(request: Request, user: Person = writer) -> Response:
    today = request.app.state.desk_today()
    answers = {"on-day": str(today.day), "on-month": str(today.month), "on-year": str(today.year)}
    return _new_page(request, answers)


def _new_page(request: Request, answers: dict[str, str], errors: dict[str, str] | None = None) -> Response:
    errors = errors or {}
    store: EventStore = store_for(request)
    procedures = [(name, registered_procedure(name).title) for name in _procedures(store)]
    listed = [{"text": text, "href": f"#{_anchor(name)}"} for name, text in errors.items()]
    return render(
        request,
        "new-case.html",
        422 if errors else 200,
        answers=answers,
        field_errors=errors,
        errors=listed,
        procedures=procedures,
        received=RECEIVED,
    )


def _anchor(field: str) -> str:
    return {"on": "on-day", "case_id": "case_id"}.get(field, field)


@router.post("/cases/new")
async def record_new_case(request: Request, user: Person = writer) -> Response:
    answers = await read_form(request)
    errors: dict[str, str] = {}
    case_id = answers.get("case_id", "").strip()
    kind = answers.get("kind", "")
    procedure = answers.get("procedure", "")
    if not case_id:
        errors["case_id"] = "Enter the case's reference"
    if kind not in RECEIVED:
        errors["kind"] = "Select what was received"
    if procedure not in _procedures(store_for(request)):
        errors["procedure"] = "Select the procedure"
    try:
        on = read_date(answers, "on")
        if on is None:
            errors["on"] = "Enter the date it was received"
    except ValueError as error:
        errors["on"] = f"The date received {error}"
    if errors:
        return _new_page(request, answers, errors)
    event: dict[str, Any] = {"type": kind, "case_id": case_id, "on": on, "procedure": procedure}
    if answers.get("service_area", "").strip():
        event["service_area"] = answers["service_area"].strip()
    store: EventStore = store_for(request)
    try:
        await run_in_threadpool(lambda: store.append(case_id, [event], 0, recorded_by=user.name))
    except InvalidEvent as error:
        field = error.field if error.field in ("case_id", "on", "service_area") else "case_id"
        return _new_page(request, answers, {field: _reason(error)})
    except ComplaintflowError as error:
        return _new_page(request, answers, {"case_id": _reason(error)})
    return RedirectResponse(f"{PATH}/cases/{_quoted(case_id)}", status_code=303)


def _reason(error: ComplaintflowError) -> str:
    if isinstance(error, ConcurrencyError):
        return "A case with this reference is recorded already: find it, or give another reference"
    return str(error)
