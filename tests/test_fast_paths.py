"""The quick paths agree with the plain ones, on generated logs both valid and altered.

- A log read in bulk from JSON Lines (`load_cases`, as `report`, `due` and `case` read it, keeping
  no events) against the same events applied one at a time through `Case.apply`: the same cases,
  the same views, the same first refusal with the same line and words.
- JSON text against dicts: the compiled JSON check and the Python one accept and refuse the same
  events, naming the same field in the same words.
- Whatever either accepts round-trips through the library's own JSON.
- The report and the daily list read from the file in bulk, in one process and by two worker
  processes, against the report of the cases built one event at a time and their daily list; a
  case a bulk replay returned applies events whole again.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaintflow import (
    Case,
    ComplaintflowError,
    EventLogError,
    load_cases,
    load_procedure,
    parse_event,
    replay_cases,
)
from complaintflow.events import EventBase, event_to_json
from complaintflow.reminders import Reminder, due_within
from complaintflow.report import AnnualReport, annual_report, records_from_events, report_from_log
from complaintflow.report.records import CaseRecord, record_of
from complaintflow.report.tables import ReportSettings, build_report
from complaintflow.report.workers import records_in_parallel, reminders_in_parallel
from complaintflow.testing import MINIMAL_PAYLOADS, event_logs, event_sequences, refused_events
from complaintflow.view import CaseView

PROCEDURES = ["children-2006", "housing-2024", "lgsco-2026", "spso-2021", "adults-2009"]
Refusal = tuple[int, str]


@st.composite
def altered_logs(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A valid log of a few cases, then perhaps one change that may make a line refused."""
    procedure = load_procedure(draw(st.sampled_from(PROCEDURES)))
    log = [dict(event) for event in draw(event_logs(procedure, max_cases=4, max_events=8))]
    change = draw(st.sampled_from(["none", "drop", "swap", "repeat", "redate", "retype", "blank"]))
    at = draw(st.integers(0, len(log) - 1))
    if change == "drop" and len(log) > 1:
        del log[at]
    elif change == "swap" and at + 1 < len(log):
        log[at], log[at + 1] = log[at + 1], log[at]
    elif change == "repeat":
        log.insert(at, dict(log[at]))
    elif change == "redate":
        log[at]["on"] = draw(st.dates(date(2009, 1, 1), date(2027, 12, 31))).isoformat()
    elif change == "retype":
        log[at]["type"] = draw(st.sampled_from(sorted(MINIMAL_PAYLOADS)))
    elif change == "blank":
        field = draw(st.sampled_from(sorted(set(log[at]) - {"type", "case_id"})))
        log[at][field] = draw(st.sampled_from(["", " ", None, 0, True, "1712016000"]))
    return log


def one_at_a_time(log: list[dict[str, Any]]) -> tuple[dict[str, Case], Refusal | None]:
    """The plain path: each dict through `Case.apply` of its case, stopping at the first refusal."""
    cases: dict[str, Case] = {}
    for line, event in enumerate(log, start=1):
        try:
            case_id = parse_event(event).case_id
            cases.setdefault(case_id, Case()).apply(event)
        except ComplaintflowError as error:
            return cases, (line, str(error))
    return cases, None


def in_bulk(
    log: list[dict[str, Any]], folder: Path, keep_events: bool
) -> tuple[dict[str, Case], Refusal | None]:
    """The quick path: the same log as a JSON Lines file, read in bulk (as the command line reads
    it, with `keep_events=False`)."""
    path = folder / "log.jsonl"
    path.write_text("".join(json.dumps(event) + "\n" for event in log), encoding="utf-8")
    try:
        return load_cases(path, keep_events=keep_events), None
    except EventLogError as error:
        return {}, (error.line, str(error.error))


def views(cases: dict[str, Case], as_of: date) -> dict[str, CaseView]:
    return {case_id: case.view(as_of, forms=False) for case_id, case in cases.items()}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log=altered_logs(), keep_events=st.booleans())
