"""An attacker's solver over a published report: can any hidden count be worked back?

Each hidden count is an unknown integer of at least 1. Every relation the report's ledger
declares (sums in any table, breakdowns of one figure, parts at most their whole), and every
published percentage with a hidden part, constrains the unknowns. For each hidden count the
solver finds its smallest and largest possible value (integer programs, solved by HiGHS through
scipy); a count whose smallest and largest are equal has one completion only: a leak.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from complaintflow.report.disclosure import Ledger, Path

#: A published percentage is rounded to one decimal place, so it pins its ratio to within this.
HALF_STEP = 0.05


def value_at(data: Any, path: Path) -> Any:
    """The value at a path of keys in a report's JSON form."""
    for key in path:
        data = data[key]
    return data


def leaves(data: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every leaf of a report's JSON form, and every key, by its path."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield (*path, str(key)), key
            yield from leaves(value, (*path, str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from leaves(value, (*path, str(index)))
    else:
        yield path, data


def leaks(ledger: Ledger, data: Mapping[str, Any]) -> list[Path]:
    """The hidden counts of a published report that have a single completion."""
    hidden = sorted(path for path, value in ledger.counts.items() if value is None)
    if not hidden:
        return []
    column = {path: index for index, path in enumerate(hidden)}
    rows, lower, upper = [], [], []

    def add(coefficients: np.ndarray, low: float, high: float) -> None:
        rows.append(coefficients)
        lower.append(low)
        upper.append(high)

    for terms, low, high in ledger.relations():  # every sum, breakdown and limit the page shows
        coefficients, constant = np.zeros(len(hidden)), 0
        for path, sign in terms.items():
            if path in column:
                coefficients[column[path]] += sign
            else:
                constant += sign * (ledger.counts[path] or 0)
        if coefficients.any():
            add(coefficients, low - constant, high - constant)
        else:
            assert low <= constant <= high, f"a published relation does not hold: {terms}"
    for printed, made_of in ledger.shares:
        percent = value_at(data, printed[0])
        if not isinstance(percent, float) or not any(path in column for path in made_of):
            continue
        # 100 * numerator / denominator rounds to the percentage printed.
        *numerator, denominator = made_of
        coefficients, constant = np.zeros(len(hidden)), 0.0
        for path, weight in [*((part, 100.0) for part in numerator)]:
            if path in column:
                coefficients[column[path]] += weight
            else:
                constant += weight * (ledger.counts[path] or 0)
        for bound, sign in ((percent + HALF_STEP, 1), (percent - HALF_STEP, -1)):
            row = coefficients.copy()
            fixed = constant
            if denominator in column:
                row[column[denominator]] -= bound
            else:
                fixed -= bound * (ledger.counts[denominator] or 0)
            if sign > 0:
                add(row, -np.inf, -fixed)
            else:
                add(row, -fixed, np.inf)
    constraints = [LinearConstraint(csr_array(np.array(rows)), lower, upper)] if rows else []
    integrality = np.ones(len(hidden))
    bounds = Bounds(np.ones(len(hidden)), np.full(len(hidden), np.inf))
    size = len(hidden)

    def solve(objective: np.ndarray) -> Any:
        return milp(objective, constraints=constraints, integrality=integrality, bounds=bounds)

    first = solve(np.zeros(size))
    assert first.status == 0, "the published report has no completion at all"
    # A count that takes another value in any completion has two; each solve may show many.
    two_valued = np.zeros(size, dtype=bool)
    moved = True
    while moved:  # every open count pushed up together, then down, while that moves any
        before = int(two_valued.sum())
        for sign in (1.0, -1.0):
            other = solve(np.where(two_valued, 0.0, sign))
            if other.status == 0:
                two_valued |= np.round(other.x) != np.round(first.x)
        moved = int(two_valued.sum()) > before and not two_valued.all()
    found = []
    for path, index in column.items():
        for sign in (1.0, -1.0):
            if two_valued[index]:
                break
            objective = np.zeros(size)
            objective[index] = sign
            other = solve(objective)
            if other.status == 0:
                two_valued |= np.round(other.x) != np.round(first.x)
            else:  # unbounded above: more than one value
                two_valued[index] = two_valued[index] or sign < 0
        if not two_valued[index]:
            found.append(path)
    return found
