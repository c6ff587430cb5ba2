"""Hypothesis strategies for host systems' test suites (needs the `hypothesis` package).

- `calendar_dates`, `calendars`: dates a calendar vouches for, and the built-in calendars.
- `event_sequences(procedure)`: event dicts that a case of that procedure accepts, in order.
- `next_events(case, procedure)`: one more event that `case` accepts now.
- `refused_events(case, procedure)`: a well-formed event that `case` must refuse now.
- `malformed_events()`: event dicts that `parse_event` must refuse, with the field at fault.

>>> from hypothesis import given
>>> from complaintflow import Case, load_procedure
>>> @given(event_sequences(load_procedure("children-2006")))
... def test_every_valid_sequence_replays(events):
...     Case.replay(events)
>>> test_every_valid_sequence_replays()
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from complaintflow._machine import Step, graph_for
from complaintflow.calendar import WorkingDayCalendar
from complaintflow.case import Case, CaseView
from complaintflow.events import OMBUDSMAN_OUTCOMES, ComplaintReceived, LearningActionAgreed, Responded
from complaintflow.procedure import Procedure, registered_procedure

#: The smallest valid payload of every event type, beyond the common fields.
MINIMAL_PAYLOADS: Mapping[str, Mapping[str, Any]] = {
    "ConcernLogged": {},
    "ConcernResolved": {},
    "ComplaintReceived": {"procedure": "children-2006"},
    "ComplaintDeclined": {"reason": "other"},
    "Acknowledged": {"stage": 1},
    "DeadlineExtended": {"stage": 1, "total_working_days": 20, "reason": "complex case"},
    "EscalationRequested": {"to_stage": 2},
    "StatementAgreed": {},
    "InvestigatorsAppointed": {"investigating_officer": "IO-1", "independent_person": "IP-1"},
    "Responded": {"stage": 1, "outcome": "upheld"},
    "PanelHeld": {"members": ["PM-1", "PM-2", "PM-3"], "chair": "PM-1"},
    "RecommendationsIssued": {},
    "Deferred": {"reason": "court proceedings"},
    "Resumed": {},
    "MediationHeld": {"resolved": True},
    "AdvocacyArranged": {},
    "Withdrawn": {},
    "OmbudsmanReferred": {},
    "OmbudsmanDecided": {"outcome": "not_upheld"},
    "OmbudsmanRecommendation": {"recommendation_id": "OR-1", "kind": "apology", "comply_by": "2024-05-01"},
    "RecommendationComplied": {"recommendation_id": "OR-1"},
    "RemedyAgreed": {"remedy_id": "RA-1", "kind": "payment", "amount_pence": 25000, "due": "2024-05-01"},
    "RemedyCompleted": {"remedy_id": "RA-1"},
    "LearningActionAgreed": {"action_id": "LA-1", "description": "Review the leaflet"},
    "LearningActionCompleted": {"action_id": "LA-1"},
    "CompensationOffered": {"amount_pence": 5000},
    "ComplimentReceived": {},
    "Assigned": {"officer": "OFFICER-1"},
    "Unassigned": {},
    "LegalHoldPlaced": {"reason": "judicial review claim"},
    "LegalHoldLifted": {},
}

_OUTCOMES = ("upheld", "partially_upheld", "not_upheld")
_FIRST_DAY = date(2012, 4, 1)
_OFFICERS = ("OFFICER-1", "OFFICER-2")
#: The longest extension drawn for a deadline that has no cap, in working days in all.
_UNCAPPED_UP_TO = 60


def _first_days(procedure: Procedure) -> tuple[date, date]:
    """The range a first event is drawn from: from when the procedure applies, for at least a year,
    ending a year before its calendar's range does (so that every deadline can be counted)."""
    first = max(_FIRST_DAY, procedure.applies_from)
    latest = _latest_day(procedure)
    return first, max(first, min(max(date(2024, 12, 31), first + timedelta(days=366)), latest))


def _latest_day(procedure: Procedure) -> date:
    return WorkingDayCalendar.named(procedure.calendar).vouches_for[1] - timedelta(days=366)


def calendar_dates(calendar: WorkingDayCalendar, *, margin_days: int = 0) -> st.SearchStrategy[date]:
    """Dates the calendar vouches for, at least `margin_days` days inside either end."""
    first, last = calendar.vouches_for
    return st.dates(first + timedelta(days=margin_days), last - timedelta(days=margin_days))


def calendars() -> st.SearchStrategy[WorkingDayCalendar]:
    """Each of the built-in calendars."""
    return st.sampled_from(WorkingDayCalendar.NAMES).map(WorkingDayCalendar.named)


