"""Disclosure control for any report: hide small counts, then hide more until none can be worked back.

A report describes its numbers to this module as a `Ledger`, the one its tables are printed from:
every count it publishes (by its path of keys), every relation a reader can see among them (sums
in any table, two breakdowns of one figure, parts at most their whole, the cells that print the
same count twice), and every percentage with its numerator and denominator.

- **Primary suppression**: a count from 1 to `below` - 1 is hidden. Zeros are published.
- **Secondary suppression**: a reader knows every published number, every relation, that counts
  are whole numbers and that each hidden count is at least 1. A hidden count is safe when it has
  two values that fit all of that. A quick search for a *move* (+1 or -1 on some hidden cells that
  keeps every equality) hides first what the sums alone would give away; then the solver
  (complaintflow.report.solver) proves each hidden count has a second value under every equality
  and inequality, and of earlier publications (`Earlier`). While a hidden count has one value, one
  more count is hidden: of those related to it, the first whose hiding gives it a second, trying
  other counts before headline ones, parts before wholes and smaller before larger.
- **Percentages** (and other figures worked out from counts, such as an average or a rate per
  1,000 homes): hidden as well when any count they are made of is hidden.

Where a search gives up, the cell counts as unsafe and more is hidden, so the method errs towards
hiding too much, never too little.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from complaintflow.report.solver import Relation, System, single_valued

Path = tuple[str, ...]

#: How many steps the search for one move may take before the cell counts as unsafe.
SEARCH_STEPS = 20_000
#: How many published counts are tried, one by one, for the one whose hiding protects a cell.
CANDIDATES_TRIED = 24


@dataclass
class Ledger:
    """What a report publishes, as counts and the relations among them."""

    #: Every count, by its path; None where it is already hidden.
    counts: dict[Path, int | None] = field(default_factory=dict)
    #: Counts to hide only when nothing else will do: the headline figures.
    headline: set[Path] = field(default_factory=set)
    #: Published sums: (parts, total), each a path in `counts`.
    sums: list[tuple[list[Path], Path]] = field(default_factory=list)
    #: Two lists of counts with the same sum: (first, second).
    balances: list[tuple[list[Path], list[Path]]] = field(default_factory=list)
    #: Parts whose sum is at most a whole: (parts, whole), each a path in `counts`.
    limits: list[tuple[list[Path], Path]] = field(default_factory=list)
    #: Percentages: (the paths printing it, the counts it is worked out from).
    shares: list[tuple[list[Path], list[Path]]] = field(default_factory=list)

    def count(self, path: Path, value: int | None, *, headline: bool = False) -> Path:
        """Record a count; a headline count is hidden only when nothing else will do."""
        self.counts[path] = value
        if headline:
            self.headline.add(path)
        return path

    def add_sum(self, parts: Iterable[Path], total: Path) -> None:
        self.sums.append((list(parts), total))

    def at_most(self, parts: Iterable[Path], whole: Path) -> None:
        """Counts that together are never more than `whole` (a part of it, or parts that do not
        overlap), as a reader knows."""
        self.limits.append((list(parts), whole))

    def balance(self, first: Iterable[Path], second: Iterable[Path]) -> None:
        """Two breakdowns of one figure that is not printed itself (the responses sent, by
        outcome and by time taken)."""
        self.balances.append((list(first), list(second)))

    def related(self) -> list[tuple[list[Path], Path]]:
        """Every relation as (parts, whole): for a balance, the second list's last count is the
        whole. Only which counts go together matters here, for the search of what to hide."""
        balances = [([*first, *second[:-1]], second[-1]) for first, second in self.balances if second]
        return [*self.sums, *self.limits, *balances]

    def relations(self) -> list[Relation]:
        """Every sum and every limit as a relation for the solver: parts minus whole, equal to 0
        for a sum, at most 0 for a limit."""
        found: list[Relation] = []
        for pairs, low in ((self.sums, 0.0), (self.limits, -float("inf"))):
            for parts, whole in pairs:
                terms: dict[Path, int] = defaultdict(int)
                for part in parts:
                    terms[part] += 1
                terms[whole] -= 1
                found.append((dict(terms), low, 0.0))
        for first, second in self.balances:
            terms = defaultdict(int)
            for path in first:
                terms[path] += 1
            for path in second:
                terms[path] -= 1
            found.append((dict(terms), 0.0, 0.0))
        return found

    def same(self, first: Path, second: Path) -> None:
        """Two cells that print the same count: a sum of one part."""
        self.sums.append(([first], second))

    def percentage(
        self, path: Path, value: Mapping[str, Any], *printed: Path, whole: Path | None = None
    ) -> tuple[Path, Path]:
        """A `Percentage` at `path` (its numerator, denominator and percent), also printed at
        `printed`; its denominator prints the count at `whole`, where given."""
        numerator = self.count((*path, "numerator"), value["numerator"])
        denominator = self.count((*path, "denominator"), value["denominator"])
        if whole is not None:
            self.same(denominator, whole)
        self.share([(*path, "percent"), *printed], numerator, denominator)
        return numerator, denominator

    def share(self, printed: Iterable[Path], *made_of: Path) -> None:
        """A figure printed at each path and worked out from the counts `made_of`: for a
        percentage, the counts of its numerator and then its denominator."""
        self.shares.append((list(printed), list(made_of)))


Equation = dict[Path, int]


def equations(ledger: Ledger, hidden: set[Path]) -> list[Equation]:
    """Each sum and breakdown as coefficients of its hidden cells (parts +1, total -1); published
    cells are constants and drop out."""
    found = []
    for terms, low, high in ledger.relations():
        if low != high:
            continue
        kept = {cell: coefficient for cell, coefficient in terms.items() if cell in hidden and coefficient}
        if kept:
            found.append(kept)
    return found


def _find_move(
    start: Path, values: Mapping[Path, int], touching: Mapping[Path, list[int]], system: list[Equation]
) -> dict[Path, int] | None:
    """A move of +-1 on hidden cells that changes `start` and keeps every sum, if one is found."""
    steps = 0
    tried: set[frozenset[tuple[Path, int]]] = set()

    def options(equation: Equation, move: dict[Path, int]) -> list[tuple[Path, int]] | None:
        """The steps that would bring an unbalanced equation nearer balance (None if balanced)."""
        imbalance = sum(coefficient * move.get(cell, 0) for cell, coefficient in equation.items())
        if not imbalance:
            return None
        wanted = -1 if imbalance > 0 else 1
        return [
            (cell, wanted * coefficient)
            for cell, coefficient in equation.items()
            if cell not in move and values[cell] + wanted * coefficient >= 1
        ]

    def search(move: dict[Path, int]) -> bool:
        nonlocal steps
        steps += 1
        state = frozenset(move.items())
        if steps > SEARCH_STEPS or state in tried:
            return False
        tried.add(state)
        # Branch on the unbalanced sum with the fewest ways out; with none, this branch fails.
        narrowest: list[tuple[Path, int]] | None = None
        for index in {i for cell in move for i in touching[cell]}:
            found = options(system[index], move)
            if found is not None and (narrowest is None or len(found) < len(narrowest)):
                narrowest = found
                if not found:
                    return False
        if narrowest is None:
            return True
        for cell, step in narrowest:
            move[cell] = step
            if search(move):
                return True
            del move[cell]
        return False

    for step in (-1, 1):
        steps, move = 0, {start: step}
        if values[start] + step >= 1 and search(move):
            return move
    return None


#: A large prime: the row reduction below works modulo it, in whole numbers.
_PRIME = 2**61 - 1


def pinned_by_sums(system: list[Equation]) -> set[Path]:
    """The cells the sums alone fix, whatever the others are: those whose unit vector lies in the
    sums' row space, found as the rows of the reduced row echelon form with a single entry.

    The reduction works modulo a large prime rather than over the rationals, for speed. That is
    safe here: this only finds unsafe cells early, and a cell is only ever called safe once a move
    that keeps every sum has been found and checked."""
    pivots: dict[Path, dict[Path, int]] = {}
    for equation in system:
        row = {cell: coefficient % _PRIME for cell, coefficient in equation.items()}
        for column, pivot_row in pivots.items():
            if row.get(column):
                row = _subtract(row, row[column], pivot_row)
        if not row:
            continue
        column = min(row)
        inverse = pow(row[column], _PRIME - 2, _PRIME)
        row = {cell: value * inverse % _PRIME for cell, value in row.items()}
        for other, pivot_row in pivots.items():
            if pivot_row.get(column):
                pivots[other] = _subtract(pivot_row, pivot_row[column], row)
        pivots[column] = row
    return {column for column, row in pivots.items() if len(row) == 1}


def _subtract(row: dict[Path, int], factor: int, other: dict[Path, int]) -> dict[Path, int]:
    """row - factor x other, modulo the prime, without the zeros."""
    result = dict(row)
    for cell, value in other.items():
        result[cell] = (result.get(cell, 0) - factor * value) % _PRIME
    return {cell: value for cell, value in result.items() if value}


class _Auditor:
    """Finds the hidden cells an attacker could work back. A cell shown safe stays safe as more
    cells are hidden (its move still keeps every sum), so each cell is proved at most once."""

    def __init__(self, ledger: Ledger, values: Mapping[Path, int]) -> None:
        self.ledger, self.values, self.settled = ledger, values, set[Path]()

    def first_unsafe(self, hidden: set[Path], only: Path | None = None) -> Path | None:
        system = equations(self.ledger, hidden)
        if only is not None:  # only the sums linked to that cell can fix it
            system = _linked(only, system)
        touching: dict[Path, list[int]] = defaultdict(list)
        for index, equation in enumerate(system):
            for cell in equation:
                touching[cell].append(index)
        pinned = pinned_by_sums(system)
        for cell in [only] if only is not None else sorted(hidden - self.settled):
            if cell in pinned:
                return cell
            if touching[cell]:
                move = _find_move(cell, self.values, touching, system)
                if move is None:
                    return cell
                self.settled.update(move)
            else:
                self.settled.add(cell)
        return None


def _linked(cell: Path, system: list[Equation]) -> list[Equation]:
    """The sums connected to `cell` through the hidden cells they share."""
    reached, frontier, chosen = {cell}, [cell], set[int]()
    while frontier:
        found = [
            i for i, equation in enumerate(system) if i not in chosen and not reached.isdisjoint(equation)
        ]
        chosen.update(found)
        frontier = [other for i in found for other in system[i] if other not in reached]
        reached.update(frontier)
    return [system[i] for i in sorted(chosen)]


@dataclass
class Earlier:
    """What a reader knows from the council's earlier publications, as it bears on this page."""

    #: The earlier pages' relations, and those that tie their cells to this page's.
    relations: list[Relation] = field(default_factory=list)
    #: The earlier pages' printed cells, by their own names.
    printed: dict[Path, int] = field(default_factory=dict)
    #: The earlier pages' withheld cells that are not on this page: unknowns to the reader.
    withheld: set[Path] = field(default_factory=set)
    #: Cells of this page printed before with the value they have now: known to the reader.
    known_here: set[Path] = field(default_factory=set)
    #: Cells of this page withheld before: withheld again.
    withheld_here: set[Path] = field(default_factory=set)


