"""A view on day D shows the case as it stood at the end of D: only events dated on or before D."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import complaintflow as cf
from complaintflow.dates import london_today
from complaintflow.procedure import built_in_names
from complaintflow.testing import event_sequences


@pytest.mark.parametrize("name", built_in_names())
@given(data=st.data())
def test_a_view_on_any_day_is_the_view_of_the_events_up_to_that_day(name: str, data: st.DataObject) -> None:
    procedure = cf.load_procedure(name)
    events: list[dict[str, Any]] = data.draw(event_sequences(procedure))
    case = cf.Case.replay(events)
    first, last = date.fromisoformat(events[0]["on"]), date.fromisoformat(events[-1]["on"])
    day = data.draw(st.dates(first - timedelta(days=30), last + timedelta(days=30)))
    earlier = cf.Case.replay([event for event in events if date.fromisoformat(event["on"]) <= day])
    expected = earlier.view(as_of=day).model_dump()
    if earlier.case_id is None:
        expected["case_id"] = case.case_id
    assert case.view(as_of=day).model_dump() == expected


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