def _extension(draw: st.DrawFn, view: CaseView, procedure: Procedure) -> dict[str, Any] | None:
    """A valid extension of the running response deadline at the case's stage, if there is one."""
    for deadline in view.deadlines:
        rule = procedure.deadlines.get(deadline.name)
        if rule is None or not (
            rule.kind == "response"
            and rule.extendable
            and deadline.stage == view.stage
            and deadline.status == "pending"
            and deadline.due is not None
        ):
            continue
        extension: dict[str, Any] = {"stage": deadline.stage, "reason": "complex case"}
        if deadline.working_days is None:  # counted in calendar units: extended to a later date
            later = deadline.due + timedelta(days=draw(st.integers(0, 60)))
            return {**extension, "until": later.isoformat()}
        most = rule.extendable_to or _UNCAPPED_UP_TO
        if deadline.working_days < most:
            return {**extension, "total_working_days": draw(st.integers(deadline.working_days, most))}
    return None


def _resolvable_next_day(case: Case, on: date) -> bool:
    received = next((e for e in case.events if isinstance(e, ComplaintReceived)), None)
    if received is None or not received.oral or case.procedure is None:
        return False
    return on <= WorkingDayCalendar.named(case.procedure.calendar).next_working_day(received.on)


def _stage1_responder(case: Case) -> str | None:
    return next((e.by for e in case.events if isinstance(e, Responded) and e.stage == 1), None)


def _payload(
    draw: st.DrawFn, event_type: str, case: Case, view: CaseView, procedure: Procedure
) -> dict[str, Any] | None:
    """A payload for `event_type` that the procedure accepts in the view's state, or None."""
    payload: dict[str, Any] = dict(MINIMAL_PAYLOADS[event_type])
    state = view.state if view.procedure else procedure.initial
    steps = graph_for(procedure).steps(state, event_type)
    if steps:
        step = draw(st.sampled_from(steps))
        payload.update(step.spec.when)
        for field in step.spec.requires:
            payload[field] = f"{field.replace('_', ' ')} given"
    stage = view.stage or 1
    if event_type == "ComplaintReceived":
        payload["procedure"] = procedure.name
        payload["service_area"] = draw(st.sampled_from(["Targeted Services", "Special Needs"]))
        payload["oral"] = draw(st.booleans())
    elif event_type in ("Acknowledged",):
        payload["stage"] = stage
    elif event_type == "Responded":
        if draw(st.booleans()):
            payload["outcome"] = draw(st.sampled_from(_OUTCOMES))
        else:
            payload.pop("outcome")
            findings = draw(st.lists(st.sampled_from(_OUTCOMES), min_size=1, max_size=4))
            payload["points"] = [{"id": str(i), "finding": f} for i, f in enumerate(findings, 1)]
        if draw(st.booleans()):
            officers = list(_OFFICERS)
            if "stage2_by_different_person" in procedure.rules and payload["stage"] == 2:
                officers = [officer for officer in officers if officer != _stage1_responder(case)]
            payload["by"] = draw(st.sampled_from(officers))
    elif event_type == "DeadlineExtended":
        return _extension(draw, view, procedure)
    elif event_type == "InvestigatorsAppointed":
        payload["independent_person"] = draw(st.sampled_from(["IP-1", "IP-2", "IP-3"]))
    elif event_type == "PanelHeld":
        members = draw(st.permutations(["PM-1", "PM-2", "PM-3", "PM-4"]))[:3]
        payload.update(members=members, chair=draw(st.sampled_from(members)))
    elif event_type == "MediationHeld":
        payload["resolved"] = draw(st.booleans())
    elif event_type == "LearningActionAgreed":
        payload["action_id"] = draw(st.sampled_from(["LA-1", "LA-2", "LA-3"]))
    elif event_type == "LearningActionCompleted":  # only an action that was agreed
        agreed = sorted({e.action_id for e in case.events if isinstance(e, LearningActionAgreed)})
        if not agreed:
            return None
        payload["action_id"] = draw(st.sampled_from(agreed))
    elif event_type in ("OmbudsmanDecided", "OmbudsmanRecommendation") and not any(
        e.type == "OmbudsmanReferred" for e in case.events
    ):
        return None  # the Ombudsman decides only what was referred
    elif event_type == "OmbudsmanDecided":
        payload["outcome"] = draw(st.sampled_from(OMBUDSMAN_OUTCOMES[procedure.decided_by]))
    elif event_type in ("OmbudsmanRecommendation", "RemedyAgreed"):
        return _commitment(draw, event_type, view, payload)
    elif event_type in ("RecommendationComplied", "RemedyCompleted"):
        prefix = "recommendation:" if event_type == "RecommendationComplied" else "remedy:"
        running = [d.name for d in view.deadlines if d.name.startswith(prefix) and d.met_on is None]
        if not running:
            return None  # only what was recommended or agreed, once
        field = "recommendation_id" if prefix == "recommendation:" else "remedy_id"
        payload[field] = draw(st.sampled_from(running)).removeprefix(prefix)
    elif event_type == "ConcernResolved" and view.procedure and not _resolvable_next_day(case, view.as_of):
        return None  # after receipt, only an oral complaint on the next working day at the latest
    return payload


