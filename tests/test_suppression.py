"""Disclosure control: no small count is published, and no hidden cell can be worked back."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from complaintflow import load_procedure
from complaintflow.report import AnnualReport, report_from_log
from complaintflow.report.suppression import cells_to_hide, protected, suppress

ROOT = Path(__file__).parents[1]
counts = st.integers(0, 30)
thresholds = st.integers(2, 10)


@pytest.fixture(scope="module")
def seed_report() -> AnnualReport:
    corporate = load_procedure(ROOT / "examples" / "corporate-procedure.toml")
    return report_from_log(
        ROOT / "examples" / "seed-year" / "events.jsonl", 2012, procedures={"corporate": corporate}
    )


@given(row=st.dictionaries(st.text("abcdefgh", min_size=1, max_size=3), counts, max_size=8), below=thresholds)
def test_a_published_row_hides_every_small_count_and_cannot_be_worked_back(
    row: dict[str, int], below: int
) -> None:
    values = {**row, "Total": sum(row.values())}
    hidden = cells_to_hide(values, [(list(row), "Total")], below)
    assert all(not 0 < value < below for cell, value in values.items() if cell not in hidden)
    if "Total" not in hidden:
        assert protected(list(row), values, hidden)
        secret = [cell for cell in row if cell in hidden]
        # With a published total, at least two hidden cells share more than their minimum.
        assert not secret or (len(secret) >= 2 and sum(values[c] for c in secret) > len(secret))


@given(
    grid=st.lists(st.lists(counts, min_size=3, max_size=3), min_size=1, max_size=6),
    below=thresholds,
)
def test_a_grid_protects_its_rows_and_its_columns(grid: list[list[int]], below: int) -> None:
    values: dict[tuple[int, int], int] = {}
    groups = []
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            values[(r, c)] = value
        values[(r, -1)] = sum(row)
        groups.append(([(r, c) for c in range(3)], (r, -1)))
    for c in range(3):
        groups.append(([(r, c) for r in range(len(grid))], None))
    hidden = cells_to_hide(values, groups, below)
    assert all(not 0 < v < below for cell, v in values.items() if cell not in hidden)
    for members, total in groups:
        secret = [cell for cell in members if cell in hidden]
        if total is not None and total not in hidden:
            assert protected(members, values, hidden)
        if total is None and secret and not protected(members, values, hidden):
            # A column can be left unprotectable only when every non-zero cell of it is hidden.
            assert all(cell in hidden for cell in members if values[cell] > 0)


def test_the_published_seed_report_shows_no_count_below_five(seed_report: AnnualReport) -> None:
    published = suppress(seed_report, 5)
    assert published.suppress_below == 5 and published.suppressed
    for stage in ("stage1", "stage2"):
        equalities = published.equalities[stage]
        tables = [
            equalities.ethnicity,
            equalities.disability,
            *equalities.gender_by_year.values(),
            *equalities.complainant_by_year.values(),
        ]
        for table in tables:
            assert all(value is None or value == 0 or value >= 5 for value in table.values())
    for grid in [*published.nature_stage1.values(), *published.nature_stage2.values()]:
        for row in grid.values():
            assert all(value is None or value == 0 or value >= 5 for value in row.values())
    # The hidden ethnicities cannot be recovered from the BME share's numerator and denominator.
    assert published.equalities["stage1"].bme_where_known.numerator is None
    assert published.equalities["stage1"].bme_where_known.percent == 81.0


def test_every_hidden_cell_is_listed_and_was_really_hidden(seed_report: AnnualReport) -> None:
    published = suppress(seed_report, 5)
    data = published.model_dump()
    for path in published.suppressed:
        node = data
        for key in path:
            node = node[key]
        assert node is None, path


def test_headline_counts_are_never_hidden(seed_report: AnnualReport) -> None:
    published = suppress(seed_report, 5)
    assert published.counts == seed_report.counts
    assert published.stage1_timeliness == seed_report.stage1_timeliness


def test_a_threshold_of_one_or_less_changes_nothing(seed_report: AnnualReport) -> None:
    assert suppress(seed_report, 1) == seed_report