def _system(ledger: Ledger, values: Mapping[Path, int], hidden: set[Path], earlier: Earlier) -> System:
    known: dict[Path, int] = {path: value for path, value in values.items() if path not in hidden}
    known.update({path: values[path] for path in earlier.known_here})
    known.update(earlier.printed)
    return System([*ledger.relations(), *earlier.relations], known)


def audit(
    ledger: Ledger, values: Mapping[Path, int], hidden: set[Path], earlier: Earlier | None = None
) -> list[Path]:
    """The withheld cells a reader could work back from every equality and inequality the page
    (and the pages before it) shows (none, when the page is safe)."""
    earlier = earlier or Earlier()
    protect = sorted(hidden - earlier.known_here)
    system = _system(ledger, values, hidden, earlier)
    unsafe = single_valued(system, {*protect, *earlier.withheld}, values, protect, set())
    return sorted(unsafe)


def cells_to_hide(ledger: Ledger, below: int, earlier: Earlier | None = None) -> set[Path]:
    """Every count to hide: the small ones, those withheld before, and those that would give them
    back. A quick search for moves hides most of what is needed; then the solver, with every
    inequality and every earlier publication, proves each withheld count has two values, and more
    is hidden until it has."""
    earlier = earlier or Earlier()
    values = {path: value or 0 for path, value in ledger.counts.items()}
    hidden = {path for path, value in values.items() if 0 < value < below}
    hidden |= {path for path in earlier.withheld_here if values.get(path, 0) > 0}
    if not hidden:
        return hidden
    related = ledger.related()
    sums_of: dict[Path, list[int]] = defaultdict(list)
    for index, (parts, total) in enumerate(related):
        for member in {*parts, total}:
            sums_of[member].append(index)
    aliases = [(parts[0], total) for parts, total in ledger.sums if len(parts) == 1]
    _hide_aliases(hidden, aliases)
    headline = set(ledger.headline)
    _hide_aliases(headline, aliases)  # a cell printing a headline count is a headline cell too
    auditor = _Auditor(ledger, values)

    def moved(cell: Path, trial: set[Path]) -> bool:
        return _Auditor(ledger, values).first_unsafe(trial, only=cell) is None

    while (cell := auditor.first_unsafe(hidden)) is not None:
        chosen = _next_to_hide(cell, related, values, hidden, sums_of, headline, moved)
        if chosen is None:  # nothing published is linked to it: no further hiding can help
            auditor.settled.add(cell)
            continue
        hidden.add(chosen)
        _hide_aliases(hidden, aliases)
    settled: set[Path] = set()

    def exactly_safe(cell: Path, trial: set[Path]) -> bool:
        system = _system(ledger, values, trial, earlier)
        unknown = {*(trial - earlier.known_here), *earlier.withheld}
        return not single_valued(system, unknown, values, [cell], set(settled))

    while True:
        protect = sorted(hidden - earlier.known_here)
        system = _system(ledger, values, hidden, earlier)
        unsafe = single_valued(system, {*protect, *earlier.withheld}, values, protect, settled)
        if not unsafe:
            return hidden
        for cell in unsafe:  # each in turn, unless hiding for an earlier one has protected it
            if cell in hidden and exactly_safe(cell, hidden):
                continue
            chosen = _next_to_hide(cell, related, values, hidden, sums_of, headline, exactly_safe)
            if chosen is None:
                settled.add(cell)  # nothing published is linked to it: no further hiding can help
                continue
            hidden.add(chosen)
            _hide_aliases(hidden, aliases)