def _commitment(draw: st.DrawFn, event_type: str, view: CaseView, payload: dict[str, Any]) -> dict[str, Any]:
    """A recommendation or a remedy under an id not yet used, due on a day from its own to three
    months later."""
    recommendation = event_type == "OmbudsmanRecommendation"
    prefix, field = ("recommendation:", "recommendation_id") if recommendation else ("remedy:", "remedy_id")
    used = {d.name.removeprefix(prefix) for d in view.deadlines if d.name.startswith(prefix)}
    payload[field] = next(
        f"{prefix[:2].upper()}-{n}"
        for n in range(1, len(used) + 2)
        if f"{prefix[:2].upper()}-{n}" not in used
    )
    due = view.as_of + timedelta(days=draw(st.integers(0, 90)))
    payload["comply_by" if recommendation else "due"] = due.isoformat()
    payload["kind"] = draw(st.sampled_from(["apology", "payment", "service_change", "review"]))
    if payload["kind"] == "payment":
        payload["amount_pence"] = draw(st.integers(1, 500_000))
    else:
        payload.pop("amount_pence", None)
    if recommendation:
        payload["order"] = draw(st.booleans())
    return payload


def _weight(procedure: Procedure, steps: tuple[Step, ...], state: str, event_type: str) -> int:
    """How often to draw an event: moving on, resuming and extending more than notes on the file."""
    if event_type in ("Resumed", "DeadlineExtended", "Deferred"):
        return 6
    for step in steps:
        target = procedure.states[step.target]
        completes = target.final and target.stage is not None  # e.g. the final response
        if step.target != state and (not target.final or completes):
            return 10
    return 1


@st.composite
def next_events(
    draw: st.DrawFn, case: Case, procedure: Procedure, *, case_id: str = "C-1"
) -> dict[str, Any] | None:
    """One more event, as a dict, that `case` accepts now; None when the case allows nothing."""
    if case.events:
        gap = draw(st.one_of(st.integers(0, 7), st.integers(0, 45)))  # mostly short, some lapse
        last = case.events[-1].on
        on = max(last, min(last + timedelta(days=gap), _latest_day(procedure)))
    else:
        on = draw(st.dates(*_first_days(procedure)))
    view = case.view(as_of=on)
    state = view.state if view.procedure else procedure.initial
    graph = graph_for(procedure)
    candidates = list(view.allowed)
    while candidates:
        # Events that move the case on to a later stage are drawn more often, so that walks
        # reach the last stage as well as withdrawals and lapses.
        weighted = [
            event_type
            for event_type in candidates
            for _ in range(_weight(procedure, graph.steps(state, event_type), state, event_type))
        ]
        event_type = draw(st.sampled_from(weighted))
        payload = _payload(draw, event_type, case, view, procedure)
        if payload is not None:
            return {"type": event_type, "case_id": case_id, "on": on.isoformat(), **payload}
        candidates.remove(event_type)
    return None


@st.composite
def event_sequences(
    draw: st.DrawFn,
    procedure: Procedure,
    *,
    case_id: str = "C-1",
    max_events: int = 12,
) -> list[dict[str, Any]]:
    """A list of event dicts that replays cleanly as one case of `procedure`.

    Pass the same procedure to `Case(procedures={procedure.name: procedure})` when it is not
    built in.
    """
    case = Case(procedures={procedure.name: procedure})
    events: list[dict[str, Any]] = []
    target = draw(st.integers(1, max_events))
    while len(events) < target:
        event = draw(next_events(case, procedure, case_id=case_id))
        if event is None:
            break
        case.apply(event)
        events.append(event)
    return events


@st.composite
def event_logs(
    draw: st.DrawFn, procedure: Procedure, *, min_cases: int = 1, max_cases: int = 6, max_events: int = 10
) -> list[dict[str, Any]]:
    """The log of a few cases of `procedure`, each valid, one case after another."""
    cases = draw(st.integers(min_cases, max_cases))
    return [
        event
        for number in range(cases)
        for event in draw(event_sequences(procedure, case_id=f"C-{number}", max_events=max_events))
    ]


@st.composite
def refused_events(
    draw: st.DrawFn, case: Case, procedure: Procedure, *, case_id: str = "C-1"
) -> dict[str, Any]:
    """A well-formed event of a type the case does not allow now, dated on its last event."""
    last = case.events[-1].on if case.events else _first_days(procedure)[0]
    allowed = set(case.view(as_of=last).allowed)
    event_type = draw(st.sampled_from(sorted(set(MINIMAL_PAYLOADS) - allowed)))
    payload = dict(MINIMAL_PAYLOADS[event_type])
    if event_type == "ComplaintReceived":
        payload["procedure"] = procedure.name
    return {"type": event_type, "case_id": case_id, "on": last.isoformat(), **payload}


