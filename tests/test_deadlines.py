"""Deadline arithmetic: the contract's formulas, and that pauses and extensions never pull a date in."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from complaintflow import (
    CalendarError,
    Case,
    InvalidEvent,
    ProcedureDefinitionError,
    WorkingDayCalendar,
    load_procedure,
)
from complaintflow import calendar as calendar_module
from complaintflow.dates import add_calendar_months, end_of_period_commencing
from complaintflow.deadlines import extend, pause, resume, start_clock
from complaintflow.testing import calendar_dates

CAL = WorkingDayCalendar.england_and_wales()
RULE = load_procedure("children-2006").deadlines["stage2_response"]
starts = calendar_dates(CAL, margin_days=500)
gaps = st.integers(0, 60)


@given(start=starts)
def test_a_clock_is_due_n_working_days_after_its_start(start: date) -> None:
    clock = start_clock("stage2_response", RULE, CAL, start)
    assert clock.due == CAL.add_working_days(start, 25)


@given(start=starts, to_pause=gaps, paused_for=gaps)
def test_resuming_restarts_with_the_working_days_left_at_the_pause(
    start: date, to_pause: int, paused_for: int
) -> None:
    paused_on = start + timedelta(days=to_pause)
    resumed_on = paused_on + timedelta(days=paused_for)
    clock = start_clock("stage2_response", RULE, CAL, start)
    moved = resume(pause(clock, paused_on), resumed_on)
    expected = CAL.add_working_days(resumed_on, 25 - CAL.working_days_between(start, paused_on))
    assert moved.due == expected
    assert clock.due is not None and moved.due is not None and moved.due >= clock.due


@given(start=starts, pauses=st.lists(st.tuples(gaps, gaps), max_size=4))
def test_repeated_pauses_never_move_the_due_date_earlier(start: date, pauses: list[tuple[int, int]]) -> None:
    clock = start_clock("stage2_response", RULE, CAL, start)
    day, due = start, clock.due
    for before, during in pauses:
        day += timedelta(days=before)
        clock = pause(clock, day)
        assert clock.due is None
        day += timedelta(days=during)
        clock = resume(clock, day)
        assert clock.due is not None and due is not None and clock.due >= due
        due = clock.due


@given(start=starts, total=st.integers(25, 65), to_pause=gaps, paused_for=gaps)
def test_an_extension_replaces_the_total_and_never_pulls_the_date_in(
    start: date, total: int, to_pause: int, paused_for: int
) -> None:
    clock = start_clock("stage2_response", RULE, CAL, start)
    longer = extend(clock, total=total, until=None)
    assert longer.due == CAL.add_working_days(start, total)
    assert longer.due is not None and clock.due is not None and longer.due >= clock.due
    paused_on = start + timedelta(days=to_pause)
    resumed = resume(pause(longer, paused_on), paused_on + timedelta(days=paused_for))
    used = CAL.working_days_between(start, paused_on)
    assert resumed.due == CAL.add_working_days(paused_on + timedelta(days=paused_for), total - used)


@given(start=starts, days=st.integers(1, 80))
def test_extending_to_a_date_makes_it_due_that_day(start: date, days: int) -> None:
    until = start + timedelta(days=days)
    clock = extend(start_clock("stage2_response", RULE, CAL, start), total=None, until=until)
    assert clock.due == until
    assert clock.length == CAL.working_days_between(start, until)


@given(start=starts, as_of=gaps)
def test_remaining_days_count_down_to_the_due_date(start: date, as_of: int) -> None:
    clock = start_clock("stage2_response", RULE, CAL, start)
    today = start + timedelta(days=as_of)
    remaining = clock.remaining_working_days(today)
    assert remaining == CAL.working_days_between(today, clock.due)  # type: ignore[arg-type]
    assert clock.due is not None
    assert clock.status(today) == ("overdue" if today > clock.due else "pending")
    # On the days after a due date that are not working days, it is overdue by no working days yet.
    assert (remaining is not None and remaining < 0) <= (today > clock.due)


@given(
    received=st.dates(date(2024, 1, 1), date(2030, 12, 31)),
    proclaimed_after=st.integers(0, 20),
    holiday_after=st.integers(1, 30),
)
def test_a_bank_holiday_proclaimed_after_a_clock_started_never_moves_its_due_date_earlier(
    received: date, proclaimed_after: int, holiday_after: int
) -> None:
    """Reg 2: a day proclaimed later counts, and can only push a due date back."""
    start = received
    holiday = start + timedelta(days=holiday_after)
    assume(holiday.weekday() < 5 and CAL.is_working_day(holiday))
    event = {
        "type": "ComplaintReceived",
        "case_id": "C-1",
        "on": start.isoformat(),
        "procedure": "children-2006",
    }
    before = Case.replay([event]).view(as_of=start).deadlines[0].due
    proclaimed = WorkingDayCalendar.england_and_wales(extra_bank_holidays={holiday: "A proclaimed day"})
    after = Case.replay([event], calendar=proclaimed).view(as_of=start).deadlines[0].due
    assert before is not None and after is not None
    assert after >= before
    assert (after > before) == (start < holiday <= before)


def test_a_host_passes_a_calendar_with_a_newly_proclaimed_day_to_cases_and_procedures() -> None:
    received = {
        "type": "ComplaintReceived",
        "case_id": "C-1",
        "on": "2031-06-02",
        "procedure": "children-2006",
    }
    proclaimed = WorkingDayCalendar.england_and_wales(
        extra_bank_holidays={date(2031, 6, 9): "A proclaimed day"}
    )
    plain = Case.replay([received]).view(as_of=date(2031, 6, 2)).deadlines[0].due
    counted = Case.replay([received], calendar=proclaimed).view(as_of=date(2031, 6, 2)).deadlines[0].due
    assert (plain, counted) == (date(2031, 6, 16), date(2031, 6, 17))
    procedure = load_procedure("children-2006", calendar=proclaimed)
    assert procedure.extra_bank_holidays == {date(2031, 6, 9): "A proclaimed day"}
    via_procedure = Case.replay([received], procedures={"children-2006": procedure})
    assert via_procedure.view(as_of=date(2031, 6, 2)).deadlines[0].due == date(2031, 6, 17)
    scottish = Case.replay([{**received, "procedure": "spso-2021"}], calendar=proclaimed)
    # The day was added for England and Wales: a Scottish case counts it as a working day.
    assert scottish.clocks()["stage1_response"].calendar.is_working_day(date(2031, 6, 9))
    assert scottish.clocks()["stage1_response"].due == date(2031, 6, 9)
    with pytest.raises(ProcedureDefinitionError, match="counts scotland working days"):
        load_procedure("spso-2021", calendar=proclaimed)


def test_a_deadline_starts_only_where_its_rule_was_in_force() -> None:
    procedure = load_procedure("children-2006")
    data = procedure.model_dump(by_alias=True)
    data["deadlines"]["stage1_response"]["applies_from"] = date(2024, 6, 1)
    later_rule = type(procedure).model_validate(data)
    received = {"type": "ComplaintReceived", "case_id": "C-1", "procedure": "children-2006"}
    before = Case.replay([{**received, "on": "2024-05-31"}], procedures={"children-2006": later_rule})
    after = Case.replay([{**received, "on": "2024-06-03"}], procedures={"children-2006": later_rule})
    assert "stage1_response" not in before.clocks()
    assert after.clocks()["stage1_response"].due == date(2024, 6, 17)


# -- periods "commencing on" a day, in calendar units (SI 2009/309 reg 14(4)) ----------------------

RESPONSE_BACKSTOP = load_procedure("adults-2009").deadlines["stage1_response"]
any_day = st.dates(date(2001, 1, 1), date(2027, 12, 31))


@given(start=any_day, months=st.integers(1, 24))
def test_a_period_commencing_on_a_day_ends_the_day_before_the_corresponding_date(
    start: date, months: int
) -> None:
    end = end_of_period_commencing(start, months=months)
    corresponding = add_calendar_months(start, months)
    if corresponding.day == start.day:
        assert end + timedelta(days=1) == corresponding
    else:  # no such date (31 August -> February): the period ends with the month
        assert end == corresponding and (end + timedelta(days=1)).day == 1
        assert end.day < start.day


@given(first=any_day, gap=st.integers(0, 400), months=st.integers(1, 24))
def test_a_later_start_never_ends_a_period_earlier(first: date, gap: int, months: int) -> None:
    later = first + timedelta(days=gap)
    assert end_of_period_commencing(later, months=months) >= end_of_period_commencing(first, months=months)


@given(start=any_day, days=st.integers(1, 400))
def test_a_period_of_days_commencing_on_a_day_counts_that_day(start: date, days: int) -> None:
    end = end_of_period_commencing(start, days=days)
    assert (end - start).days + 1 == days


@given(start=st.dates(date(2009, 4, 1), date(2026, 12, 31)), later=st.integers(0, 200))
def test_a_calendar_month_limit_is_extended_to_a_date_and_remembers_its_base(start: date, later: int) -> None:
    clock = start_clock("stage1_response", RESPONSE_BACKSTOP, CAL, start)
    assert clock.due == end_of_period_commencing(start, months=6)
    assert clock.due is not None
    until = clock.due + timedelta(days=later)
    extended = extend(clock, total=None, until=until)
    assert extended.due == until and extended.length == clock.length
    assert extended.due_without_extension() == clock.due
    assert extended.remaining_working_days(start) == CAL.working_days_between(start, until)


def test_a_complaint_about_a_matter_long_before_the_calendar_starts_is_accepted_late() -> None:
    received = {"type": "ComplaintReceived", "case_id": "C-1", "on": "2024-08-01"}
    case = Case.replay([{**received, "procedure": "children-2006", "grounds_arose": "1995-01-01"}])
    limit = case.view(as_of=date(2024, 8, 2)).deadlines[0]
    assert (limit.name, limit.due, limit.status) == (
        "representations_time_limit",
        date(1996, 1, 1),
        "met_late",
    )


def test_a_limit_in_months_that_ends_past_the_calendar_is_refused_when_it_starts() -> None:
    last = calendar_module.DEFAULT_LAST_YEAR
    case = Case()
    with pytest.raises(CalendarError, match=f"{last + 1}-01-31 is outside 2000-{last}"):
        case.apply(
            {"type": "ComplaintReceived", "case_id": "A-1", "on": f"{last}-08-01", "procedure": "adults-2009"}
        )
    assert case.state == "new" and case.events == ()
    case.apply(
        {"type": "ComplaintReceived", "case_id": "A-1", "on": f"{last}-06-01", "procedure": "adults-2009"}
    )
    agreed = {
        "type": "DeadlineExtended",
        "case_id": "A-1",
        "on": f"{last}-06-02",
        "stage": 1,
        "reason": "agreed",
    }
    before = case.view(as_of=date(last, 6, 2))
    with pytest.raises(InvalidEvent, match=f"'until': after {last}-12-31, the last day the calendar counts"):
        case.apply({**agreed, "until": f"{last + 1}-02-01"})
    assert case.view(as_of=date(last, 6, 2)) == before


@pytest.mark.parametrize(("months", "days"), [(0, 0), (6, 10), (-1, 0), (0, -3)])
def test_a_period_needs_months_or_days_above_zero(months: int, days: int) -> None:
    with pytest.raises(CalendarError, match="give a number of months or of days"):
        end_of_period_commencing(date(2025, 1, 10), months=months, days=days)
