"""A reader of the printed page cannot work back any withheld count, from one report or from two
of the council's publications together (tests/page_attacker.py says how it attacks). Every pair is
attacked by the ledger attacker too (tests/attacker.py), over both pages' ledgers together."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from attacker import leaks
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from page_attacker import Page, Reader

from complaintflow import load_procedure
from complaintflow.report import (
    Publication,
    Report,
    publication,
    publish,
    records_from_events,
    records_from_log,
    reporting_year,
    reports,
    to_csv,
    to_markdown,
)
from complaintflow.report.disclosure import Earlier, Ledger, percentages_to_hide
from complaintflow.report.forms import KINDS, build, kind_of
from complaintflow.report.publications import earlier_knowledge
from complaintflow.report.solver import Relation
from complaintflow.report.tables import ReportSettings
from complaintflow.testing import event_logs, sparse_year, with_teams

ROOT = Path(__file__).parents[1]
SEED = ROOT / "examples" / "seed-year" / "events.jsonl"
PROCEDURES = ["children-2006", "housing-2024", "lgsco-2026", "adults-2009", "spso-2021"]


def _page(report: Report, procedures: str) -> Page:
    return Page.read(procedures, report.year, to_csv(report), to_markdown(report))


def _published(
    report: Report, below: int, procedures: str, earlier: list[Publication] | None = None
) -> tuple[Report, Page]:
    published = publish(report, below, earlier=earlier or [], procedures=procedures, republish=True)
    if earlier:
        assert _ledger_leaks(report, published, procedures, earlier) == []
    return published, _page(published, procedures)


class _JointLedger(Ledger):
    """The ledger attacker's view of a page and the publications before it: this page's counts
    (withheld ones unknown, those printed before known), the earlier pages' printed and withheld
    counts, and every relation of every page and between them."""

    def __init__(self, published: Ledger, truth: Ledger, earlier: Earlier) -> None:
        counts = dict(published.counts)
        counts.update({path: truth.counts[path] for path in earlier.known_here})
        counts.update(earlier.printed)
        counts.update(dict.fromkeys(earlier.withheld))
        super().__init__(counts=counts, shares=published.shares)
        self.own, self.earlier = published, earlier

    def relations(self) -> list[Relation]:
        return [*self.own.relations(), *self.earlier.relations]


def _ledger_leaks(
    report: Report, published: Report, procedures: str, earlier: list[Publication]
) -> list[Any]:
    """What the ledger attacker works back from this publication and the earlier ones together:
    this page's withheld counts and the earlier pages' alike."""
    truth = kind_of(report).ledger(report.model_dump())
    ledgers = {name: kind.ledger for name, kind in KINDS.items()}
    known = earlier_knowledge(truth, report.year, procedures, earlier, ledgers)
    data = published.model_dump()
    return leaks(_JointLedger(kind_of(published).ledger(data), truth, known), data)


@pytest.fixture(scope="module")
def seed_records() -> list[Any]:
    corporate = load_procedure(ROOT / "examples" / "corporate-procedure.toml")
    return list(records_from_log(SEED, procedures={"corporate": corporate}))


def _seed(records: list[Any], year: int, only: list[str] | None = None) -> tuple[Report, str]:
    """The seed log's children's report of the procedures in `only` (all of them where none)."""
    from complaintflow.report import of_procedures

    named = "+".join(only) if only else "all"
    chosen = of_procedures(records, only)
    return build("children", chosen, year, procedure=named, settings=ReportSettings()), named


@pytest.mark.parametrize("below", [5, 10])
def test_the_seed_year_gives_no_withheld_count_back_to_a_reader_of_the_page(
    seed_records: list[Any], below: int
) -> None:
    report, named = _seed(seed_records, 2012)
    _, page = _published(report, below, named)
    reader = Reader([page])
    assert len(reader.withheld) > 100 and len(reader.relations) > 200  # there is something to attack
    assert reader.single_valued() == []
    counts = page.tables["counts"][1][0]  # the headline counts stay published
    assert counts[:4] == ["2012-13", "41", "89", "12"]


def test_the_reader_works_back_counts_that_only_small_counts_are_withheld_from(
    seed_records: list[Any],
) -> None:
    """The attacker has teeth: with the small counts alone withheld, it finds dozens."""
    report, named = _seed(seed_records, 2012)
    data = report.model_dump()
    ledger = kind_of(report).ledger(data)
    small = {path for path, value in ledger.counts.items() if value and value < 5}
    for path in small | percentages_to_hide(ledger, small):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = None
    data.update(suppress_below=5, suppressed=[list(path) for path in small])
    weak = type(report).model_validate(data)
    assert len(Reader([_page(weak, named)]).single_valued()) > 20


def _kind_report(procedure: str, log: list[dict[str, Any]], year: int) -> Report:
    return reports(records_from_events(log), year, only=[procedure])[procedure]


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_a_sparse_year_of_every_kind_gives_nothing_back(procedure: str) -> None:
    """Few complaints over many services: most counts are small."""
    report = _kind_report(procedure, sparse_year(procedure, 60, year=2026), 2026)
    _, page = _published(report, 5, procedure)
    reader = Reader([page])
    assert reader.withheld  # the year has withheld counts to attack
    assert reader.single_valued() == []


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_a_sparse_year_by_team_of_every_kind_gives_nothing_back(procedure: str) -> None:
    """The table by team beside every other table: its rows add up to a total the report prints
    elsewhere, so a withheld team count is protected against all of them; the ledger attacker and
    the page attacker both find nothing."""
    log = with_teams(sparse_year(procedure, 60, year=2026), teams=15)  # a few cases a team
    records = records_from_events(log)
    report = reports(records, 2026, only=[procedure], settings=ReportSettings(by_team=True))[procedure]
    published, page = _published(report, 5, procedure)
    assert leaks(kind_of(published).ledger(published.model_dump()), published.model_dump()) == []
    reader = Reader([page])
    assert any(name[1] == "by-team" for name in reader.withheld)
    assert any(name[1] == "by-team" for terms, _, _ in reader.relations for name in terms)
    assert reader.single_valued() == []


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_the_reader_works_back_a_team_count_withheld_alone(procedure: str) -> None:
    """The page attacker reads the table by team: a single small team count withheld, and nothing
    else, is given back by the row's and the column's sums."""
    log = with_teams(sparse_year(procedure, 60, year=2026), teams=15)
    report = reports(records_from_events(log), 2026, only=[procedure], settings=ReportSettings(by_team=True))
    data = report[procedure].model_dump()
    team = next(name for name, row in data["by_team"]["teams"].items() if 0 < row["received"] < 5)
    data["by_team"]["teams"][team]["received"] = None
    data.update(suppress_below=5, suppressed=[["by_team", "teams", team, "received"]])
    weak = type(report[procedure]).model_validate(data)
    found = Reader([_page(weak, procedure)]).single_valued()
    assert [name[1:3] for name in found] == [("by-team", team)]


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_two_publications_of_every_kind_give_nothing_back(procedure: str) -> None:
    """The same year at 5 and then at 10, and next year's report after this year's."""
    log = sparse_year(procedure, 25, year=2026) + sparse_year(procedure, 25, year=2027, seed=7)
    this = _kind_report(procedure, log, 2026)
    first, page = _published(this, 5, procedure)
    _, again = _published(this, 10, procedure, [publication(first, procedure)])
    assert Reader([page, again]).single_valued() == []
    _, next_year = _published(
        _kind_report(procedure, log, 2027), 5, procedure, [publication(first, procedure)]
    )
    assert Reader([page, next_year]).single_valued() == []


def test_the_seed_year_at_two_thresholds_gives_nothing_back(seed_records: list[Any]) -> None:
    report, named = _seed(seed_records, 2012)
    first, page = _published(report, 5, named)
    _, again = _published(report, 10, named, [publication(first, named)])
    reader = Reader([page, again])
    assert reader.single_valued() == []


def test_the_seed_years_consecutive_reports_give_nothing_back(seed_records: list[Any]) -> None:
    last, named = _seed(seed_records, 2011)
    first, page = _published(last, 5, named)
    this, _ = _seed(seed_records, 2012)
    _, later = _published(this, 5, named, [publication(first, named)])
    assert Reader([page, later]).single_valued() == []


def test_the_seed_years_only_combinations_give_nothing_back(seed_records: list[Any]) -> None:
    """The statutory report alone, then the statutory and corporate reports together."""
    alone, alone_name = _seed(seed_records, 2012, ["children-2006"])
    first, page = _published(alone, 5, alone_name)
    together, together_name = _seed(seed_records, 2012, ["children-2006", "corporate"])
    _, later = _published(together, 5, together_name, [publication(first, alone_name)])
    reader = Reader([page, later])
    assert any(relation[1] == -float("inf") and len(relation[0]) == 2 for relation in reader.relations)
    assert reader.single_valued() == []


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_a_generated_year_of_every_kind_gives_nothing_back(procedure: str) -> None:
    definition = load_procedure(procedure)

    @settings(
        max_examples=6,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(log=event_logs(definition, min_cases=3, max_cases=12, max_events=8), below=st.integers(2, 6))
    def check(log: list[dict[str, Any]], below: int) -> None:
        year = reporting_year(date.fromisoformat(log[0]["on"]))
        _, page = _published(_kind_report(procedure, log, year), below, procedure)
        assert Reader([page]).single_valued() == []

    check()
