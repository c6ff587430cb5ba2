"""Disclosure control: hide small counts so that no published cell can identify a child.

A count from 1 to N - 1 is hidden (primary suppression). Wherever hidden cells add up to a total
that is still published, more cells are hidden (complementary suppression) until the hidden cells
of every such group number at least two and add up to more than their number, so that the total
cannot be used to work any of them back (each hidden cell is at least 1, so two hidden cells that
add up to 2 would both be known to be 1). Where no cell is left to hide, the total is hidden too.

Zeros are published: a zero says that no child is in a group. In the report, suppression covers
the tables that describe people (equalities, who complained) and the nature-of-complaint tables;
the headline counts and timeliness tables describe the council's performance and are published
as they are.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any, TypeVar

from complaintflow.report.model import AnnualReport

Cell = TypeVar("Cell", bound=Hashable)


def cells_to_hide(
    values: Mapping[Cell, int], groups: Iterable[tuple[list[Cell], Cell | None]], below: int
) -> set[Cell]:
    """The cells to hide among `values`, given groups of cells whose total is published.

    Each group is (its cells, the key of its total or None). A total's key is hidden like any
    cell when the group cannot otherwise be protected.
    """
    groups = list(groups)
    hidden = {cell for cell, value in values.items() if 0 < value < below}
    changed = True
    while changed:
        changed = False
        for members, total in groups:
            if (total is not None and total in hidden) or protected(members, values, hidden):
                continue
            spare = sorted(
                (cell for cell in members if cell not in hidden and values[cell] > 0),
                key=lambda cell: (values[cell], str(cell)),
            )
            if spare:
                hidden.add(spare[0])
                changed = True
            elif total is not None:
                hidden.add(total)
                changed = True
    return hidden


def protected(members: Iterable[Cell], values: Mapping[Cell, int], hidden: set[Cell]) -> bool:
    """Whether a group's hidden cells cannot be worked back from its total: none are hidden, or
    at least two are and they add up to more than their number (each is at least 1)."""
    secret = [cell for cell in members if cell in hidden]
    return not secret or (len(secret) >= 2 and sum(values[cell] for cell in secret) > len(secret))


TOTAL = "Total"


Path = list[str]


def _suppress_row(row: dict[str, int | None], below: int, path: Path, hidden: list[Path]) -> None:
    values = {key: value or 0 for key, value in row.items()}
    members = [key for key in row if key != TOTAL]
    for key in cells_to_hide(values, [(members, TOTAL if TOTAL in row else None)], below):
        row[key] = None
        hidden.append([*path, key])


def _suppress_grid(
    grid: dict[str, dict[str, int | None]], below: int, path: Path, hidden: list[Path]
) -> None:
    """A category x service table with a Total row and a Total column: each row adds up to its
    Total, and each column (the Total column too) to its cell in the Total row; a service's total
    is also published elsewhere in the report."""
    Key = tuple[str, str]
    values: dict[Key, int] = {}
    groups: list[tuple[list[Key], Key | None]] = []
    for category, row in grid.items():
        members: list[Key] = []
        for service, value in row.items():
            values[(category, service)] = value or 0
            if service != TOTAL:
                members.append((category, service))
        groups.append((members, (category, TOTAL)))
    for service in {service for row in grid.values() for service in row}:
        members = [
            (category, service) for category in grid if category != TOTAL and (category, service) in values
        ]
        groups.append((members, (TOTAL, service) if (TOTAL, service) in values else None))
    for category, service in cells_to_hide(values, groups, below):
        grid[category][service] = None
        hidden.append([*path, category, service])


def suppress(report: AnnualReport, below: int) -> AnnualReport:
    """The report with small counts hidden, listing every hidden cell in `suppressed`."""
    if below <= 1:
        return report
    data: dict[str, Any] = report.model_dump()
    hidden: list[Path] = []
    for stage, equalities in data["equalities"].items():
        base = ["equalities", stage]
        for table in ("gender_by_year", "complainant_by_year"):
            for year, row in equalities[table].items():
                _suppress_row(row, below, [*base, table, year], hidden)
        for table in ("ethnicity", "disability"):
            _suppress_row(equalities[table], below, [*base, table], hidden)
        if any(path[:3] == [*base, "ethnicity"] for path in hidden):
            # The BME share's numerator and denominator would let a hidden ethnicity be worked back.
            equalities["bme_where_known"].update(numerator=None, denominator=None)
            for share in equalities["bme_where_known_by_year"].values():
                share.update(numerator=None, denominator=None)
    for stage in ("nature_stage1", "nature_stage2"):
        for year, grid in data[stage].items():
            _suppress_grid(grid, below, [stage, year], hidden)
    data.update(suppress_below=below, suppressed=hidden)
    return AnnualReport.model_validate(data)
