"""What a host sees of a case on a date: the JSON case view of the contract, and how each part of it
is worked out from the case's clocks and its procedure's machine."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from complaintflow._machine import StateGraph, Step
from complaintflow.calendar import proclaimed_between
from complaintflow.deadlines import Clock, Status
from complaintflow.events import EVENT_CLASSES, EventBase
from complaintflow.letters import LetterFacts

Outcome = Literal["upheld", "partially_upheld", "not_upheld", "withdrawn", "declined", "not_a_complaint"]

#: Fields every event has, which a form for the next event fills in the same way for all.
_COMMON_FIELDS = frozenset(EventBase.model_fields)
#: The fields each event type requires beyond those every event has, worked out once.
_REQUIRED: dict[str, tuple[str, ...]] = {
    name: tuple(
        field
        for field, info in cls.model_fields.items()
        if info.is_required() and field not in _COMMON_FIELDS
    )
    for name, cls in EVENT_CLASSES.items()
}
#: The event types with a `stage` field, which a form fixes at the case's stage.
_STAGED = frozenset(name for name, cls in EVENT_CLASSES.items() if "stage" in cls.model_fields)


class DeadlineMove(BaseModel):
    """A due date moved later by bank holidays proclaimed after its clock started (reg 2)."""

    model_config = ConfigDict(frozen=True)

    was_due: date
    by: list[date]
    why: str


class DeadlineView(BaseModel):
    """One deadline of a case, as seen on a date."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: str
    stage: int
    starts: date
    due: date | None
    working_days: int | None
    status: Status
    met_on: date | None
    remaining_working_days: int | None
    unit: str
    length: int
    paused_on: date | None
    source: str
    calendar: str
    moved: DeadlineMove | None = None
    provisional: bool = False
    extended_beyond_usual: bool = False


class LateEntry(BaseModel):
    """An event recorded after events dated later than it, and replayed in its place."""

    model_config = ConfigDict(frozen=True)

    type: str
    on: date
    recorded_on: date | None
    event_id: str | None


class VoidedEvent(BaseModel):
    """An event entered in error and voided: kept in the record, counted nowhere."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    type: str
    on: date
    voided_on: date
    reason: str
    by: str | None


class RedactionNote(BaseModel):
    """Personal fields of the case's stored events were rewritten on request: the day, and which
    fields (never their old values). The case replays as before; only the equalities counts of
    reporting years not yet frozen can change."""

    model_config = ConfigDict(frozen=True)

    on: date
    fields: list[str]


with warnings.catch_warnings():  # `schema` is the contract's name; pydantic's own `schema()` is deprecated
    warnings.filterwarnings("ignore", message='Field name "schema"', category=UserWarning)

    class NextEvent(BaseModel):
        """An event the case allows now, as a host's form would build it: the fields the state fixes,
        the fields the event requires, the event's full JSON Schema for this case on this day, and
        the rules of law relating its values that a schema cannot express ("field: rule")."""

        model_config = ConfigDict(frozen=True)

        type: str
        fixed: dict[str, int | str | bool]
        required: list[str]
        schema: dict[str, Any] = {}  # type: ignore[assignment]
        conditions: list[str] = []


#: How a form's schema and conditions are worked out for an event type, its step and fixed fields.
FormMaker = Callable[[str, Step | None, dict[str, int | str | bool]], tuple[dict[str, Any], list[str]]]


class Owner(BaseModel):
    """Who owns a case: an officer, a team or both, as references (never names)."""

    model_config = ConfigDict(frozen=True)

    officer: str | None
    team: str | None

    @classmethod
    def of(cls, owner: tuple[str | None, str | None]) -> Owner | None:
        officer, team = owner
        return None if officer is None and team is None else cls(officer=officer, team=team)


class CaseView(BaseModel):
    """Where a case stands on a date: the JSON case view of the contract."""

    model_config = ConfigDict(frozen=True)

    case_id: str | None
    procedure: str | None
    state: str
    stage: int | None
    open: bool
    outcome: Outcome | None
    deadlines: list[DeadlineView]
    allowed: list[str]
    deferred: bool
    service_area: str | None
    as_of: date
    service_areas: list[str] = []
    next_events: list[NextEvent] = []
    deferred_points: list[str] = []
    may_go_to_ombudsman: bool = False
    entered_late: list[LateEntry] = []
    voided: list[VoidedEvent] = []
    redacted: list[RedactionNote] = []
    owner: Owner | None = None
    letter_facts: LetterFacts | None = None


def deadline_view(clock: Clock, as_of: date) -> DeadlineView:
    """One clock as the view shows it on `as_of`."""
    return DeadlineView(
        name=clock.name,
        kind=clock.rule.kind,
        stage=clock.rule.stage,
        starts=clock.starts,
        due=clock.due,
        working_days=clock.length if clock.in_working_days else None,
        status=clock.status(as_of),
        met_on=clock.met_on,
        remaining_working_days=clock.remaining_working_days(as_of),
        unit=clock.rule.unit,
        length=clock.length,
        paused_on=clock.paused_on,
        source=clock.rule.source.cite(),
        calendar=clock.calendar.fingerprint,
        moved=_moved(clock),
        provisional=clock.provisional,
        extended_beyond_usual=clock.rule.extendable_to is not None
        and clock.length > clock.rule.extendable_to,
    )


def _moved(clock: Clock) -> DeadlineMove | None:
    """How bank holidays proclaimed after the clock started moved its due date, if they did."""
    if clock.due is None or not clock.in_working_days:
        return None
    days = proclaimed_between(clock.anchor, clock.due, clock.starts)
    if not days:  # the common case: nothing proclaimed late fell within the clock's days
        return None
    as_known = clock.calendar.as_known_on(clock.starts)
    if as_known is clock.calendar:
        return None
    was_due = as_known.add_working_days(clock.anchor, clock.length - clock.used)
    if was_due == clock.due:
        return None
    why = "; ".join(
        f"{day.isoformat()} ({clock.calendar.reason_not_working(day)}) was proclaimed a bank holiday "
        f"on {announced.isoformat()}, after the clock started"
        for day, announced in days
    )
    return DeadlineMove(was_due=was_due, by=[day for day, _ in days], why=why)


def next_events(
    graph: StateGraph | None,
    state: str,
    stage: int | None,
    allowed: list[str],
    make_form: FormMaker | None = None,
) -> list[NextEvent]:
    """For each allowed event, one entry per way the procedure (if any yet) allows it here, with its
    form where `make_form` is given."""
    found = []
    for event_type in allowed:
        required = _REQUIRED[event_type]
        for step in (graph.steps(state, event_type) if graph else ()) or (None,):
            fixed: dict[str, int | str | bool] = dict(step.spec.when) if step else {}
            if event_type in _STAGED and stage is not None and "stage" not in fixed:
                fixed["stage"] = stage
            needed = [*required, *(name for name in (step.requires if step else ()) if name not in required)]
            schema, conditions = make_form(event_type, step, fixed) if make_form else ({}, [])
            found.append(
                NextEvent(
                    type=event_type,
                    fixed=fixed,
                    required=[name for name in needed if name not in fixed],
                    schema=schema,
                    conditions=conditions,
                )
            )
    return found
