"""Complaints by team: counted under the team that owned each case at the year's end, in every kind
of report where the council asks, with totals that are the report's own."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from cli_runner import run

from complaintflow.report import ReportSettings, annual_report, records_from_events, reports
from complaintflow.report.model import TeamRow
from complaintflow.testing import sparse_year, with_teams

PROCEDURES = ["children-2006", "housing-2024", "adults-2009", "spso-2021"]
BY_TEAM = ReportSettings(by_team=True)


def _event(kind: str, case_id: str, on: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "case_id": case_id, "on": on, **fields}


def _received(case_id: str, on: str) -> dict[str, Any]:
    return _event("ComplaintReceived", case_id, on, procedure="children-2006", service_area="Fostering")


def _responded(case_id: str, on: str) -> dict[str, Any]:
    return _event("Responded", case_id, on, stage=1, outcome="upheld")


#: Worked by hand for 2024-25 (children's procedure, stage 1 response due in 10 working days):
#: C-1 north, answered in time; C-2 north then south, answered late; C-3 east then nobody, not yet
#: answered; C-4 given to west only after the year's end, answered in time; C-5 received the year
#: before, so not counted; C-6 given to an officer alone, which leaves it with no team.
LOG = [
    _received("C-1", "2024-05-01"),
    _event("Assigned", "C-1", "2024-05-01", team="north", officer="O-1"),
    _responded("C-1", "2024-05-10"),
    _received("C-2", "2024-06-03"),
    _event("Assigned", "C-2", "2024-06-03", team="north"),
    _event("Assigned", "C-2", "2024-06-20", team="south"),
    _responded("C-2", "2024-08-01"),
    _received("C-3", "2024-07-01"),
    _event("Assigned", "C-3", "2024-07-01", team="east"),
    _event("Unassigned", "C-3", "2024-12-02"),
    _received("C-4", "2024-08-01"),
    _responded("C-4", "2024-08-05"),
    _event("Assigned", "C-4", "2025-04-15", team="west"),
    _received("C-5", "2023-05-01"),
    _event("Assigned", "C-5", "2023-05-01", team="north"),
    _responded("C-5", "2023-05-09"),
    _received("C-6", "2024-09-02"),
    _event("Assigned", "C-6", "2024-09-02", team="north"),
    _event("Assigned", "C-6", "2024-09-03", officer="O-2"),
]


def test_counts_by_team_are_those_worked_by_hand() -> None:
    teams = annual_report(LOG, 2024, settings=BY_TEAM).by_team
    assert teams is not None
    assert list(teams.teams) == ["north", "south"]
    assert teams.teams["north"] == TeamRow(received=1, responded=1, in_time=1)
    assert teams.teams["south"] == TeamRow(received=1, responded=1, in_time=0)
    assert teams.no_team == TeamRow(received=3, responded=1, in_time=1)  # C-3, C-4, C-6
    assert teams.total == TeamRow(received=5, responded=3, in_time=2)
    earlier = annual_report(LOG, 2023, settings=BY_TEAM).by_team
    assert earlier is not None and earlier.teams == {"north": TeamRow(received=1, responded=1, in_time=1)}
    assert annual_report(LOG, 2024).by_team is None  # only where the council asks


def test_a_record_knows_the_team_on_any_day_through_assignment_reassignment_and_unassignment() -> None:
    records = {record.stages[1].began: record for record in records_from_events(LOG)}
    moved, dropped, late = records[date(2024, 6, 3)], records[date(2024, 7, 1)], records[date(2024, 8, 1)]
    assert [moved.team_on(date(2024, 6, day)) for day in (2, 3, 19, 20)] == [None, "north", "north", "south"]
    assert [dropped.team_on(date(2024, 12, day)) for day in (1, 2)] == ["east", None]
    assert [late.team_on(date(2025, day, 15)) for day in (3, 4)] == [None, "west"]


def test_a_voided_assignment_counts_nowhere() -> None:
    log = [
        _received("C-1", "2024-05-01"),
        {**_event("Assigned", "C-1", "2024-05-01", team="north"), "event_id": "E-1"},
        _event("EventVoided", "C-1", "2024-05-02", voids="E-1", reason="entered on the wrong case"),
    ]
    teams = annual_report(log, 2024, settings=BY_TEAM).by_team
    assert teams is not None and teams.teams == {} and teams.no_team.received == 1


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_each_kind_s_team_totals_are_the_counts_it_prints_elsewhere(procedure: str) -> None:
    log = with_teams(sparse_year(procedure, 60, year=2026))
    report = reports(records_from_events(log), 2026, only=[procedure], settings=BY_TEAM)[procedure]
    teams = report.by_team
    assert teams is not None and len(teams.teams) == 4
    rows = [*teams.teams.values(), teams.no_team]
    for column in ("received", "responded", "in_time"):
        assert sum(getattr(row, column) for row in rows) == getattr(teams.total, column)
    data = report.model_dump()
    own = {
        "children-2006": lambda: (
            data["counts"]["stage1"],
            data["stage1_timeliness_total"]["responded"],
            data["stage1_timeliness_total"]["in_time"],
        ),
        "housing-2024": lambda: (
            data["stage1"]["received"],
            data["stage1"]["responded"],
            data["stage1"]["responded_in_time"]["numerator"],
        ),
        "adults-2009": lambda: (
            data["received"],
            data["decided"],
            data["responded_within_period"]["numerator"],
        ),
        "spso-2021": lambda: (
            data["received"],
            data["closed"],
            sum(row["within_timescale"]["numerator"] for row in data["closed_at"].values()),
        ),
    }[procedure]()
    assert (teams.total.received, teams.total.responded, teams.total.in_time) == own
    if procedure != "adults-2009":  # every answer in the sample is within reg 14's period
        assert teams.total.in_time < teams.total.responded  # late answers to count


def test_the_command_line_prints_the_table_by_team(capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    import json

    log = tmp_path / "events.jsonl"
    log.write_text("".join(json.dumps(event) + "\n" for event in LOG), encoding="utf-8")
    status, out, _ = run(capsys, "report", str(log), "--year", "2024", "--by-team", "--raw", "--format", "md")
    assert status == 0
    assert "### Complaints by team 2024-25" in out
    assert "| south | 1 | 1 | 0 |" in out and "| No team recorded | 3 | 1 | 1 |" in out
    status, out, _ = run(capsys, "report", str(log), "--year", "2024", "--raw", "--format", "md")
    assert status == 0 and "Complaints by team" not in out
