"""The least and greatest value a reader can give each withheld count: integer programs, solved by
HiGHS through scipy (the publish extra). The one door to scipy.

A reader knows every printed count, every relation the page shows among counts (equalities such
as a total, inequalities such as a part at most its whole), that counts are whole numbers, and
that a withheld count is at least 1 (zeros are printed). A withheld count is safe when two of its
values fit all of that.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from complaintflow.extras import require_extra

#: A cell, by its path of keys (a cell of an earlier publication has that publication's prefix).
Key = tuple[str, ...]
#: A relation among cells: coefficients by cell, and the bounds of their weighted sum.
Relation = tuple[Mapping[Key, int], float, float]


def _scipy() -> Any:
    """scipy's optimize and sparse modules, or MissingExtra naming the publish extra."""
    require_extra("publish", "scipy.optimize", "scipy.sparse", needed_by="withholding small counts")
    from scipy import optimize, sparse

    return optimize, sparse


@dataclass
class System:
    """The reader's integer program over the withheld cells of a page, or of several pages."""

    relations: Sequence[Relation]
    #: The value of every printed cell, and of every cell the reader knew already.
    known: Mapping[Key, int]

    def cap(self, truth: Mapping[Key, int]) -> int:
        """A bound above every value worth trying, so that no program is unbounded: a completion
        found under it is a true one, and a cell whose other values all lie above it is called
        unsafe, which errs towards withholding more."""
        return 2 * (sum(self.known.values()) + sum(truth.values())) + 10

    def components(self, unknown: Collection[Key]) -> list[tuple[list[Key], list[Relation]]]:
        """The unknowns in groups joined by a relation, each with the relations among them, the
        known cells moved to the bounds."""
        parent = {cell: cell for cell in unknown}

        def root(cell: Key) -> Key:
            while parent[cell] != cell:
                parent[cell] = parent[parent[cell]]
                cell = parent[cell]
            return cell

        reduced: list[Relation] = []
        for terms, low, high in self.relations:
            free = {cell: c for cell, c in terms.items() if cell in parent and c}
            if not free:
                continue
            constant = sum(c * self.known.get(cell, 0) for cell, c in terms.items() if cell not in parent)
            reduced.append((free, low - constant, high - constant))
            first, *rest = free
            for other in rest:
                parent[root(other)] = root(first)
        groups: dict[Key, list[Key]] = {}
        for cell in unknown:
            groups.setdefault(root(cell), []).append(cell)
        related: dict[Key, list[Relation]] = {}
        for relation in reduced:
            related.setdefault(root(next(iter(relation[0]))), []).append(relation)
        return [(cells, related.get(key, [])) for key, cells in groups.items()]


def single_valued(
    system: System,
    unknown: Collection[Key],
    truth: Mapping[Key, int],
    protect: Iterable[Key],
    settled: set[Key],
) -> list[Key]:
    """The cells of `protect` that have one value only. `truth` is a completion the reader cannot
    rule out (the true figures, where they are known here); a cell whose value differs from it in
    any other completion has two values, and is added to `settled`, since hiding more cells only
    widens what the reader must allow."""
    wanted = [cell for cell in protect if cell not in settled]
    if not wanted:
        return []
    _scipy()  # a clear message before any work, where scipy is missing
    wanted_set = set(wanted)
    found = []
    for cells, relations in system.components(unknown):
        targets = [cell for cell in cells if cell in wanted_set]
        if not targets:
            continue
        if not relations:  # nothing ties these cells: any value from 1 up will do
            settled.update(targets)
            continue
        found += _one_valued(cells, relations, targets, truth, system.cap(truth), settled)
    return found


def _one_valued(
    cells: list[Key],
    relations: list[Relation],
    targets: list[Key],
    truth: Mapping[Key, int],
    cap: int,
    settled: set[Key],
) -> list[Key]:
    """`single_valued` for one group of cells joined by relations."""
    column = {cell: index for index, cell in enumerate(cells)}
    solve = _program(cells, relations, cap)

    def differing(objective: list[float]) -> None:
        result = solve(objective)
        if result.status == 0 and result.x is not None:
            settled.update(
                cell
                for cell in targets
                if cell in truth and round(float(result.x[column[cell]])) != truth[cell]
            )

    # Push every open cell up together, then down, while that settles any: one solve settles
    # many cells at once; those left are tried one by one.
    progress = True
    while progress:
        progress = False
        for sign in (-1.0, 1.0):
            open_cells = {cell for cell in targets if cell not in settled}
            if open_cells:
                differing([sign if cell in open_cells else 0.0 for cell in cells])
                progress |= any(cell in settled for cell in open_cells)
    found = []
    for cell in targets:
        if cell in settled:
            continue
        for sign in (-1.0, 1.0):
            differing([sign if c == cell else 0.0 for c in cells])
            if cell in settled:
                break
        else:
            found.append(cell)
    return found


def feasible(system: System, unknown: Collection[Key]) -> bool:
    """Whether the relations have any completion at all."""
    return all(
        _program(cells, relations, system.cap({}))([0.0] * len(cells)).status == 0
        for cells, relations in system.components(unknown)
        if relations
    )


def _program(cells: list[Key], relations: list[Relation], cap: int) -> Callable[[list[float]], Any]:
    """A function that minimises an objective over the cells' whole-number completions (each from
    1 to `cap`) under the relations; it returns scipy's result."""
    optimize, sparse = _scipy()
    column = {cell: index for index, cell in enumerate(cells)}
    rows, cols, data = [], [], []
    for number, (terms, _, _) in enumerate(relations):
        for cell, coefficient in terms.items():
            rows.append(number)
            cols.append(column[cell])
            data.append(coefficient)
    matrix = sparse.csr_array((data, (rows, cols)), shape=(len(relations), len(cells)))
    constraint = optimize.LinearConstraint(matrix, [r[1] for r in relations], [r[2] for r in relations])
    bounds = optimize.Bounds([1] * len(cells), [cap] * len(cells))
    integrality = [1] * len(cells)

    def solve(objective: list[float]) -> Any:
        # The relations are mostly sums of +1 and -1, whose linear programs tend to have whole
        # corners: the quicker linear program is tried first, and kept only if it is whole.
        relaxed = optimize.milp(objective, constraints=constraint, bounds=bounds)
        if relaxed.status == 0 and all(abs(value - round(value)) < 1e-6 for value in relaxed.x):
            return relaxed
        return optimize.milp(objective, constraints=constraint, integrality=integrality, bounds=bounds)

    return solve
