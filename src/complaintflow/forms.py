"""The forms a host builds from a case view: which events the law allows for this case on this day,
and for each, the full JSON Schema of the event as a form may fill it in.

A payload valid against an offered schema, dated the view's day, is accepted, except where a rule
of law relates its values to each other or to dates the schema cannot compare (a date not after the
event's own, the chair among the panel's members): each such rule is named in the entry's
`conditions`, field first ("until: ..."), so that a form can check it or explain a refusal.
"""

from __future__ import annotations

import functools
import json
from datetime import date
from typing import Any

import pydantic_core

from complaintflow._machine import StateGraph, Step, graph_for
from complaintflow.calendar import WorkingDayCalendar
from complaintflow.deadlines import Clock
from complaintflow.events import EVENT_CLASSES, OMBUDSMAN_FORMER_WORDS, OMBUDSMAN_OUTCOMES
from complaintflow.facts import Facts, allowed, response_clock
from complaintflow.limits import MAX_WORKING_DAYS
from complaintflow.procedure import built_in_names, registered_names, registered_procedure

#: Events whose payload gives an id of something recorded before, by the deadline name's prefix.
_DONE = {
    "RemedyCompleted": ("remedy:", "remedy_id"),
    "RecommendationComplied": ("recommendation:", "recommendation_id"),
}
#: Events that record something under an id of its own, which may not be used twice.
_NEW = {
    "RemedyAgreed": ("remedy:", "remedy_id"),
    "OmbudsmanRecommendation": ("recommendation:", "recommendation_id"),
}
#: Rules relating a field to another value, which a schema cannot compare, by event type.
_RELATIONS: dict[str, list[str]] = {
    "ComplaintReceived": ["grounds_arose: not after the event's own day"],
    "MediationHeld": ["started: not after the event's own day, nor before the complaint was received"],
    "RemedyAgreed": ["due: not before the event's own day, and within the years the calendar counts"],
    "OmbudsmanRecommendation": [
        "comply_by: not before the event's own day, and within the years the calendar counts"
    ],
    "PanelHeld": ["chair: one of the three members"],
    "Responded": ["points: each point with a different id"],
}


def offered(facts: Facts, graph: StateGraph, as_of: date, calendar: WorkingDayCalendar | None) -> list[str]:
    """The event types the procedure allows in the case's state that the law allows on `as_of`:
    what a form should offer. Recording any other is refused."""
    return [kind for kind in allowed(facts, graph) if _possible(kind, facts, graph, as_of, calendar)]


def _possible(
    kind: str, facts: Facts, graph: StateGraph, as_of: date, calendar: WorkingDayCalendar | None
) -> bool:
    assert facts.procedure is not None
    if kind == "ConcernResolved" and "oral_resolved_by_next_working_day" in facts.procedure.rules:
        if not facts.oral or facts.received_on is None:  # SI 2009/309 reg 8(1)(c): oral complaints only
            return False
        return as_of <= graph.calendar_for(facts.received_on, calendar).next_working_day(facts.received_on)
    if kind in ("OmbudsmanDecided", "OmbudsmanRecommendation"):
        return facts.referred
    if kind == "LearningActionCompleted":
        return bool(facts.actions)
    if kind in _DONE:
        return bool(_running(facts, _DONE[kind][0]))
    if kind == "DeadlineExtended":
        stage = facts.procedure.states[facts.state].stage
        clock = response_clock(facts, stage) if stage is not None else None
        return clock is not None and _extensible(facts, clock, as_of)
    return True


def _extensible(facts: Facts, clock: Clock, as_of: date) -> bool:
    """Whether an extension of the clock could be accepted on `as_of`."""
    assert facts.procedure is not None
    rule = clock.rule
    if not rule.extendable:
        return False
    if (
        clock.due is not None
        and as_of > clock.due
        and facts.procedure.policy("extension_after_due") == "refuse"
    ):
        return False
    if clock.in_working_days and rule.extendable_to is not None and not rule.beyond_cap_with_reason:
        return clock.length < rule.extendable_to
    return True


def _running(facts: Facts, prefix: str) -> list[str]:
    """The ids of the remedies (or recommendations) recorded and not yet done."""
    return sorted(
        name.removeprefix(prefix)
        for name, clock in (facts.clocks or {}).items()
        if name.startswith(prefix) and clock.running
    )