def test_a_log_read_in_bulk_gives_the_cases_and_refusals_of_events_applied_one_at_a_time(
    tmp_path_factory: pytest.TempPathFactory, log: list[dict[str, Any]], keep_events: bool
) -> None:
    plain, plain_refusal = one_at_a_time(log)
    quick, quick_refusal = in_bulk(log, tmp_path_factory.mktemp("log"), keep_events)
    assert quick_refusal == plain_refusal
    if plain_refusal is None:
        as_of = max(date.fromisoformat(event["on"]) for event in log)
        assert views(quick, as_of) == views(plain, as_of)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log=altered_logs())
def test_the_report_from_a_file_is_the_report_from_the_same_events_given_as_dicts(
    tmp_path_factory: pytest.TempPathFactory, log: list[dict[str, Any]]
) -> None:
    path = tmp_path_factory.mktemp("log") / "log.jsonl"
    path.write_text("".join(json.dumps(event) + "\n" for event in log), encoding="utf-8")
    days = [event["on"] for event in log if re.fullmatch(r"\d{4}-\d\d-\d\d", str(event.get("on")))]
    year = min(days, default="2015")[:4]
    try:
        from_dicts = annual_report(log, int(year))
    except ComplaintflowError as error:
        with pytest.raises(EventLogError) as refused:
            report_from_log(path, int(year), jobs=1)
        assert str(refused.value.error) == str(error.error if isinstance(error, EventLogError) else error)
        return
    assert report_from_log(path, int(year), jobs=1) == from_dicts


#: Values that one reading might take and another refuse: numbers written as text, truth values
#: for numbers, dates with something after them, empty and blank text, control characters, huge
#: numbers, the wrong kind of container.
TRICKY = st.sampled_from(
    [
        "1712016000",
        1712016000,
        True,
        False,
        0,
        1,
        -1,
        2,
        3,
        2**70,
        1.0,
        1.5,
        "",
        " ",
        "1",
        "2024-04-02",
        "2024-04-02\n",
        "2024-4-2",
        "2024-02-30",
        "2024-04-02T00:00:00",
        "20240402",
        "C-1\n",
        "C-\x001",
        "upheld",
        "children-2006",
        None,
        [],
        ["PM-1", "PM-2", "PM-3"],
        [{"id": "1", "finding": "upheld"}],
        {},
        {"gender": "female"},
        "x" * 5000,
    ]
)


@st.composite
def near_valid_events(draw: st.DrawFn) -> dict[str, Any]:
    """A valid event of any type with some of its fields given awkward values, or a field added."""
    event_type = draw(st.sampled_from(sorted(MINIMAL_PAYLOADS)))
    event: dict[str, Any] = {"type": event_type, "case_id": "C-1", "on": "2024-04-02"}
    event.update(MINIMAL_PAYLOADS[event_type])
    fields = sorted(EventBase.model_fields) + sorted(type(parse_event(event)).model_fields)
    for field in draw(st.lists(st.sampled_from(fields), max_size=3, unique=True)):
        if field != "type":
            event[field] = draw(TRICKY)
    return event


def reading(obj: object) -> tuple[str, object]:
    try:
        return "accepted", parse_event(obj)
    except ComplaintflowError as error:
        return "refused", str(error)


@settings(max_examples=600, deadline=None)
@given(event=near_valid_events())
def test_json_text_and_a_dict_are_accepted_and_refused_alike_in_the_same_words(event: dict[str, Any]) -> None:
    assert reading(json.dumps(event)) == reading(event)


@settings(max_examples=300, deadline=None)
@given(event=near_valid_events())
def test_whatever_is_accepted_round_trips_through_the_library_s_own_json(event: dict[str, Any]) -> None:
    verdict, parsed = reading(event)
    if verdict == "accepted":
        assert isinstance(parsed, EventBase)
        line = event_to_json(parsed)
        assert parse_event(line) == parsed
        assert parse_event(json.loads(line)) == parsed
        assert event_to_json(parse_event(line)) == line


