"""Nothing is printed that the report's ledger does not describe: every count in a table, a note or
the headline is a count of the ledger (whose relations disclosure control proves against), and
every percentage, rate or average is one of its figures worked out from counts.

Each count of the ledger is given a value no real year has (a distinct number from 100,000 up),
and each worked-out figure another; every form is then rendered, and every number it prints must be
one of them. A count printed from anywhere else would show its own value and fail."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from complaintflow.report import Report, ReportSettings, records_from_events, reports, to_csv, to_markdown
from complaintflow.report.forms import kind_of
from complaintflow.testing import sparse_year, with_teams

PROCEDURES = ["children-2006", "housing-2024", "lgsco-2026", "adults-2009", "spso-2021"]
COUNT_FROM, FIGURE_FROM = 100_000, 500_000
HOMES = 4_321


def _tagged(report: Report) -> tuple[Report, set[int], set[str]]:
    """The report with every ledger count and worked-out figure replaced by a value of its own."""
    data = report.model_dump()
    ledger = kind_of(report).ledger(data)
    counts: set[int] = set()
    for number, path in enumerate(sorted(ledger.counts)):
        counts.add(COUNT_FROM + number)
        _write(data, path, COUNT_FROM + number)
    figures: set[str] = set()
    printed = sorted({path for paths, _ in ledger.shares for path in paths})
    for number, path in enumerate(printed):
        if isinstance(_read(data, path), float):
            figures.add(f"{FIGURE_FROM + number}.5")
            _write(data, path, FIGURE_FROM + number + 0.5)
    return type(report).model_validate(data), counts, figures


def _read(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _write(data: Any, path: tuple[str, ...], value: object) -> None:
    _read(data, path[:-1])[path[-1]] = value


@pytest.mark.parametrize("by_team", [False, True])
@pytest.mark.parametrize("procedure", PROCEDURES)
def test_every_printed_number_is_a_cell_of_the_ledger(procedure: str, by_team: bool) -> None:
    log = sparse_year(procedure, 40, year=2027) + sparse_year(procedure, 20, year=2026, seed=3)
    settings = ReportSettings(by_team=by_team)
    records = records_from_events(with_teams(log) if by_team else log)
    report = reports(records, 2027, only=[procedure], homes=HOMES, settings=settings)[procedure]
    tagged, counts, figures = _tagged(report)
    seen = 0
    for name, text in to_csv(tagged).items():
        if name.endswith("-list.csv"):
            continue
        for row in list(csv.reader(io.StringIO(text)))[1:]:
            for cell in row[1:]:
                if cell.isdigit():
                    assert int(cell) in counts or cell == "0" or int(cell) == HOMES, (name, row[0], cell)
                    seen += cell != "0"
                elif re.fullmatch(r"[\d.]+%?", cell):
                    assert cell.rstrip("%") in figures, (name, row[0], cell)
    assert seen > 10
    assert ("by-team" in "".join(to_csv(tagged))) == by_team
    for token in re.findall(r"\d[\d.]*", to_markdown(tagged)):
        number = float(token.rstrip("."))
        if number >= COUNT_FROM:
            assert int(number) in counts or token.rstrip(".") in figures, token
