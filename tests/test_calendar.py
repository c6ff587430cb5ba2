"""The working-day calendar against its definition, its scenarios and its invariants."""

from __future__ import annotations

import pickle
import threading
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest
import reference_calendar as reference
from hypothesis import given, settings
from hypothesis import strategies as st
from scenario_files import load_scenarios

from complaintflow import CalendarError, Case, WorkingDayCalendar, add_calendar_months
from complaintflow.calendar import DEFAULT_LAST_YEAR, AddedBankHoliday
from complaintflow.testing import calendar_dates

ENGLAND = WorkingDayCalendar.england_and_wales()
NAMES = WorkingDayCalendar.NAMES
# Stay 200 days inside the vouched range so that additions of up to 70 working days stay inside.
inside = calendar_dates(ENGLAND, margin_days=200)
lengths = st.integers(min_value=-70, max_value=70)


@pytest.mark.parametrize(
    "scenario",
    load_scenarios("calendar.toml", ["calendar", "start", "expected"], ["add", "between"]),
)
def test_statutory_calendar_scenario(scenario: dict[str, object]) -> None:
    cal = WorkingDayCalendar.named(str(scenario["calendar"]))
    assert ("add" in scenario) != ("between" in scenario)
    if "add" in scenario:
        assert cal.add_working_days(scenario["start"], scenario["add"]) == scenario["expected"]
    else:
        assert cal.working_days_between(scenario["start"], scenario["between"]) == scenario["expected"]


@pytest.mark.parametrize(
    "scenario",
    load_scenarios(
        "added-holidays.toml", ["added", "start", "expected"], ["calendar", "add", "procedure", "deadline"]
    ),
)
def test_an_added_bank_holiday_counts_only_where_it_was_proclaimed(scenario: dict[str, Any]) -> None:
    added = {
        day["on"]: AddedBankHoliday(day["name"], tuple(day["jurisdictions"])) for day in scenario["added"]
    }
    if "calendar" in scenario:
        cal = WorkingDayCalendar.named(scenario["calendar"], extra_bank_holidays=added)
        assert cal.add_working_days(scenario["start"], scenario["add"]) == scenario["expected"]
        return
    host = WorkingDayCalendar.england_and_wales(extra_bank_holidays=added)
    received = {
        "type": "ComplaintReceived",
        "case_id": "S-1",
        "on": scenario["start"],
        "procedure": scenario["procedure"],
    }
    clock = Case.replay([received], calendar=host).clocks()[scenario["deadline"]]
    assert clock.due == scenario["expected"]


@given(name=st.sampled_from(NAMES), day=inside)
def test_is_working_day_agrees_with_the_day_by_day_definition(name: str, day: date) -> None:
    assert WorkingDayCalendar.named(name).is_working_day(day) == reference.is_working_day(name, day)


@given(name=st.sampled_from(NAMES), day=inside, n=lengths)
def test_add_working_days_agrees_with_the_reference_loop(name: str, day: date, n: int) -> None:
    cal = WorkingDayCalendar.named(name)
    assert cal.add_working_days(day, n) == reference.add_working_days(name, day, n)


@given(
    name=st.sampled_from(NAMES),
    start=calendar_dates(ENGLAND, margin_days=400),
    span=st.integers(-400, 400),  # keeps the slow loop short
)
def test_working_days_between_agrees_with_the_reference_loop(name: str, start: date, span: int) -> None:
    end = start + timedelta(days=span)
    cal = WorkingDayCalendar.named(name)
    assert cal.working_days_between(start, end) == reference.working_days_between(name, start, end)


@given(day=inside, n=lengths)
def test_between_inverts_add(day: date, n: int) -> None:
    assert ENGLAND.working_days_between(day, ENGLAND.add_working_days(day, n)) == n


@given(day=inside, n=lengths.filter(bool))
def test_a_nonzero_addition_lands_on_a_working_day(day: date, n: int) -> None:
    assert ENGLAND.is_working_day(ENGLAND.add_working_days(day, n))