def records_kept_whole(log: list[dict[str, Any]]) -> list[CaseRecord]:
    """Each case's record read from its clocks at the end, with every case kept whole to then."""
    records: dict[str, CaseRecord] = {}
    cases = replay_cases(
        log,
        keep_events=False,
        observe=lambda event: records.setdefault(event.case_id, CaseRecord()).add(event),
    )
    for case_id, case in cases.items():
        records[case_id].finish(case)
    return list(records.values())


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log=altered_logs())
def test_a_report_that_lets_go_of_closed_cases_clocks_counts_as_one_that_keeps_every_case_whole(
    log: list[dict[str, Any]],
) -> None:
    try:
        whole = records_kept_whole(log)
    except ComplaintflowError:
        return  # a refused log: the refusals are compared above
    settled: list[Case] = []
    records = list(records_from_events(log))
    assert records == whole
    replay_cases(log, keep_events=False, settle=lambda case_id, case: settled.append(case))
    for case in settled:
        assert not case.open and case.clocks() == {}


def test_letting_go_of_clocks_needs_a_replay_that_keeps_no_events() -> None:
    with pytest.raises(ValueError, match="keep_events=False"):
        replay_cases([], settle=lambda case_id, case: None)


def reminders_from_views(cases: list[Case], as_of: date, within: int) -> list[Reminder]:
    """The daily list as each case's view shows it: the plain reading of the quick `due_within`."""
    found = []
    for case in cases:
        view = case.view(as_of)
        for deadline in view.deadlines:
            remaining = deadline.remaining_working_days
            if deadline.due is None or deadline.status not in ("pending", "overdue"):
                continue
            if deadline.status == "overdue" or (remaining is not None and remaining <= within):
                found.append(
                    Reminder(
                        case_id=view.case_id or "",
                        procedure=view.procedure or "",
                        deadline=deadline.name,
                        kind=deadline.kind,
                        stage=deadline.stage,
                        due=deadline.due,
                        status=deadline.status,
                        remaining_working_days=remaining,
                        state=view.state,
                        service_area=view.service_area,
                        officer=view.owner.officer if view.owner else None,
                        team=view.owner.team if view.owner else None,
                    )
                )
    return sorted(found, key=lambda reminder: (reminder.due, reminder.case_id, reminder.deadline))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log=altered_logs(), later=st.integers(-60, 400), within=st.integers(0, 25))
def test_the_daily_list_read_from_clocks_is_the_list_each_case_s_view_gives(
    log: list[dict[str, Any]], later: int, within: int
) -> None:
    cases, refused = one_at_a_time(log)
    days = [case.last_event_on for case in cases.values() if case.last_event_on is not None]
    if refused is not None or not days:
        return
    as_of = max(days) + timedelta(days=later)  # before the last event too: cases replayed to then
    listed = due_within(cases.values(), as_of=as_of, within=within)
    assert listed == reminders_from_views(list(cases.values()), as_of, within)


def written(log: list[dict[str, Any]], folder: Path) -> Path:
    path = folder / "log.jsonl"
    path.write_text("".join(json.dumps(event) + "\n" for event in log), encoding="utf-8")
    return path


def well_formed_days(log: list[dict[str, Any]]) -> list[str]:
    """The dates of the log's events that are real days, as written."""
    found = []
    for event in log:
        day = str(event.get("on"))
        if re.fullmatch(r"\d{4}-\d\d-\d\d", day):
            try:
                found.append(date.fromisoformat(day).isoformat())
            except ValueError:
                continue
    return found


def report_year(log: list[dict[str, Any]]) -> int:
    """The reporting year of the log's first well-formed date (2015 where there is none)."""
    first = date.fromisoformat(min(well_formed_days(log), default="2015-06-01"))
    return first.year if first.month >= 4 else first.year - 1


def public_report(cases: dict[str, Case], year: int) -> AnnualReport:
    """The report of cases each built one event at a time, from the record each case's events
    make (`record_of`), in the order the cases first appeared."""
    return build_report([record_of(case) for case in cases.values()], year, ReportSettings())


