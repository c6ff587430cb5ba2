"""Statutory scenarios for each built-in procedure, written as data in tests/scenarios/NAME.toml."""

from __future__ import annotations

from typing import Any

import pytest
from scenario_files import load_scenarios

import complaintflow as cf
from complaintflow.procedure import built_in_names

EXPECTATIONS = ["state", "open", "outcome", "deadlines", "refused", "may_go_to_ombudsman", "entered_late"]
DEADLINE_KEYS = {
    "due",
    "status",
    "working_days",
    "remaining_working_days",
    "met_on",
    "was_due",
    "extended_beyond_usual",
    "provisional",
}


def _events(scenario: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"case_id": "S-1", **event} for event in scenario["events"]]


def _scenarios(name: str) -> list[Any]:
    """Every scenario of a procedure's file, as (procedure, scenario) params named by both."""
    return [
        pytest.param(name, param.values[0], id=f"{name}: {param.id}")
        for param in load_scenarios(f"{name}.toml", ["events", "as_of"], ["choices", *EXPECTATIONS])
    ]


@pytest.mark.parametrize(("name", "scenario"), [p for name in built_in_names() for p in _scenarios(name)])
def test_statutory_scenario(name: str, scenario: dict[str, Any]) -> None:
    """Every built-in procedure has a scenario file, and every scenario in it holds."""
    check_scenario(name, scenario)


def check_scenario(name: str, scenario: dict[str, Any]) -> None:
    """Replay the scenario's events under the named procedure and check what it expects."""
    procedure = cf.load_procedure(name, **scenario.get("choices", {}))
    events = _events(scenario)
    case = cf.Case(procedures={name: procedure})
    assert any(key in scenario for key in EXPECTATIONS), "a scenario must expect something"
    if "refused" in scenario:
        for event in events[:-1]:
            case.apply(event)
        before = case.view(as_of=scenario["as_of"])
        applied = case.events
        error = getattr(cf, scenario["refused"]["error"])
        with pytest.raises(error, match=scenario["refused"]["match"]):
            case.apply(events[-1])
        assert case.events == applied
        assert case.view(as_of=scenario["as_of"]) == before
        return
    for event in events:
        case.apply(event)
    view = case.view(as_of=scenario["as_of"])
    for key in ("state", "open", "outcome", "may_go_to_ombudsman"):
        if key in scenario:
            assert getattr(view, key) == scenario[key], key
    if "entered_late" in scenario:  # how many events were entered after later ones
        assert len(view.entered_late) == scenario["entered_late"]
    by_name = {deadline.name: deadline for deadline in view.deadlines}
    for name, expected in scenario.get("deadlines", {}).items():
        assert set(expected) <= DEADLINE_KEYS, f"unknown deadline keys {set(expected) - DEADLINE_KEYS}"
        assert name in by_name, f"no deadline {name}; have {sorted(by_name)}"
        for key, value in expected.items():
            if key == "was_due":  # the due date before a bank holiday proclaimed later moved it
                moved = by_name[name].moved
                assert (moved.was_due if moved else "none") == value, f"{name}.moved.was_due"
            else:
                assert getattr(by_name[name], key) == value, f"{name}.{key}"