@given(day=inside, n=lengths)
def test_adding_more_days_never_gives_an_earlier_date(day: date, n: int) -> None:
    assert ENGLAND.add_working_days(day, n) < ENGLAND.add_working_days(day, n + 1)


@given(day=inside, m=st.integers(-35, 35), n=st.integers(-35, 35))
def test_additions_compose_from_a_working_day(day: date, m: int, n: int) -> None:
    start = ENGLAND.next_working_day(day)
    stepped = ENGLAND.add_working_days(ENGLAND.add_working_days(start, m), n)
    assert stepped == ENGLAND.add_working_days(start, m + n)


@given(start=inside, end=inside)
def test_between_is_antisymmetric(start: date, end: date) -> None:
    assert ENGLAND.working_days_between(start, end) == -ENGLAND.working_days_between(end, start)


@given(day=inside)
def test_next_and_previous_working_days_are_the_nearest_ones(day: date) -> None:
    after, before = ENGLAND.next_working_day(day), ENGLAND.previous_working_day(day)
    assert before < day < after
    assert ENGLAND.is_working_day(after) and ENGLAND.is_working_day(before)
    assert ENGLAND.working_days_between(before, after) == 1 + ENGLAND.is_working_day(day)


@given(start=inside, span=st.integers(0, 60))
def test_non_working_days_are_exactly_the_days_that_are_not_working(start: date, span: int) -> None:
    end = start + timedelta(days=span)
    listed = dict(ENGLAND.non_working_days(start, end))
    every_day = [start + timedelta(days=i) for i in range(span + 1)]
    assert set(listed) == {d for d in every_day if not ENGLAND.is_working_day(d)}
    assert all(reason for reason in listed.values())


def test_reasons_name_weekends_and_proclaimed_days() -> None:
    reasons = dict(ENGLAND.non_working_days(date(2022, 9, 17), date(2022, 9, 19)))
    assert reasons == {
        date(2022, 9, 17): "Saturday",
        date(2022, 9, 18): "Sunday",
        date(2022, 9, 19): "State Funeral of Queen Elizabeth II",
    }
    assert ENGLAND.reason_not_working(date(2023, 5, 8)) == "Coronation of Charles III"
    assert ENGLAND.reason_not_working(date(2023, 5, 9)) is None


@pytest.mark.parametrize("year", range(2000, 2029))
def test_reg_2_named_days_are_never_working_days(year: int) -> None:
    from dateutil.easter import easter

    for day in (date(year, 12, 25), date(year, 12, 26), easter(year) - timedelta(days=2)):
        assert not ENGLAND.is_working_day(day), day


def test_england_needs_its_subdivision_easter_monday_and_late_summer_are_holidays() -> None:
    assert not ENGLAND.is_working_day(date(2023, 4, 10))
    assert not ENGLAND.is_working_day(date(2023, 8, 28))
    assert WorkingDayCalendar.scotland().is_working_day(date(2023, 4, 10))


def test_closures_are_opt_in_and_named() -> None:
    eve = date(2024, 12, 24)
    closed = ENGLAND.with_closures([eve], "Christmas Eve")
    assert ENGLAND.is_working_day(eve)
    assert not closed.is_working_day(eve)
    assert closed.reason_not_working(eve) == "Council closure: Christmas Eve"
    assert closed.add_working_days(date(2024, 12, 23), 1) == date(2024, 12, 27)
    assert ENGLAND.add_working_days(date(2024, 12, 23), 1) == eve
    assert closed != ENGLAND and closed.fingerprint != ENGLAND.fingerprint
    with pytest.raises(CalendarError, match="reason"):
        ENGLAND.with_closures([eve], " ")
    with pytest.raises(CalendarError, match="vouches for"):
        ENGLAND.with_closures([date(DEFAULT_LAST_YEAR + 1, 1, 2)], "far future")


