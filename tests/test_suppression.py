"""Disclosure control: no small count is published, and an attacker cannot work a hidden one back."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from attacker import leaks, leaves, value_at
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaintflow import ComplaintflowError, load_procedure
from complaintflow.report import (
    AnnualReport,
    annual_report,
    publish,
    report_from_log,
    reporting_year,
    to_markdown,
)
from complaintflow.report.disclosure import Ledger, audit, cells_to_hide, pinned_by_sums
from complaintflow.report.suppression import annual_ledger
from complaintflow.testing import event_logs, sparse_year

ROOT = Path(__file__).parents[1]
CHILDREN = load_procedure("children-2006")


@pytest.fixture(scope="module")
def seed_report() -> AnnualReport:
    corporate = load_procedure(ROOT / "examples" / "corporate-procedure.toml")
    return report_from_log(
        ROOT / "examples" / "seed-year" / "events.jsonl", 2012, procedures={"corporate": corporate}
    )


@pytest.mark.parametrize("below", [5, 10])
def test_no_published_count_of_the_seed_year_is_below_the_threshold(
    seed_report: AnnualReport, below: int
) -> None:
    published = publish(seed_report, below)
    small = [
        path
        for path, value in leaves(published.model_dump(exclude={"suppress_below"}))
        if type(value) is int and 0 < value < below
    ]
    assert small == []
    assert published.stage3 == [] and ["stage3"] in published.suppressed


@pytest.mark.parametrize("below", [5, 10])
def test_no_printed_table_cell_of_the_seed_year_is_a_small_count(
    seed_report: AnnualReport, below: int
) -> None:
    """What the page says is true of what it prints: no table shows a count from 1 to N-1."""
    text = to_markdown(publish(seed_report, below))
    cells = [
        cell.strip()
        for line in text.splitlines()
        if line.startswith("| ")
        for cell in line.strip("|").split("|")
    ]
    counts = [int(cell) for cell in cells if cell.isdigit()]
    assert counts and all(count == 0 or count >= below for count in counts)
    assert f"Counts from 1 to {below - 1} are withheld" in text


@pytest.mark.parametrize("below", [5, 10])
def test_an_attacker_cannot_work_back_any_hidden_cell_of_the_seed_year(
    seed_report: AnnualReport, below: int
) -> None:
    published = publish(seed_report, below).model_dump()
    ledger = annual_ledger(published)
    assert sum(value is None for value in ledger.counts.values()) > 20  # the test has cells to attack
    assert leaks(ledger, published) == []


def test_the_reviewers_bme_example_no_longer_gives_the_hidden_counts_back(seed_report: AnnualReport) -> None:
    """Stage 2 2012-13: "80.0 %" of 12 forced Known 10, BME 8 and Not known 2."""
    published = publish(seed_report, 5)
    stage2 = published.equalities["stage2"]
    assert stage2.ethnicity["Not known"] is None
    shown = stage2.bme_where_known_by_year["2012-13"]
    assert shown.percent is None or None not in (shown.numerator, shown.denominator)
    assert shown.denominator is None or stage2.ethnicity["Total"] is None


def test_percentages_are_hidden_with_their_parts(seed_report: AnnualReport) -> None:
    published = publish(seed_report, 5).model_dump()
    ledger = annual_ledger(published)
    for printed, made_of in ledger.shares:
        if any(ledger.counts[path] is None for path in made_of):
            assert all(value_at(published, path) is None for path in printed), printed


def test_every_relation_in_the_ledger_holds_in_the_seed_year(seed_report: AnnualReport) -> None:
    ledger = annual_ledger(seed_report.model_dump())
    assert ledger.limits and ledger.balances  # inequalities and breakdowns, not only sums
    for terms, low, high in ledger.relations():
        assert low <= sum(c * (ledger.counts[path] or 0) for path, c in terms.items()) <= high, terms


def test_every_hidden_cell_is_listed_and_was_really_hidden(seed_report: AnnualReport) -> None:
    published = publish(seed_report, 5)
    data = published.model_dump()
    for path in published.suppressed:
        if path == ["learning_actions", "actions", "status"]:  # every action's status
            assert {action["status"] for action in data["learning_actions"]["actions"]} == {"withheld"}
        else:
            assert value_at(data, tuple(path)) in (None, []), path


def test_headline_counts_are_hidden_only_where_they_are_small(seed_report: AnnualReport) -> None:
    published = publish(seed_report, 5)
    assert published.counts.stage1 == seed_report.counts.stage1 == 89
    assert published.counts.stage2 == seed_report.counts.stage2 == 12
    assert published.counts.stage3 is None  # 2 complaints


def test_the_list_of_learning_actions_never_gives_a_withheld_count_back(seed_report: AnnualReport) -> None:
    published = publish(seed_report, 5).learning_actions
    assert published.completed is None and seed_report.learning_actions.completed == 4
    assert len(published.actions) == published.agreed == 17
    assert {action.status for action in published.actions} == {"withheld"}
    assert "; completed)" not in to_markdown(publish(seed_report, 5))
    assert {action.status for action in publish(seed_report, 4).learning_actions.actions} != {"withheld"}


def test_a_published_report_is_not_published_again_with_another_threshold(seed_report: AnnualReport) -> None:
    published = publish(seed_report, 5)
    assert publish(published, 5) is published
    with pytest.raises(ComplaintflowError, match="published with 5"):
        publish(published, 10)


def test_a_threshold_of_one_or_less_changes_nothing(seed_report: AnnualReport) -> None:
    assert publish(seed_report, 1) == seed_report


def _ledger(
    counts: dict[str, int], sums: list[tuple[list[str], str]]
) -> tuple[Ledger, dict[tuple[str, ...], int]]:
    ledger = Ledger()
    for name, value in counts.items():
        ledger.count((name,), value)
    for parts, total in sums:
        ledger.add_sum([(part,) for part in parts], (total,))
    return ledger, {(name,): value for name, value in counts.items()}


def test_two_small_cells_adding_up_to_two_are_both_known_so_the_total_goes_too() -> None:
    ledger, values = _ledger({"a": 1, "b": 1, "c": 40, "t": 42}, [(["a", "b", "c"], "t")])
    hidden = cells_to_hide(ledger, 5)
    assert hidden == {("a",), ("b",), ("c",)}
    assert audit(ledger, values, hidden) == []
    assert audit(ledger, values, {("a",), ("b",)}) == [("a",), ("b",)]


def test_a_cell_fixed_by_two_overlapping_sums_is_found() -> None:
    """Known - BME = White Other alone: the sums fix it whatever the others are."""
    ledger, values = _ledger(
        {"bme1": 3, "bme2": 4, "white": 2, "unknown": 9, "total": 18, "bme": 7, "known": 9},
        [
            (["bme1", "bme2", "white", "unknown"], "total"),
            (["bme1", "bme2"], "bme"),
            (["bme1", "bme2", "white"], "known"),
        ],
    )
    system_cells = {("bme1",), ("bme2",), ("white",)}
    from complaintflow.report.disclosure import equations

    assert ("white",) in pinned_by_sums(equations(ledger, system_cells))
    hidden = cells_to_hide(ledger, 5)
    assert audit(ledger, values, hidden) == []


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(log=event_logs(CHILDREN, min_cases=4, max_cases=14, max_events=8), below=st.integers(2, 6))
def test_an_attacker_cannot_work_back_any_hidden_cell_of_a_generated_year(
    log: list[dict[str, Any]], below: int
) -> None:
    report = annual_report(log, reporting_year(date.fromisoformat(log[0]["on"])))
    ledger = annual_ledger(report.model_dump())
    for terms, low, high in ledger.relations():
        assert low <= sum(c * (ledger.counts[path] or 0) for path, c in terms.items()) <= high, terms
    published = publish(report, below).model_dump()
    assert leaks(annual_ledger(published), published) == []


def test_an_attacker_cannot_work_back_any_cell_of_a_sparse_year() -> None:
    """300 complaints over 12 services and 25 categories: hundreds of small cells, linked by sums."""
    published = publish(annual_report(sparse_year("children-2006", 300), 2012), 5).model_dump()
    ledger = annual_ledger(published)
    assert sum(value is None for value in ledger.counts.values()) > 150
    assert leaks(ledger, published) == []


def test_publishing_without_scipy_says_how_to_install_it(
    seed_report: AnnualReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    for module in ("scipy", "scipy.optimize", "scipy.sparse"):  # as if it were not installed
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ComplaintflowError, match=r"complaintflow\[publish\]"):
        publish(seed_report, 5)
    assert publish(seed_report, 0) is seed_report  # raw counts need no solver


def test_the_solver_finds_counts_that_only_inequalities_give_away() -> None:
    """a + b = 6 leaves a from 1 to 5; a printed count of 4 that a is at most and at least (as the
    mentions of a service are at least its complaints, and each at most) pins a to 4 and b to 2."""
    ledger, values = _ledger({"a": 4, "b": 2, "total": 6, "w": 4}, [(["a", "b"], "total")])
    assert audit(ledger, values, {("a",), ("b",)}) == []
    ledger.at_most([("a",)], ("w",))
    ledger.at_most([("w",)], ("a",))
    assert audit(ledger, values, {("a",), ("b",)}) == [("a",), ("b",)]
    hidden = cells_to_hide(ledger, 5)
    assert ("w",) in hidden and audit(ledger, values, hidden) == []


def test_the_ledger_attacker_works_back_two_withheld_counts_that_add_up_to_two() -> None:
    ledger, _ = _ledger({"a": 1, "b": 1, "c": 40, "t": 42}, [(["a", "b", "c"], "t")])
    ledger.counts.update({("a",): None, ("b",): None})
    assert leaks(ledger, {}) == [("a",), ("b",)]
    ledger.counts[("c",)] = None  # c is withheld too: a, b and c have other values
    assert leaks(ledger, {}) == []


def test_a_small_number_of_voided_events_is_withheld_like_any_count() -> None:
    log = [
        {"type": "ComplaintReceived", "case_id": "C-1", "on": "2012-05-01", "procedure": "children-2006"},
        {
            "type": "Responded",
            "case_id": "C-1",
            "on": "2012-05-10",
            "stage": 1,
            "outcome": "upheld",
            "event_id": "e1",
        },
        {
            "type": "EventVoided",
            "case_id": "C-1",
            "on": "2012-05-11",
            "voids": "e1",
            "reason": "entered in error",
        },
    ]
    report = annual_report(log, 2012)
    assert report.events_voided == 1 and publish(report, 5).events_voided is None
