"""Property tests of the rules the two-stage and Scottish procedures add, and of `extends`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import complaintflow as cf
from complaintflow.procedure import _merged

OFFICERS = st.sampled_from(["OFFICER-1", "OFFICER-2", "OFFICER-3"])
WORKING_GAPS = st.integers(0, 6)


def _housing_case_at_stage_2(start: date, gaps: list[int], stage1_by: str | None) -> cf.Case:
    """A housing-2024 case acknowledged and answered at stage 1, escalated and acknowledged again."""
    days = [start]
    for gap in gaps:
        days.append(days[-1] + timedelta(days=gap))
    steps: list[dict[str, Any]] = [
        {"type": "ComplaintReceived", "procedure": "housing-2024"},
        {"type": "Acknowledged", "stage": 1},
        {"type": "Responded", "stage": 1, "outcome": "not_upheld", "by": stage1_by},
        {"type": "EscalationRequested", "to_stage": 2},
        {"type": "Acknowledged", "stage": 2},
    ]
    events = [
        {"case_id": "H-1", "on": day.isoformat(), **{k: v for k, v in step.items() if v is not None}}
        for day, step in zip(days, steps, strict=True)
    ]
    return cf.Case.replay(events)


@given(
    start=st.dates(date(2024, 4, 1), date(2026, 12, 31)),
    gaps=st.lists(WORKING_GAPS, min_size=4, max_size=4),
    stage1_by=st.none() | OFFICERS,
    stage2_by=st.none() | OFFICERS,
)
def test_stage_2_of_a_housing_complaint_is_answered_by_someone_else(
    start: date, gaps: list[int], stage1_by: str | None, stage2_by: str | None
) -> None:
    case = _housing_case_at_stage_2(start, gaps, stage1_by)
    on = (case.last_event_on or start) + timedelta(days=3)
    response = {"type": "Responded", "case_id": "H-1", "on": on.isoformat(), "stage": 2, "outcome": "upheld"}
    if stage2_by is not None:
        response["by"] = stage2_by
    before = (case.state, case.events, case.view(as_of=on))
    if stage1_by is not None and stage1_by == stage2_by:
        with pytest.raises(cf.TransitionNotAllowed, match="stage 2 must be considered by someone else"):
            case.apply(response)
        assert (case.state, case.events, case.view(as_of=on)) == before
    else:
        assert case.apply(response)
        assert case.state == "closed"


@given(
    start=st.dates(date(2021, 4, 1), date(2026, 12, 31)),
    to_extend=st.integers(0, 15),
    total=st.integers(1, 200),
)
def test_a_scottish_stage_2_extends_to_any_total_but_never_shortens(
    start: date, to_extend: int, total: int
) -> None:
    received = {
        "type": "ComplaintReceived",
        "case_id": "S-1",
        "on": start.isoformat(),
        "procedure": "spso-2021",
        "stage": 2,
        "skip_reason": "complex",
    }
    case = cf.Case.replay([received])
    on = start + timedelta(days=to_extend)
    extension = {
        "type": "DeadlineExtended",
        "case_id": "S-1",
        "on": on.isoformat(),
        "stage": 2,
        "total_working_days": total,
        "reason": "good reason",
    }
    due = case.clocks()["stage2_response"].due
    assert due is not None
    if on > due:  # past the due date: refused under the default policy, whatever the total
        with pytest.raises(cf.TransitionNotAllowed, match="extension_after_due"):
            case.apply(extension)
    elif total < 20:
        with pytest.raises(cf.TransitionNotAllowed, match="cannot shorten stage2_response below 20"):
            case.apply(extension)
    else:
        case.apply(extension)
        calendar = cf.WorkingDayCalendar.scotland()  # every bank holiday counts (proclaimed_holidays)
        assert case.clocks()["stage2_response"].due == calendar.add_working_days(start, total)


tables = st.recursive(
    st.integers() | st.text(max_size=3) | st.lists(st.integers(), max_size=3),
    lambda children: st.dictionaries(st.text(max_size=3), children, max_size=4),
    max_leaves=12,
)
definitions = st.dictionaries(st.text(max_size=3), tables, max_size=5)


@given(base=definitions)
def test_extending_with_nothing_or_with_itself_changes_nothing(base: dict[str, Any]) -> None:
    assert _merged(base, {}) == base
    assert _merged(base, base) == base


@given(base=definitions, changes=definitions)
def test_every_value_an_extension_gives_is_in_force_and_every_other_is_kept(
    base: dict[str, Any], changes: dict[str, Any]
) -> None:
    merged = _merged(base, changes)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            assert merged[key] == _merged(base[key], value)
        else:
            assert merged[key] == value
    for key in base.keys() - changes.keys():
        assert merged[key] == base[key]
    assert merged.keys() == base.keys() | changes.keys()


def test_a_refusal_for_a_reason_says_why_and_a_refusal_by_state_says_what_is_allowed() -> None:
    for_a_reason = cf.TransitionNotAllowed("Responded", "stage2", ["Responded", "Withdrawn"], "someone else")
    assert str(for_a_reason) == "Responded is refused in state 'stage2': someone else"
    by_state = cf.TransitionNotAllowed("PanelHeld", "stage1", ["Responded", "Withdrawn"])
    assert str(by_state) == "PanelHeld is not allowed in state 'stage1'; allowed here: Responded, Withdrawn"
    assert for_a_reason.allowed == by_state.allowed == ("Responded", "Withdrawn")


@given(
    received=st.dates(date(2024, 4, 1), date(2025, 12, 31)),
    escalated_after=st.integers(0, 30),
    mediation_began_after=st.integers(0, 60),
    held_after=st.integers(0, 30),
)
def test_mediation_that_pauses_clocks_never_moves_a_due_date_earlier(
    received: date, escalated_after: int, mediation_began_after: int, held_after: int
) -> None:
    procedure = cf.load_procedure("children-2006", mediation_pauses_clocks="yes")
    responded = received + timedelta(days=escalated_after)
    escalated = responded + timedelta(days=1)
    began = received + timedelta(days=mediation_began_after)
    held = max(began, escalated) + timedelta(days=held_after)
    events: list[dict[str, Any]] = [
        {"type": "ComplaintReceived", "on": received.isoformat(), "procedure": "children-2006"},
        {"type": "Responded", "on": responded.isoformat(), "stage": 1, "outcome": "upheld"},
        {"type": "EscalationRequested", "on": escalated.isoformat(), "to_stage": 2},
    ]
    case = cf.Case.replay([{"case_id": "M-1", **e} for e in events], procedures={procedure.name: procedure})
    before = case.clocks()["stage2_response"].due
    case.apply(
        {
            "type": "MediationHeld",
            "case_id": "M-1",
            "on": held.isoformat(),
            "resolved": False,
            "started": began.isoformat(),
        }
    )
    after = case.clocks()["stage2_response"].due
    assert before is not None and after is not None and after >= before


def test_the_next_working_day_for_resolving_an_oral_complaint_counts_the_bank_holidays_the_host_added() -> (
    None
):
    """Received on Friday 5 April 2024: the next working day is Monday 8 April, unless the host's
    calendar makes that a bank holiday, when it is Tuesday 9 April, as the case's deadlines count."""
    received = {
        "type": "ComplaintReceived",
        "case_id": "A",
        "on": "2024-04-05",
        "procedure": "adults-2009",
        "oral": True,
    }
    resolved = {"type": "ConcernResolved", "case_id": "A", "on": "2024-04-09"}
    with pytest.raises(cf.TransitionNotAllowed, match="resolved after 2024-04-08"):
        cf.Case.replay([received, resolved])
    proclaimed = cf.WorkingDayCalendar.england_and_wales(
        extra_bank_holidays={date(2024, 4, 8): "A proclaimed day"}
    )
    case = cf.Case.replay([received, resolved], calendar=proclaimed)
    assert case.outcome == "not_a_complaint"
    assert not case.view(date(2024, 4, 9)).open
