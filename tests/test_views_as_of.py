"""A view on day D shows the case as it stood at the end of D: only events dated on or before D."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import complaintflow as cf
from complaintflow.dates import london_today
from complaintflow.procedure import built_in_names
from complaintflow.testing import event_sequences

VIEW_DAYS = Path(__file__).parent / "scenarios" / "view-days.toml"
with VIEW_DAYS.open("rb") as handle:
    LIFE = tomllib.load(handle)


@pytest.mark.parametrize("name", built_in_names())
@given(data=st.data())
def test_a_view_on_any_day_is_the_view_of_the_events_up_to_that_day(name: str, data: st.DataObject) -> None:
    procedure = cf.load_procedure(name)
    events: list[dict[str, Any]] = data.draw(event_sequences(procedure))
    case = cf.Case.replay(events)
    first, last = date.fromisoformat(events[0]["on"]), date.fromisoformat(events[-1]["on"])
    day = data.draw(st.dates(first - timedelta(days=30), last + timedelta(days=30)))
    earlier = cf.Case.replay([event for event in events if date.fromisoformat(event["on"]) <= day])
    if earlier.case_id is None:  # nothing recorded yet: the case's reference is still its own
        earlier.case_id = case.case_id
    expected = earlier.view(as_of=day).model_dump()
    assert case.view(as_of=day).model_dump() == expected
    # The daily list's lighter view differs only in leaving out the forms.
    assert case.view(as_of=day, forms=False).model_dump() == {**expected, "next_events": []}


def test_a_view_before_the_complaint_arrived_says_nothing_was_received_yet() -> None:
    case = cf.Case.replay(
        [{"type": "ComplaintReceived", "case_id": "C-1", "on": "2024-04-02", "procedure": "children-2006"}]
    )
    view = case.view(as_of=date(2024, 4, 1))
    assert (view.state, view.open, view.deadlines, view.procedure) == ("new", False, [], None)
    assert view.case_id == "C-1" and "ComplaintReceived" in view.allowed


def test_a_view_without_a_date_is_as_of_today_in_london() -> None:
    case = cf.Case.replay(
        [{"type": "ComplaintReceived", "case_id": "C-1", "on": "2024-04-02", "procedure": "children-2006"}]
    )
    assert case.view().as_of == london_today()


def test_a_case_that_keeps_no_events_refuses_a_view_before_its_last_event() -> None:
    case = cf.Case(keep_events=False)
    case.apply(
        {"type": "ComplaintReceived", "case_id": "C-1", "on": "2024-04-02", "procedure": "children-2006"}
    )
    case.apply({"type": "Responded", "case_id": "C-1", "on": "2024-04-10", "stage": 1, "outcome": "upheld"})
    with pytest.raises(cf.ComplaintflowError, match="keeps no events"):
        case.view(as_of=date(2024, 4, 5))
    assert case.view(as_of=date(2024, 4, 10)).state == "stage1_responded"


@pytest.mark.parametrize("day", [pytest.param(day, id=day["name"]) for day in LIFE["day"]])
def test_a_view_on_each_day_of_a_case_s_life(day: dict[str, Any]) -> None:
    case = cf.Case.replay(LIFE["events"])
    view = case.view(as_of=day["on"])
    assert view.state == day["state"]
    shown = {deadline.name: deadline for deadline in view.deadlines}
    assert set(day["deadlines"]) <= set(shown)
    if not day["deadlines"]:
        assert shown == {}
    for name, expected in day["deadlines"].items():
        for key, value in expected.items():
            assert getattr(shown[name], key) == value, f"{name}.{key}"


def test_next_events_give_a_host_s_form_what_the_state_fixes_and_what_it_requires() -> None:
    case = cf.Case.replay(LIFE["events"][:2])
    forms = {entry.type: entry for entry in case.view(as_of=date(2024, 4, 12)).next_events}
    assert set(forms) == set(case.view(as_of=date(2024, 4, 12)).allowed)
    assert forms["EscalationRequested"].fixed == {"to_stage": 2}
    assert forms["Deferred"].required == ["reason"]
    case.apply(LIFE["events"][2])
    forms = {entry.type: entry for entry in case.view(as_of=date(2024, 4, 15)).next_events}
    assert forms["Responded"].fixed == {"stage": 2} and "stage" not in forms["Responded"].required
    assert forms["InvestigatorsAppointed"].required == ["investigating_officer", "independent_person"]
    assert forms["DeadlineExtended"].fixed == {"stage": 2}
    lapsed = cf.Case.replay(LIFE["events"][:2]).view(as_of=date(2024, 6, 1))
    late = [entry for entry in lapsed.next_events if entry.type == "EscalationRequested"]
    assert late and "late_reason" in late[0].required
    empty = cf.Case().view(as_of=date(2024, 4, 1))
    assert [(e.type, e.required) for e in empty.next_events if e.type == "ComplaintReceived"] == [
        ("ComplaintReceived", ["procedure"])
    ]


#: A value for each required field whose form is not free text.
VALUES: dict[str, object] = {"outcome": "premature", "resolved": True, "amount_pence": 100, "reason": "other"}


@given(data=st.data())
def test_every_next_event_filled_in_as_its_form_says_is_accepted(data: st.DataObject) -> None:
    procedure = cf.load_procedure("children-2006")
    events = data.draw(event_sequences(procedure))
    case = cf.Case.replay(events)
    last = date.fromisoformat(events[-1]["on"])
    for entry in case.view(as_of=last).next_events:
        if entry.type in (
            "ComplaintReceived",
            "DeadlineExtended",
            "LearningActionCompleted",
            "OmbudsmanDecided",
            "OmbudsmanRecommendation",
            "RecommendationComplied",
            "RemedyAgreed",
            "RemedyCompleted",
            "PanelHeld",
            "Responded",
            "Resumed",
            "ConcernResolved",
            "Assigned",
        ):
            continue  # need values that depend on the case beyond its state, or one field of two
        event = {"type": entry.type, "case_id": case.case_id, "on": last.isoformat(), **entry.fixed}
        for field in entry.required:
            event[field] = VALUES.get(field, f"{field} given")
        cf.Case.replay(events).apply(event)