def bulk_report(path: Path, year: int, jobs: int) -> AnnualReport | Refusal:
    """The report read from the file in bulk, or its refusal: the line and the words."""
    try:
        if jobs == 1:
            return report_from_log(path, year, jobs=1)
        records = records_in_parallel(path, jobs)  # as many workers as asked, whatever the cores
        assert records is not None
        return build_report(records, year, ReportSettings())
    except EventLogError as error:
        return error.line, str(error.error)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log=altered_logs())
def test_the_report_read_in_bulk_is_the_report_of_cases_built_one_event_at_a_time(
    tmp_path_factory: pytest.TempPathFactory, log: list[dict[str, Any]]
) -> None:
    plain, refusal = one_at_a_time(log)
    year = report_year(log)
    expected = refusal if refusal is not None else public_report(plain, year)
    assert bulk_report(written(log, tmp_path_factory.mktemp("log")), year, jobs=1) == expected


def daily_list_in_bulk(path: Path, as_of: date, within: int, jobs: int) -> list[Reminder] | Refusal:
    """`due` as the command line reads a log: in bulk up to the day, keeping no events."""
    try:
        if jobs == 1:
            cases = load_cases(path, until=as_of, keep_events=False)
            return due_within(cases.values(), as_of=as_of, within=within)
        listed = reminders_in_parallel(path, jobs, as_of=as_of, within=within)
        assert listed is not None
        return listed
    except EventLogError as error:
        return error.line, str(error.error)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log=altered_logs(), later=st.integers(-60, 400), within=st.integers(0, 25))
def test_the_daily_list_read_in_bulk_is_the_list_of_cases_built_one_event_at_a_time(
    tmp_path_factory: pytest.TempPathFactory, log: list[dict[str, Any]], later: int, within: int
) -> None:
    plain, refusal = one_at_a_time(log)
    days = [date.fromisoformat(day) for day in well_formed_days(log)]
    as_of = max(days, default=date(2015, 6, 1)) + timedelta(days=later)
    listed = daily_list_in_bulk(written(log, tmp_path_factory.mktemp("log")), as_of, within, jobs=1)
    if refusal is None:
        assert listed == due_within(plain.values(), as_of=as_of, within=within)
    elif later >= 0:  # no line is after the day: every line up to the refused one is read
        assert listed == refusal


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log=altered_logs(), later=st.integers(-30, 200))
def test_two_workers_give_the_report_the_daily_list_and_the_refusal_of_the_one_case_path(
    tmp_path_factory: pytest.TempPathFactory, log: list[dict[str, Any]], later: int
) -> None:
    plain, refusal = one_at_a_time(log)
    path = written(log, tmp_path_factory.mktemp("log"))
    year = report_year(log)
    expected = refusal if refusal is not None else public_report(plain, year)
    assert bulk_report(path, year, jobs=2) == expected
    if refusal is None:
        days = [date.fromisoformat(day) for day in well_formed_days(log)]
        as_of = max(days, default=date(2015, 6, 1)) + timedelta(days=later)
        listed = daily_list_in_bulk(path, as_of, 5, jobs=2)
        assert listed == due_within(plain.values(), as_of=as_of, within=5)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(procedure=st.sampled_from(PROCEDURES).map(load_procedure), data=st.data())
def test_a_case_from_a_bulk_replay_applies_an_event_whole_or_not_at_all(
    procedure: Any, data: st.DataObject
) -> None:
    events = data.draw(event_sequences(procedure, max_events=8))
    replayed = replay_cases(events)["C-1"]  # applied in place while replayed
    fresh = Case.replay(events)
    refused = data.draw(refused_events(replayed, procedure))
    with pytest.raises(ComplaintflowError):
        replayed.apply(refused)
    assert replayed == fresh
    last = replayed.last_event_on
    assert last is not None and replayed.view(last) == fresh.view(last)