@functools.cache
def _base_schema(kind: str) -> str:
    """The event's JSON Schema as JSON text: each form reads a fresh copy of it to narrow, with
    pydantic's JSON reader, ten times as fast as `copy.deepcopy` of the dict, which a case view's
    forms spent most of their time in."""
    return json.dumps(EVENT_CLASSES[kind].model_json_schema())


def form(
    kind: str,
    step: Step | None,
    fixed: dict[str, int | str | bool],
    facts: Facts,
    *,
    case_id: str | None,
    as_of: date,
) -> tuple[dict[str, Any], list[str]]:
    """The JSON Schema of `kind` for this case on `as_of`, and the conditions it cannot express."""
    schema: dict[str, Any] = pydantic_core.from_json(_base_schema(kind))
    properties: dict[str, Any] = schema["properties"]
    required: list[str] = list(schema.get("required", []))
    properties["type"] = {"const": kind, "type": "string"}
    required.append("type")
    if case_id is not None:
        properties["case_id"] = {**properties["case_id"], "const": case_id}
    for field, value in fixed.items():
        properties[field] = {"const": value}
        required.append(field)
    for field in step.requires if step else ():
        properties[field] = _not_null(properties[field])
        required.append(field)
    # The ids a store gave its events are not the view's to list: a case read from a store and the
    # same events replayed from a file have the same forms.
    conditions = [*_RELATIONS.get(kind, ()), "event_id: not one another event of the case has"]
    extra = _NARROWING.get(kind)
    if extra is not None:
        conditions += extra(schema, properties, required, facts, as_of)
    schema["required"] = sorted(set(required))
    return schema, conditions


def _not_null(field: dict[str, Any]) -> dict[str, Any]:
    """An optional field's schema without its null: the field is required here."""
    options: list[dict[str, Any]] = [
        option for option in field.get("anyOf", []) if option.get("type") != "null"
    ]
    if len(options) == 1:
        return {key: value for key, value in field.items() if key not in ("anyOf", "default")} | options[0]
    return field


def _responded(
    schema: dict[str, Any], properties: dict[str, Any], required: list[str], facts: Facts, as_of: date
) -> list[str]:
    schema["anyOf"] = [
        {"required": ["outcome"], "properties": {"outcome": {"type": "string"}}},
        {"required": ["points"], "properties": {"points": {"type": "array", "minItems": 1}}},
    ]
    assert facts.procedure is not None
    if "stage2_by_different_person" in facts.procedure.rules and facts.stage1_by is not None:
        stage = properties.get("stage", {}).get("const")
        if stage == 2:
            properties["by"] = {**properties["by"], "not": {"const": facts.stage1_by}}
    return []


def _extended(
    schema: dict[str, Any], properties: dict[str, Any], required: list[str], facts: Facts, as_of: date
) -> list[str]:
    schema["oneOf"] = [
        {
            "required": ["total_working_days"],
            "properties": {"total_working_days": {"type": "integer"}, "until": {"type": "null"}},
        },
        {
            "required": ["until"],
            "properties": {"until": {"type": "string"}, "total_working_days": {"type": "null"}},
        },
    ]
    stage = properties.get("stage", {}).get("const")
    clock = response_clock(facts, stage) if isinstance(stage, int) else None
    if clock is None:
        return []
    rule = clock.rule
    if not clock.in_working_days:  # a date only, no earlier than the due date
        schema["oneOf"] = [schema["oneOf"][1]]
        return [f"until: on or after {clock.due.isoformat() if clock.due else 'the due date'}"]
    most = (
        MAX_WORKING_DAYS if rule.beyond_cap_with_reason or rule.extendable_to is None else rule.extendable_to
    )
    total = properties["total_working_days"]["anyOf"][0]
    properties["total_working_days"] = {
        "anyOf": [{**total, "minimum": clock.length, "maximum": most}, {"type": "null"}]
    }
    if clock.paused_on is None and clock.due is not None:
        days = [
            clock.calendar.add_working_days(clock.anchor, n - clock.used)
            for n in range(clock.length, most + 1)
        ]
        if len(days) <= 100:
            properties["until"] = {
                "anyOf": [{"enum": [day.isoformat() for day in days], "type": "string"}, {"type": "null"}]
            }
            return []
    return [f"until: a day from the due date, {clock.length} to {most} working days in all"]


