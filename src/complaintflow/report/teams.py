"""Complaints by team: the table a council asks for with `ReportSettings(by_team=True)`.

Each case counts under the team that owned it at the end of the reporting year (31 March), from
its `Assigned` and `Unassigned` events dated on or before that day; a case no team owned then
counts under "No team recorded". The year's end, not the day the case closed, so that a report of a
past year, once published, stays the same when a case is reassigned later, and so that a case still
open at the year's end counts where it stood.

Each kind of report counts its teams as it counts its own totals, so that the team rows add up to
a figure the report prints elsewhere and disclosure control can see the whole (`team_ledger`):

- children's tables: stage 1 complaints received in the year; of those, responded to, and in time;
- Complaint Handling Code and reg 18: stage 1 complaints received in the year; stage 1 responses
  sent in the year, and those in time;
- SPSO: complaints received in the year (at their first stage); complaints closed in the year at
  any stage, and those closed within the timescale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from complaintflow.report.disclosure import Ledger, Path
from complaintflow.report.model import TeamCounts, TeamRow
from complaintflow.report.published import Cell, Table
from complaintflow.report.records import CaseRecord, StageRecord, reporting_year

#: The row of the cases no team owned at the year's end.
NO_TEAM = "No team recorded"


#: For each kind of report, the cells that print the team table's totals again (None: printed
#: only as the sum of other cells, for SPSO's in-time count).
TOTALS: Mapping[str, tuple[Path, Path, Path | None]] = {
    "children": (
        ("counts", "stage1"),
        ("stage1_timeliness_total", "responded"),
        ("stage1_timeliness_total", "in_time"),
    ),
    "code-performance": (
        ("stage1", "received"),
        ("stage1", "responded"),
        ("stage1", "responded_in_time", "numerator"),
    ),
    "reg18": (("received",), ("decided",), ("responded_within_period", "numerator")),
    "spso": (("received",), ("closed",), None),
}


def _children(record: CaseRecord, year: int) -> tuple[int, int, int]:
    stage = record.stages.get(1)
    if stage is None or reporting_year(stage.began) != year:
        return 0, 0, 0
    return _received(stage)


def _received(stage: StageRecord) -> tuple[int, int, int]:
    """A stage 1 complaint received: responded to, and in time."""
    responded = stage.responded_on is not None
    return 1, int(responded), int(responded and bool(stage.in_time))


def _stage1(record: CaseRecord, year: int) -> tuple[int, int, int]:
    stage = record.stages.get(1)
    if stage is None:
        return 0, 0, 0
    sent = stage.responded_on is not None and reporting_year(stage.responded_on) == year
    return int(reporting_year(stage.began) == year), int(sent), int(sent and bool(stage.in_time))


def _spso(record: CaseRecord, year: int) -> tuple[int, int, int]:
    first = min(record.stages, default=None)
    received = int(first is not None and reporting_year(record.stages[first].began) == year)
    closed: list[StageRecord] = [
        stage
        for stage in record.stages.values()
        if stage.responded_on is not None and reporting_year(stage.responded_on) == year
    ]
    return received, len(closed), sum(bool(stage.in_time_unextended) for stage in closed)


_COUNTING = {"children": _children, "code-performance": _stage1, "reg18": _stage1, "spso": _spso}


def team_counts(records: Iterable[CaseRecord], year: int, kind: str) -> TeamCounts:
    """Each team's complaints in the year from 1 April `year`, as the report of `kind` counts them;
    teams in order of their references, with a row for every team that owned a case counted."""
    count = _COUNTING[kind]
    year_end = year_end_of(year)
    sums: dict[str | None, list[int]] = {}
    for record in records:
        found = count(record, year)
        if any(found):
            add_team_counts(sums, record.team_on(year_end), found)
    return team_rows(sums)


def year_end_of(year: int) -> date:
    """The last day of the reporting year from 1 April `year`: a case counts under its team then."""
    return date(year + 1, 3, 31)


def children_team(record: CaseRecord) -> tuple[int, str | None, tuple[int, int, int]] | None:
    """Where the children's team table counts a case, whatever year a report asks: the year its
    stage 1 began (the only year it counts in), the team that owned it at that year's end, and
    its counts; None for a case with no stage 1."""
    stage = record.stages.get(1)
    if stage is None:
        return None
    year = reporting_year(stage.began)
    team = record.team_on(year_end_of(year)) if record.teams else None
    return year, team, _received(stage)


def add_team_counts(sums: dict[str | None, list[int]], team: str | None, found: Sequence[int]) -> None:
    """Add one case's (or one tally's) received, responded and in time to its team's row."""
    row = sums.setdefault(team, [0, 0, 0])
    for index, value in enumerate(found):
        row[index] += value