def test_a_calendar_is_immutable_hashable_and_equal_by_content() -> None:
    again = WorkingDayCalendar.england_and_wales()
    assert again == ENGLAND and hash(again) == hash(ENGLAND)
    assert len({ENGLAND, again, WorkingDayCalendar.scotland()}) == 2
    with pytest.raises(AttributeError):
        ENGLAND.name = "elsewhere"  # type: ignore[misc]
    wider = WorkingDayCalendar.england_and_wales(last_year=2030)
    assert wider != ENGLAND and wider.add_working_days(date(2030, 1, 2), 1) == date(2030, 1, 3)


def test_a_calendar_is_safe_to_share_between_threads() -> None:
    start = date(2023, 1, 3)
    expected = [ENGLAND.add_working_days(start, n) for n in range(300)]
    results: list[list[date]] = []

    def work() -> None:
        results.append([ENGLAND.add_working_days(start, n) for n in range(300)])

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 8


def test_the_vouched_range_is_stated_and_enforced() -> None:
    assert ENGLAND.vouches_for == (date(2000, 1, 1), date(DEFAULT_LAST_YEAR, 12, 31))
    with pytest.raises(CalendarError, match=rf"2000-{DEFAULT_LAST_YEAR}.*last_year"):
        ENGLAND.add_working_days(date(2190, 1, 2), 1)
    with pytest.raises(CalendarError, match="vouches for"):
        ENGLAND.add_working_days(date(DEFAULT_LAST_YEAR, 12, 1), 65)
    with pytest.raises(CalendarError, match="vouches for"):
        ENGLAND.add_working_days(date(2000, 1, 10), -10)
    with pytest.raises(CalendarError, match="vouches for"):
        ENGLAND.working_days_between(date(1999, 12, 31), date(2000, 1, 5))


@pytest.mark.parametrize(
    ("value", "advice"),
    [
        (datetime(2024, 1, 8, 9, 30), "not a datetime"),
        (True, "not bool"),
        (20240108.0, "not float"),
        ("2024-01-08", "not str"),
    ],
)
def test_only_dates_are_accepted(value: object, advice: str) -> None:
    with pytest.raises(CalendarError, match=advice):
        ENGLAND.add_working_days(value, 1)  # type: ignore[arg-type]
    with pytest.raises(CalendarError, match=advice):
        ENGLAND.is_working_day(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("n", [True, 1.0, "1"])
def test_only_whole_numbers_of_days_are_accepted(n: object) -> None:
    with pytest.raises(CalendarError, match="whole number"):
        ENGLAND.add_working_days(date(2024, 1, 8), n)  # type: ignore[arg-type]


def test_a_calendar_survives_pickling_for_process_pools() -> None:
    assert pickle.loads(pickle.dumps(ENGLAND)) == ENGLAND


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2023, 8, 31), 6, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
    ],
)
def test_calendar_months_end_at_the_last_day_of_a_short_month(
    start: date, months: int, expected: date
) -> None:
    assert add_calendar_months(start, months) == expected


@given(start=st.dates(date(2000, 1, 1), date(2090, 1, 1)), months=st.integers(0, 24))
def test_calendar_months_never_overshoot_the_target_month(start: date, months: int) -> None:
    result = add_calendar_months(start, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    assert result.day == start.day or result.day < start.day


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() + 1) % 7)


@given(st.datetimes(datetime(2000, 1, 1), datetime(2050, 12, 31)), st.integers(-12 * 60, 14 * 60))
def test_london_date_is_the_date_on_a_clock_in_london(moment: datetime, offset_minutes: int) -> None:
    from complaintflow import london_date

    aware = moment.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    utc = aware.astimezone(UTC).replace(tzinfo=None)
    # British Summer Time: from 01:00 UTC on the last Sunday of March to 01:00 UTC on that of October.
    starts = datetime.combine(_last_sunday(utc.year, 3), time(1))
    ends = datetime.combine(_last_sunday(utc.year, 10), time(1))
    assert london_date(aware) == (utc + timedelta(hours=1 if starts <= utc < ends else 0)).date()