def _decided(
    schema: dict[str, Any], properties: dict[str, Any], required: list[str], facts: Facts, as_of: date
) -> list[str]:
    assert facts.procedure is not None
    ombudsman = facts.procedure.decided_by
    words = [*OMBUDSMAN_OUTCOMES[ombudsman], *OMBUDSMAN_FORMER_WORDS.get(ombudsman, {})]
    properties["outcome"] = {"enum": words, "type": "string"}
    properties.pop("former_outcome", None)
    if ombudsman != "lgsco":
        properties["public_report"] = properties["remedy_before_ombudsman"] = {"const": False}
    else:
        schema["anyOf"] = [
            {"properties": {"remedy_before_ombudsman": {"const": False}}},
            {"properties": {"outcome": {"const": "upheld"}}},
        ]
    return []


def _commitment(
    schema: dict[str, Any], properties: dict[str, Any], required: list[str], facts: Facts, as_of: date
) -> list[str]:
    kind = properties["type"]["const"]
    prefix, field = _NEW[kind]
    used = [name.removeprefix(prefix) for name in (facts.clocks or {}) if name.startswith(prefix)]
    if used:
        properties[field] = {**properties[field], "not": {"enum": used}}
    schema["anyOf"] = [
        {"properties": {"kind": {"not": {"const": "payment"}}}},
        {"required": ["amount_pence"], "properties": {"amount_pence": {"type": "integer"}}},
    ]
    return []


def _done(
    schema: dict[str, Any], properties: dict[str, Any], required: list[str], facts: Facts, as_of: date
) -> list[str]:
    prefix, field = _DONE[properties["type"]["const"]]
    properties[field] = {"enum": _running(facts, prefix), "type": "string"}
    return []


def _action_completed(
    schema: dict[str, Any], properties: dict[str, Any], required: list[str], facts: Facts, as_of: date
) -> list[str]:
    properties["action_id"] = {"enum": sorted(facts.actions), "type": "string"}
    return []


def _panel(
    schema: dict[str, Any], properties: dict[str, Any], required: list[str], facts: Facts, as_of: date
) -> list[str]:
    members = {**properties["members"], "uniqueItems": True}
    if facts.independent_person is not None:
        members["items"] = {**members["items"], "not": {"const": facts.independent_person}}
    properties["members"] = members
    return []


def _received(
    schema: dict[str, Any], properties: dict[str, Any], required: list[str], facts: Facts, as_of: date
) -> list[str]:
    """Before a case has a procedure: one alternative per built-in procedure applying on the day and
    per way it may receive a complaint (its stage, and the fields that stage requires)."""
    choices = []
    for name in built_in_names():
        procedure = registered_procedure(name)
        if procedure.applies_from > as_of:
            continue
        for step in graph_for(procedure).steps(procedure.initial, "ComplaintReceived"):
            stage = step.spec.when.get("stage", 1)
            needed = sorted({*step.requires, *(["skip_reason"] if stage != 1 else [])})
            choices.append(
                {
                    "properties": {
                        "procedure": {"const": name},
                        "stage": {"const": stage},
                        **{field: {"type": "string"} for field in needed},  # given, not null
                    },
                    "required": ["procedure", "stage", *needed],
                }
            )
    schema["anyOf"] = choices
    return []


def _names_a_procedure(
    schema: dict[str, Any], properties: dict[str, Any], required: list[str], facts: Facts, as_of: date
) -> list[str]:
    """A concern or a compliment may name the procedure whose report counts it: a registered one."""
    properties["procedure"] = {
        "anyOf": [{"enum": list(registered_names()), "type": "string"}, {"type": "null"}]
    }
    return []


def _assigned(
    schema: dict[str, Any], properties: dict[str, Any], required: list[str], facts: Facts, as_of: date
) -> list[str]:
    """An assignment names an officer, a team or both."""
    schema["anyOf"] = [
        {"required": [field], "properties": {field: {"type": "string"}}} for field in ("officer", "team")
    ]
    return []


_NARROWING = {
    "Assigned": _assigned,
    "Responded": _responded,
    "DeadlineExtended": _extended,
    "OmbudsmanDecided": _decided,
    "OmbudsmanRecommendation": _commitment,
    "RemedyAgreed": _commitment,
    "RemedyCompleted": _done,
    "RecommendationComplied": _done,
    "LearningActionCompleted": _action_completed,
    "PanelHeld": _panel,
    "ComplaintReceived": _received,
    "ConcernLogged": _names_a_procedure,
    "ComplimentReceived": _names_a_procedure,
}