def team_rows(sums: Mapping[str | None, Sequence[int]]) -> TeamCounts:
    """The table from each team's received, responded and in time (None: no team)."""

    def row(values: Sequence[int]) -> TeamRow:
        return TeamRow(received=values[0], responded=values[1], in_time=values[2])

    total = [sum(values[index] for values in sums.values()) for index in range(3)]
    return TeamCounts(
        teams={team: row(sums[team]) for team in sorted(team for team in sums if team is not None)},
        no_team=row(sums.get(None, [0, 0, 0])),
        total=row(total),
    )


_COLUMNS = ("received", "responded", "in_time")

#: Each kind's words for the three columns, as its other tables name the same counts.
HEADERS: Mapping[str, tuple[str, str, str]] = {
    "children": ("Stage 1 received", "Responded", "In time"),
    "code-performance": (
        "Stage 1 received",
        "Stage 1 responses sent",
        "Responded within the Code's timescales",
    ),
    "reg18": (
        "Complaints received",
        "Complaints decided (response sent)",
        "Answered within the response period",
    ),
    "spso": ("Complaints received", "Complaints closed", "Closed within the timescale"),
}


def team_ledger(ledger: Ledger, data: Mapping[str, Any], kind: str) -> None:
    """Add the team table's counts to a report's ledger: each column's rows add up to its total,
    in time is at most responded, and each total is the same count the report prints elsewhere."""
    teams = data.get("by_team")
    if not teams:
        return
    rows: list[Path] = [("by_team", "teams", team) for team in teams["teams"]]
    rows.append(("by_team", "no_team"))
    for column in _COLUMNS:
        for path in rows:
            ledger.count((*path, column), _value(data, (*path, column)))
        ledger.count(("by_team", "total", column), teams["total"][column])
        ledger.add_sum([(*path, column) for path in rows], ("by_team", "total", column))
    for path in [*rows, ("by_team", "total")]:
        ledger.at_most([(*path, "in_time")], (*path, "responded"))
    received, responded, in_time = TOTALS[kind]
    for column, elsewhere in (("received", received), ("responded", responded), ("in_time", in_time)):
        if elsewhere is not None:
            ledger.same(("by_team", "total", column), elsewhere)
    if in_time is None:  # SPSO prints the closed in time by stage only
        parts = [("closed_at", name, "within_timescale", "numerator") for name in data["closed_at"]]
        ledger.add_sum(parts, ("by_team", "total", "in_time"))


def _value(data: Mapping[str, Any], path: Path) -> Any:
    for key in path:
        data = data[key]
    return data


def team_table(teams: TeamCounts | None, year: str, kind: str) -> list[Table]:
    """The team table, where the council asked for one."""
    if teams is None:
        return []
    rows: list[list[Cell]] = [
        [label, row.received, row.responded, row.in_time]
        for label, row in [*teams.teams.items(), (NO_TEAM, teams.no_team), ("Total", teams.total)]
    ]
    return [
        Table(
            "by-team",
            f"Complaints by team {year}",
            "",
            ["Team", *HEADERS[kind]],
            rows,
            note="Each complaint is counted under the team that owned it at the end of the year.",
        )
    ]