@st.composite
def malformed_events(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """An event dict that must be refused, and the field an `InvalidEvent` should name."""
    event_type = draw(st.sampled_from(sorted(MINIMAL_PAYLOADS)))
    event: dict[str, Any] = {
        "type": event_type,
        "case_id": "C-1",
        "on": "2024-04-02",
        **MINIMAL_PAYLOADS[event_type],
    }
    fault = draw(st.sampled_from(["missing", "wrong_type", "unknown", "datetime", "impossible_date"]))
    if fault == "missing":
        field = draw(st.sampled_from(sorted(set(event) - {"type"})))
        del event[field]
        return event, field
    if fault == "wrong_type":
        field = draw(st.sampled_from(sorted(set(event) - {"type"})))
        event[field] = {"unexpected": "object"}
        return event, field
    if fault == "unknown":
        event["nickname"] = "not a field of any event"
        return event, "nickname"
    if fault == "datetime":
        event["on"] = "2024-04-02T09:30:00"
        return event, "on"
    event["on"] = draw(st.sampled_from(["2024-02-30", "2023-02-29", "2024-13-01", "2024-04-31"]))
    return event, "on"


def sparse_year(
    procedure: str, cases: int, *, year: int = 2012, seed: int = 1989, services: int = 12
) -> list[dict[str, Any]]:
    """A year of `procedure`'s complaints spread thinly over `services` services, 25 categories and
    10 ethnicities, most answered and some taken to stage 2: a log whose report has many small
    counts, for testing and measuring disclosure control."""
    rng = random.Random(seed)
    has_stage2 = any(deadline.stage >= 2 for deadline in registered_procedure(procedure).deadlines.values())
    ethnicities = ["White British", "Indian", "Pakistani", "African", "Caribbean", "Not known"]
    ethnicities += ["White Other", "Mixed", "Chinese", "Any other"]
    events: list[dict[str, Any]] = []
    for number in range(cases):
        day = date(year, rng.randint(4, 12), rng.randint(1, 20))
        case_id = f"C-{year}-{number}"
        user = {"gender": rng.choice(["female", "male"]), "ethnicity": rng.choice(ethnicities)}
        events.append(
            {
                "type": "ComplaintReceived",
                "case_id": case_id,
                "on": day.isoformat(),
                "procedure": procedure,
                "service_area": f"Service {rng.randrange(services)}",
                "categories": [f"Category {rng.randrange(25)}"],
                "service_user": {**user, "disability": rng.random() < 0.3},
                "complainant_role": rng.choice(["service_user", "parent_or_relative", "advocate"]),
            }
        )
        if rng.random() < 0.2:
            continue
        outcomes = ["upheld", "not_upheld", "partially_upheld"]
        answered = day + timedelta(days=rng.choice([5, 7, 20]))
        events.append(
            {
                "type": "Responded",
                "case_id": case_id,
                "on": answered.isoformat(),
                "stage": 1,
                "outcome": rng.choice(outcomes),
            }
        )
        if has_stage2 and rng.random() < 0.25:
            asked = answered + timedelta(days=3)
            events.append(
                {"type": "EscalationRequested", "case_id": case_id, "on": asked.isoformat(), "to_stage": 2}
            )
            if rng.random() < 0.8:
                sent = asked + timedelta(days=rng.choice([10, 20, 40]))
                events.append(
                    {
                        "type": "Responded",
                        "case_id": case_id,
                        "on": sent.isoformat(),
                        "stage": 2,
                        "outcome": rng.choice(outcomes),
                    }
                )
    return events


def with_teams(events: list[dict[str, Any]], teams: int = 4, seed: int = 7) -> list[dict[str, Any]]:
    """The log with most cases given to one of `teams` teams when received, and some of them given
    to another team or to none after their last event: a log for testing reports by team."""
    rng = random.Random(seed)
    last = {str(event["case_id"]): index for index, event in enumerate(events)}
    found: list[dict[str, Any]] = []
    for index, event in enumerate(events):
        found.append(event)
        case_id, on = str(event["case_id"]), event["on"]
        if event["type"] == "ComplaintReceived" and rng.random() < 0.8:
            found.append(
                {"type": "Assigned", "case_id": case_id, "on": on, "team": f"Team {rng.randrange(teams)}"}
            )
        if last[case_id] == index:
            roll = rng.random()
            if roll < 0.15:
                found.append(
                    {"type": "Assigned", "case_id": case_id, "on": on, "team": f"Team {rng.randrange(teams)}"}
                )
            elif roll < 0.25:
                found.append({"type": "Unassigned", "case_id": case_id, "on": on})
    return found
