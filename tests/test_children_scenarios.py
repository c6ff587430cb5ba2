"""children-2006 statutory scenarios, written as data in tests/scenarios/children-2006.toml."""

from __future__ import annotations

from typing import Any

import pytest
from scenario_files import load_scenarios

import complaintflow as cf

EXPECTATIONS = ["state", "open", "outcome", "deadlines", "refused"]
DEADLINE_KEYS = {"due", "status", "working_days", "remaining_working_days", "met_on"}


def _events(scenario: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"case_id": "S-1", **event} for event in scenario["events"]]


@pytest.mark.parametrize(
    "scenario",
    load_scenarios("children-2006.toml", ["events", "as_of"], ["choices", *EXPECTATIONS]),
)
def test_children_2006_scenario(scenario: dict[str, Any]) -> None:
    procedure = cf.load_procedure("children-2006", **scenario.get("choices", {}))
    events = _events(scenario)
    case = cf.Case(procedures={"children-2006": procedure})
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
    for key in ("state", "open", "outcome"):
        if key in scenario:
            assert getattr(view, key) == scenario[key], key
    by_name = {deadline.name: deadline for deadline in view.deadlines}
    for name, expected in scenario.get("deadlines", {}).items():
        assert set(expected) <= DEADLINE_KEYS, f"unknown deadline keys {set(expected) - DEADLINE_KEYS}"
        assert name in by_name, f"no deadline {name}; have {sorted(by_name)}"
        for key, value in expected.items():
            assert getattr(by_name[name], key) == value, f"{name}.{key}"
