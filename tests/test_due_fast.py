"""The daily list reads each case once for the day, and each clock once, and gives the answers of
asking each question on its own; a period of calendar days or months, and a clock as it starts,
kept once worked out, are the period and the clock worked out afresh.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaintflow import Case, ComplaintflowError, load_procedure
from complaintflow._machine import ClockTrigger, carries, graph_for
from complaintflow.calendar import WorkingDayCalendar
from complaintflow.dates import add_calendar_days, add_calendar_months, end_of_period_commencing
from complaintflow.deadlines import calendar_unit_due, start_clock
from complaintflow.errors import CalendarError
from complaintflow.procedure import Procedure
from complaintflow.reminders import due_within
from complaintflow.testing import calendars, event_logs, with_teams

PROCEDURES = ["children-2006", "housing-2024", "lgsco-2026", "spso-2021", "adults-2009"]


@st.composite
def logged_cases(draw: st.DrawFn) -> tuple[list[Case], date]:
    """The cases of a valid log, some given to teams or officers, and a day to ask about: before,
    on or after their last events (cases are then replayed to the day)."""
    procedure = load_procedure(draw(st.sampled_from(PROCEDURES)))
    log: list[dict[str, Any]] = with_teams(
        [dict(event) for event in draw(event_logs(procedure, max_cases=4, max_events=8))],
        seed=draw(st.integers(0, 99)),
    )
    cases: dict[str, Case] = {}
    for event in log:
        case = cases.setdefault(str(event["case_id"]), Case())
        try:
            case.apply(event)
        except ComplaintflowError:
            continue  # a case that takes no owner (a compliment) refuses one, and stays as it was
    last = max(case.last_event_on for case in cases.values() if case.last_event_on is not None)
    return list(cases.values()), last + timedelta(days=draw(st.integers(-60, 400)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logged=logged_cases())
def test_one_look_at_a_case_gives_its_standing_and_its_owner_on_the_day(
    logged: tuple[list[Case], date],
) -> None:
    cases, as_of = logged
    for case in cases:
        state, clocks, owner = case.standing_and_owner(as_of)
        assert (state, dict(clocks)) == case.standing(as_of)
        assert owner == case.owner_on(as_of)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logged=logged_cases())
def test_one_reading_of_a_clock_gives_its_status_and_working_days_left(
    logged: tuple[list[Case], date],
) -> None:
    cases, as_of = logged
    for case in cases:
        for clock in case.standing(as_of)[1].values():
            status = clock.status(as_of)
            expected = (
                (status, clock.remaining_working_days(as_of))
                if status in ("pending", "overdue") and clock.due is not None
                else None
            )
            assert clock.outstanding(as_of) == expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logged=logged_cases(), within=st.integers(0, 25), data=st.data())
def test_the_list_for_an_officer_or_a_team_is_the_whole_list_s_deadlines_they_own(
    logged: tuple[list[Case], date], within: int, data: st.DataObject
) -> None:
    cases, as_of = logged
    everyone = due_within(cases, as_of=as_of, within=within)
    owners = sorted({case.owner_on(as_of) for case in cases}, key=str)
    officer, team = data.draw(st.sampled_from([*owners, (None, None), ("OFFICER-1", None)]))
    team = data.draw(st.sampled_from([team, None]))
    listed = due_within(cases, as_of=as_of, within=within, officer=officer, team=team)
    assert listed == [reminder for reminder in everyone if reminder.owned_by(officer, team)]


@settings(max_examples=500, deadline=None)
@given(
    unit=st.sampled_from(["calendar_days", "calendar_months"]),
    length=st.integers(1, 400),
    counts_start_day=st.booleans(),
    starts=st.dates(date(1990, 1, 1), date(2150, 12, 31)),
)
def test_a_period_kept_once_worked_out_ends_where_it_is_worked_out_afresh(
    unit: Any, length: int, counts_start_day: bool, starts: date
) -> None:
    if unit == "calendar_days":
        fresh = (
            end_of_period_commencing(starts, days=length)
            if counts_start_day
            else add_calendar_days(starts, length)
        )
    else:
        fresh = (
            end_of_period_commencing(starts, months=length)
            if counts_start_day
            else add_calendar_months(starts, length)
        )
    assert calendar_unit_due(unit, length, counts_start_day, starts) == fresh
    assert calendar_unit_due(unit, length, counts_start_day, starts) == fresh  # asked again: kept


@settings(max_examples=300, deadline=None)
@given(
    procedure=st.sampled_from(PROCEDURES).map(load_procedure),
    calendar=calendars(),
    starts=st.dates(date(1995, 1, 1), date(2100, 6, 30)),
    data=st.data(),
)
def test_a_clock_kept_once_started_is_the_clock_started_afresh(
    procedure: Procedure, calendar: WorkingDayCalendar, starts: date, data: st.DataObject
) -> None:
    graph = graph_for(procedure)
    name = data.draw(st.sampled_from(sorted(procedure.deadlines)))
    try:
        fresh = start_clock(name, procedure.deadlines[name], calendar, starts)
    except CalendarError as error:  # past the calendar's years: refused alike, and nothing kept
        with pytest.raises(CalendarError, match=re.escape(str(error))):
            graph.started_clock(name, calendar, starts)
        return
    assert graph.started_clock(name, calendar, starts) == fresh
    assert graph.started_clock(name, calendar, starts) == fresh  # asked again: kept


#: Values an event's guard field may hold, including none at all and one that cannot be looked up.
GUARD_VALUES = st.one_of(
    st.none(), st.integers(0, 4), st.booleans(), st.sampled_from(["1", "yes"]), st.just([1])
)


@settings(max_examples=200, deadline=None)
@given(
    procedure=st.sampled_from(PROCEDURES).map(load_procedure),
    fields=st.dictionaries(st.sampled_from(["stage", "to_stage", "oral", "remedy_id"]), GUARD_VALUES),
)
def test_the_clocks_an_event_looks_up_are_those_whose_guards_it_passes(
    procedure: Procedure, fields: dict[str, Any]
) -> None:
    graph = graph_for(procedure)
    event = SimpleNamespace(**fields)
    for state in procedure.states:
        for kind in graph.allowed(state):
            plan = graph.plan(state, kind)
            starts, meets = plan.triggers(event)
            # A trigger looked up has its guard answered (it has none left), or asks it still.
            assert _passed(starts, event) == _passed(plan.starts, event)
            assert _passed(meets, event) == _passed(plan.meets, event)


def _named(trigger: ClockTrigger) -> tuple[str, str | None]:
    return trigger.deadline, trigger.date_field


def _passed(triggers: tuple[ClockTrigger, ...], event: Any) -> list[tuple[str, str | None]]:
    return [_named(trigger) for trigger in triggers if not trigger.guard or carries(event, trigger.guard)]