def _next_to_hide(
    cell: Path,
    related: list[tuple[list[Path], Path]],
    values: Mapping[Path, int],
    hidden: set[Path],
    sums_of: Mapping[Path, list[int]],
    headline: set[Path],
    safe: Callable[[Path, set[Path]], bool],
) -> Path | None:
    """The published count to hide next for an unsafe cell: the first that makes it `safe`, of
    the counts related to it and then of those linked to it through hidden cells, trying other
    counts before headline ones, parts before wholes and smaller before larger."""
    reached, visited, frontier = {cell}, {cell}, [cell]
    ordinary: list[Path] = []
    headlines: list[Path] = []
    while frontier and len(ordinary) < CANDIDATES_TRIED:
        linked = {index for each in frontier for index in sums_of[each]}
        members = {other for index in linked for other in (*related[index][0], related[index][1])}
        totals = {related[index][1] for index in linked}
        for other in sorted(
            (
                other
                for other in members
                if other not in hidden and values.get(other, 0) > 0 and other not in reached
            ),
            key=lambda other: (other in totals, values[other], other),
        ):
            (headlines if other in headline else ordinary).append(other)
        reached.update(members)
        frontier = [other for other in members if other in hidden and other not in visited]
        visited.update(frontier)
    candidates = [*ordinary, *headlines]
    for candidate in candidates[:CANDIDATES_TRIED]:
        if safe(cell, {*hidden, candidate}):
            return candidate
    return candidates[0] if candidates else None


def _hide_aliases(hidden: set[Path], aliases: list[tuple[Path, Path]]) -> None:
    """A count printed twice is hidden in both places (or, for headline cells, marked in both)."""
    changed = True
    while changed:
        changed = False
        for first, second in aliases:
            if (first in hidden) != (second in hidden):
                hidden.update((first, second))
                changed = True


def percentages_to_hide(ledger: Ledger, hidden: set[Path]) -> set[Path]:
    """The printed percentages whose numerator or denominator is hidden."""
    return {printed for paths, made_of in ledger.shares if hidden.intersection(made_of) for printed in paths}
