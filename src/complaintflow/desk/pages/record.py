"""A case's page (its timeline, deadlines, owner and what may happen next) and the forms that
record what happened, built from the case view's `next_events`.

A form carries the case's version; the event is appended with it as the expected version, so a
page opened before someone else saved is caught and explained, never a lost update.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from complaintflow.desk.accounts import Person
from complaintflow.desk.forms import EventForm, FieldErrors, event_form, payload
from complaintflow.desk.guard import DeskProblem, needs, read_form
from complaintflow.desk.sessions import PATH, store_for
from complaintflow.desk.templating import render
from complaintflow.errors import ComplaintflowError, ConcurrencyError, InvalidEvent, StoreError
from complaintflow.store.base import EventStore
from complaintflow.view import CaseView, NextEvent

router = APIRouter()
reader, writer = Depends(needs("read")), Depends(needs("write"))
CaseId = Path(pattern=r"^[^/\\\x00-\x1f\x7f]{1,200}$")
EventType = Path(pattern=r"^[A-Za-z]{1,64}$")


@dataclass(frozen=True)
class TimelineEntry:
    """One stored event as the case page lists it."""

    on: date
    type: str
    recorded_by: str | None
    late: bool
    voided: bool
    details: list[tuple[str, str]]


#: Fields the timeline does not repeat under each event.
_PLAIN = frozenset({"case_id", "type", "on", "event_id", "schema_version"})


def _details(event: dict[str, Any]) -> list[tuple[str, str]]:
    shown = []
    for name, value in event.items():
        if name in _PLAIN or value in ("", [], None):
            continue
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        shown.append((name, str(value)))
    return shown


def timeline(store: EventStore, case_id: str, view: CaseView) -> list[TimelineEntry]:
    """The case's stored events in date order, with who recorded each and whether it was entered
    late or voided."""
    late = {entry.event_id for entry in view.entered_late}
    voided = {entry.event_id for entry in view.voided}
    stored = store.subject_access(case_id).events
    entries = [
        TimelineEntry(
            on=date.fromisoformat(item.event["on"]),
            type=item.event["type"],
            recorded_by=item.recorded_by,
            late=item.event.get("event_id") in late,
            voided=item.event.get("event_id") in voided,
            details=_details(item.event),
        )
        for item in stored
    ]
    return sorted(entries, key=lambda entry: entry.on)


def _look(store: EventStore, case_id: str, as_of: date) -> tuple[int, CaseView]:
    version = store.version(case_id)
    return version, store.load(case_id).view(as_of=as_of)


@router.get("/cases/{case_id}")
async def case_page(request: Request, case_id: str = CaseId, user: Person = reader) -> Response:
    store: EventStore = store_for(request)
    as_of = request.app.state.desk_today()

    def read() -> tuple[int, CaseView, list[TimelineEntry]]:
        version, view = _look(store, case_id, as_of)
        return version, view, timeline(store, case_id, view)

    version, view, entries = await run_in_threadpool(read)
    forms = {item.type: event_form(item.type, item.schema, item.fixed) for item in view.next_events}
    recorded = request.query_params.get("recorded", "")
    return render(
        request,
        "case.html",
        case_id=case_id,
        version=version,
        view=view,
        entries=entries,
        forms=forms,
        recorded=recorded if recorded in forms or (recorded.isalpha() and len(recorded) <= 64) else "",
    )


def _offered(view: CaseView, event_type: str) -> NextEvent:
    for item in view.next_events:
        if item.type == event_type:
            return item
    raise DeskProblem(
        409,
        "This cannot be recorded now",
        f"The procedure does not allow {event_type} for this case now. "
        "The case page lists what may happen next.",
    )


def _form_page(
    request: Request,
    case_id: str,
    version: int,
    view: CaseView,
    form: EventForm,
    offered: NextEvent,
    answers: dict[str, str],
    field_errors: dict[str, str] | None = None,
    refusal: str | None = None,
    status: int = 200,
) -> Response:
    field_errors = field_errors or {}
    listed = [{"text": text, "href": f"#{_anchor(form, name)}"} for name, text in field_errors.items()]
    if refusal is not None:
        first = form.fields[0].name if form.fields else None
        listed.insert(
            0, {"text": refusal, "href": f"#{_anchor(form, first)}"} if first else {"text": refusal}
        )
    return render(
        request,
        "record.html",
        status,
        case_id=case_id,
        version=version,
        view=view,
        form=form,
        conditions=form.rules(offered.conditions),
        answers=answers,
        field_errors=field_errors,
        errors=listed,
    )


def _anchor(form: EventForm, name: str) -> str:
    """The id of a field's first control, for the error summary's link."""
    for field in form.fields:
        if field.name == name:
            return f"{name}-day" if field.control == "date" else name
    return form.fields[0].name if form.fields else "main-content"


@router.get("/cases/{case_id}/record/{event_type}")
async def record_page(
    request: Request, case_id: str = CaseId, event_type: str = EventType, user: Person = writer
) -> Response:
    store: EventStore = store_for(request)
    as_of = request.app.state.desk_today()
    version, view = await run_in_threadpool(_look, store, case_id, as_of)
    offered = _offered(view, event_type)
    form = event_form(event_type, offered.schema, offered.fixed)
    answers = {"on-day": str(as_of.day), "on-month": str(as_of.month), "on-year": str(as_of.year)}
    return _form_page(request, case_id, version, view, form, offered, answers)


@router.post("/cases/{case_id}/record/{event_type}")
async def record_event(
    request: Request, case_id: str = CaseId, event_type: str = EventType, user: Person = writer
) -> Response:
    answers = await read_form(request)
    store: EventStore = store_for(request)
    as_of = request.app.state.desk_today()
    version_text = answers.get("version", "")
    if not (version_text.isascii() and version_text.isdigit() and len(version_text) <= 12):
        raise DeskProblem(400, "The form could not be read", "Go back to the case, reload it and try again.")
    expected = int(version_text)
    version, view = await run_in_threadpool(_look, store, case_id, as_of)
    if version != expected:
        return _stale(request, case_id, version, view, event_type, answers)
    offered = _offered(view, event_type)
    form = event_form(event_type, offered.schema, offered.fixed)
    try:
        event = payload(form, answers, {"case_id": case_id, **offered.fixed})
        await run_in_threadpool(lambda: store.append(case_id, [event], expected, recorded_by=user.name))
    except FieldErrors as unreadable:
        return _form_page(
            request, case_id, version, view, form, offered, answers, unreadable.errors, status=422
        )
    except ConcurrencyError:
        version, view = await run_in_threadpool(_look, store, case_id, as_of)
        return _stale(request, case_id, version, view, event_type, answers)
    except InvalidEvent as error:
        named = {field.name for field in form.fields}
        if error.field in named:
            on_field = {error.field: str(error)}
            return _form_page(request, case_id, version, view, form, offered, answers, on_field, status=422)
        return _form_page(
            request, case_id, version, view, form, offered, answers, refusal=str(error), status=422
        )
    except StoreError:
        raise
    except ComplaintflowError as error:  # refused by the law: TransitionNotAllowed and its kin
        return _form_page(
            request, case_id, version, view, form, offered, answers, refusal=str(error), status=422
        )
    return RedirectResponse(f"{PATH}/cases/{quote(case_id, safe='')}?recorded={event_type}", status_code=303)


def _stale(
    request: Request, case_id: str, version: int, view: CaseView, event_type: str, answers: dict[str, str]
) -> Response:
    """Someone recorded something on the case after this form was opened: nothing is saved; the
    form is shown again over the case as it is now, with the answers kept, to check and send again."""
    refusal = (
        "Someone else recorded something on this case after you opened this form, so nothing was saved. "
        "Check the case as it is now, below, and send the form again if it is still right."
    )
    offered = next((item for item in view.next_events if item.type == event_type), None)
    if offered is None:
        raise DeskProblem(
            409,
            "Someone else changed this case first",
            f"Nothing was saved. Since you opened the form, the case has moved on and {event_type} "
            "cannot be recorded now. The case page shows where it stands.",
        )
    form = event_form(event_type, offered.schema, offered.fixed)
    return _form_page(request, case_id, version, view, form, offered, answers, refusal=refusal, status=409)