def test_london_date_refuses_a_timestamp_without_a_time_zone() -> None:
    from complaintflow import london_date

    with pytest.raises(CalendarError, match="no time zone"):
        london_date(datetime(2024, 7, 1, 23, 30))


@given(st.dates(date(2029, 1, 1), date(2055, 12, 31)), st.integers(1, 65))
def test_the_calendar_counts_every_year_to_thirty_years_ahead(start: date, n: int) -> None:
    due = ENGLAND.add_working_days(start, n)
    assert ENGLAND.working_days_between(start, due) == n
    assert ENGLAND.is_working_day(due)


def test_a_host_adds_a_newly_proclaimed_bank_holiday() -> None:
    extra = {date(2031, 6, 9): "A day proclaimed by the King"}
    proclaimed = WorkingDayCalendar.england_and_wales(extra_bank_holidays=extra)
    assert not proclaimed.is_working_day(date(2031, 6, 9)) and ENGLAND.is_working_day(date(2031, 6, 9))
    assert proclaimed.add_working_days(date(2031, 6, 6), 1) == date(2031, 6, 10)
    assert proclaimed == WorkingDayCalendar.england_and_wales(extra_bank_holidays=extra)
    for bad in (
        {date(2031, 6, 7): "a Saturday"},
        {datetime(2031, 6, 9, 9): "a time"},
        {date(2031, 6, 9): " "},
    ):
        with pytest.raises(CalendarError):
            WorkingDayCalendar.england_and_wales(extra_bank_holidays=bad)  # type: ignore[arg-type]


@settings(max_examples=40)
@given(
    where=st.sampled_from(NAMES),
    counted_by=st.sampled_from(NAMES),
    holiday=st.dates(date(2030, 1, 1), date(2040, 12, 31)),
    start=st.dates(date(2030, 1, 1), date(2040, 12, 31)),
    n=st.integers(1, 65),
)
def test_a_day_added_for_one_jurisdiction_never_moves_another_s_deadlines(
    where: str, counted_by: str, holiday: date, start: date, n: int
) -> None:
    plain = WorkingDayCalendar.named(counted_by)
    if holiday.weekday() >= 5:
        holiday -= timedelta(days=2)
    added = WorkingDayCalendar.named(
        counted_by, extra_bank_holidays={holiday: AddedBankHoliday("A proclaimed day", (where,))}
    )
    counts = where == counted_by or "united-kingdom" in (where, counted_by)
    if not counts:
        assert added.add_working_days(start, n) == plain.add_working_days(start, n)
        assert added.is_working_day(holiday) == plain.is_working_day(holiday)
    else:
        assert not added.is_working_day(holiday)
        assert added.add_working_days(start, n) >= plain.add_working_days(start, n)


@pytest.mark.parametrize(
    ("given", "words"),
    [
        (("A day", "wales"), "applies in one or more of england-and-wales"),
        (("A day", ()), "applies in one or more of"),
        (("A day", "scotland", "more"), "a name and where it applies"),
        (("", "scotland"), "needs a name"),
    ],
)
def test_an_added_day_must_say_where_it_applies(given: object, words: str) -> None:
    with pytest.raises(CalendarError, match=words):
        WorkingDayCalendar.scotland(extra_bank_holidays={date(2031, 6, 9): given})  # type: ignore[dict-item]


def test_a_calendar_carries_days_added_for_other_jurisdictions_to_give_on() -> None:
    added = {date(2031, 6, 9): AddedBankHoliday("A Scottish day", ("scotland",))}
    england = WorkingDayCalendar.england_and_wales(extra_bank_holidays=added)
    assert england.extra_bank_holidays == {}
    assert england.is_working_day(date(2031, 6, 9))
    assert england != WorkingDayCalendar.england_and_wales()
    assert england.fingerprint == WorkingDayCalendar.england_and_wales().fingerprint
    scotland = WorkingDayCalendar.scotland(extra_bank_holidays=england.added_bank_holidays)
    assert scotland.extra_bank_holidays == {date(2031, 6, 9): "A Scottish day"}
    assert pickle.loads(pickle.dumps(england)) == england
