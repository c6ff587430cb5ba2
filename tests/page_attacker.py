"""A second attacker, who reads only the printed page: the CSV tables and the Markdown notes.

It knows nothing of the library's ledger. It writes down what a journalist would from the page and
from knowing what the measures mean: totals and breakdowns that add up to a printed count, the same
count printed in two tables (or in two publications), parts at most their whole, counts of at
least 0 and withheld counts of at least 1 (zeros are printed). Then it solves, with HiGHS through
scipy, for every withheld count; one with a single possible value is a leak.

Several pages (two thresholds, two `--only` choices, two years) are attacked together: a cell is
named by its procedures, its table, its row and its column (and the page's year, where none of
those names a year), so the same count on two pages is one unknown, and a printed one is known.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

YEAR = re.compile(r"\d{4}-\d{2}")
Name = tuple[str, ...]
Relation = tuple[dict[Name, int], float, float]
INF = float("inf")


@dataclass
class Page:
    """One published report as a reader has it."""

    procedures: str
    year: str
    tables: dict[str, tuple[list[str], list[list[str]]]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, procedures: str, year: str, csv_files: dict[str, str], markdown: str) -> Page:
        page = cls(procedures, year)
        for name, text in csv_files.items():
            if name.endswith("-list.csv"):
                continue
            key = re.sub(r"^\d+-", "", name.removesuffix(".csv"))
            header, *rows = list(csv.reader(io.StringIO(text)))
            page.tables[key] = (header, rows)
        # The Markdown prints the same tables in the same order, each followed by its note.
        sections = re.split(r"^### .*$", markdown, flags=re.MULTILINE)[1:]
        for key, section in zip(page.tables, sections, strict=True):
            lines = [
                line for line in section.strip().splitlines() if line and not line.startswith(("|", "- "))
            ]
            page.notes[key] = " ".join(lines)
        return page

    def name(self, key: str, row: str, column: str) -> Name:
        base = (self.procedures, key, row, column)
        return base if any(YEAR.search(part) for part in (key, row, column)) else (*base, self.year)

    def cells(self) -> Iterable[tuple[Name, str]]:
        for key, (header, rows) in self.tables.items():
            for row in rows:
                for column, text in zip(header[1:], row[1:], strict=True):
                    yield self.name(key, row[0], column), text

    def has(self, key: str, row: str, column: str) -> bool:
        if key not in self.tables:
            return False
        header, rows = self.tables[key]
        return column in header and any(r[0] == row for r in rows)

    def rows(self, key: str) -> list[str]:
        return [row[0] for row in self.tables.get(key, ([], []))[1]]

    def columns(self, key: str) -> list[str]:
        return self.tables.get(key, ([""], []))[0][1:]


def _year_before(year: str) -> str:
    start = int(year[:4]) - 1
    return f"{start}-{(start + 1) % 100:02d}"


class Reader:
    """What a reader writes down from one page or several."""

    def __init__(self, pages: list[Page]) -> None:
        self.pages = pages
        self.printed: dict[Name, int] = {}
        self.withheld: set[Name] = set()
        self.relations: list[Relation] = []
        for page in pages:
            for name, text in page.cells():
                if text == "*":
                    self.withheld.add(name)
                elif text.isdigit():
                    assert self.printed.setdefault(name, int(text)) == int(text), name
            self.read(page)
        self.withheld -= set(self.printed)
        self.subsets()

    def relate(
        self,
        page: Page,
        parts: list[tuple[str, str, str]],
        whole: list[tuple[str, str, str]],
        *,
        at_most: bool = False,
    ) -> None:
        """Cells `parts` add up to (or, `at_most`, to no more than) the cells `whole`; skipped where
        a cell is not on the page or is not a count."""
        terms: dict[Name, int] = {}
        for cells, sign in ((parts, 1), (whole, -1)):
            for key, row, column in cells:
                if not page.has(key, row, column):
                    return
                name = page.name(key, row, column)
                if name not in self.printed and name not in self.withheld:
                    return  # a percentage or a word
                terms[name] = terms.get(name, 0) + sign
        self.relations.append((terms, -INF if at_most else 0.0, 0.0))

    def read(self, page: Page) -> None:
        for key, (header, rows) in page.tables.items():
            labels = [row[0] for row in rows if row[0] != "Total"]
            counts = [c for c in header[1:] if not c.startswith("%") and "%" not in c]
            if "Total" in page.rows(key):  # a Total row adds up its column
                for column in counts:
                    self.relate(page, [(key, r, column) for r in labels], [(key, "Total", column)])
            if header[-1] == "Total":  # a Total column adds up its row
                for row in page.rows(key):
                    # Older years' rows may have services this year's columns do not list.
                    older = YEAR.fullmatch(row) and row not in (page.year, _year_before(page.year))
                    parts = [(key, row, c) for c in header[1:-1]]
                    self.relate(page, parts, [(key, row, "Total")], at_most=bool(older))
            for total in [c for c in header if c.startswith("Total ") and YEAR.search(c)]:
                year = total.removeprefix("Total ")
                parts = [c for c in header[1:] if c.endswith(f" {year}") and c != total]
                for row in page.rows(key):
                    self.relate(page, [(key, row, c) for c in parts], [(key, row, total)])
        self.children(page)
        self.code(page)
        self.spso(page)
        self.reg18(page)
        self.teams(page)
        for row in ("Completed by the year's end", "Overdue at the year's end"):
            self.relate(
                page,
                [("learning-actions", row, "Number")],
                [("learning-actions", "Agreed", "Number")],
                at_most=True,
            )
        self.relate(
            page,
            [
                ("learning-actions", r, "Number")
                for r in ("Completed by the year's end", "Overdue at the year's end")
            ],
            [("learning-actions", "Agreed", "Number")],
            at_most=True,
        )

    def children(self, page: Page) -> None:
        this = page.year
        stage2 = "stage2-outcomes"
        for year in page.rows("counts"):
            self.relate(page, [("counts", year, "Stage 1")], [("stage1-by-service", year, "Total")])
            for stage, name in (("stage1", "Stage 1"), ("stage2", "Stage 2")):
                for table in ("gender", "complainant"):
                    self.relate(page, [(f"{table}-{stage}", "Total", year)], [("counts", year, name)])
        for stage, name in (("stage1", "Stage 1"), ("stage2", "Stage 2")):
            for table in ("ethnicity", "disability"):
                self.relate(page, [(f"{table}-{stage}", "Total", "Number")], [("counts", this, name)])
            for year in page.rows(f"bme-{stage}"):
                self.relate(
                    page, [(f"bme-{stage}", year, "BME")], [(f"bme-{stage}", year, "Known")], at_most=True
                )
                self.relate(page, [(f"bme-{stage}", year, "Known")], [("counts", year, name)], at_most=True)
        self.relate(page, [(stage2, "Number", f"Total {this}")], [("counts", this, "Stage 2")])
        for column in page.columns(stage2):
            parts = [
                (stage2, row, column)
                for row in ("Upheld", "Partially upheld", "Not upheld", "Awaiting outcome")
            ]
            self.relate(page, parts, [(stage2, "Number", column)])
        answered = ("Upheld", "Partially upheld", "Not upheld")
        for column in page.columns("stage2-response-times"):
            if not column.startswith("Within time "):
                continue
            year = column.removeprefix("Within time ")
            for service in page.rows("stage2-response-times"):
                times = [
                    ("stage2-response-times", service, f"{kind} {year}")
                    for kind in ("Within time", "Over timescale")
                ]
                self.relate(page, times, [(stage2, row, f"{service} {year}") for row in answered])
        for service in page.rows("stage1-response-times"):
            table = "stage1-response-times"
            for part in ("In time", "In time without extension"):
                self.relate(page, [(table, service, part)], [(table, service, "Responded")], at_most=True)
            self.relate(
                page, [(table, service, "Responded")], [("stage1-by-service", this, service)], at_most=True
            )
        self.relate(
            page,
            [("stage1-response-times", "Total", "Responded")],
            [("counts", this, "Stage 1")],
            at_most=True,
        )
        for service in page.rows("stage1-outcomes"):
            for column in page.columns("stage1-outcomes"):
                if column.startswith("Total "):
                    year = column.removeprefix("Total ")
                    whole = (
                        ("counts", year, "Stage 1")
                        if service == "Total"
                        else ("stage1-by-service", year, service)
                    )
                    self.relate(page, [("stage1-outcomes", service, column)], [whole], at_most=True)
        for key in page.tables:
            if not key.startswith("nature-"):
                continue
            year = YEAR.search(key).group()  # type: ignore[union-attr]
            for service in page.columns(key):
                if key.startswith("nature-stage1"):
                    whole = (
                        ("counts", year, "Stage 1")
                        if service == "Total"
                        else ("stage1-by-service", year, service)
                    )
                else:
                    whole = (
                        ("counts", year, "Stage 2")
                        if service == "Total"
                        else (stage2, "Number", f"{service} {year}")
                    )
                for category in page.rows(key):
                    if category == "Total":
                        self.relate(page, [whole], [(key, category, service)], at_most=True)
                    else:
                        self.relate(page, [(key, category, service)], [whole], at_most=True)
        mediation = "mediation-advocacy-nhs"
        self.relate(
            page,
            [(mediation, "Mediations that resolved the complaint", "Number")],
            [(mediation, "Mediations held", "Number")],
            at_most=True,
        )
        for kind, column in (
            ("Local settlement", "Ombudsman local settlements"),
            ("Public report", "Ombudsman public reports"),
        ):
            self.relate(page, [("ombudsman", "Total", kind)], [("escalation-over-time", this, column)])

    def code(self, page: Page) -> None:
        table = "code-stages"
        for stage in page.columns(table):
            responses = [(table, "Responses sent", stage)]
            parts = [(table, row, stage) for row in ("Upheld", "Partially upheld", "Not upheld")]
            self.relate(page, parts, responses)
            for row in (
                "Responded within the Code's timescales",
                "Responses extended",
                "Extended beyond the usual length, with reasons",
                "Resolved at this stage",
            ):
                self.relate(page, [(table, row, stage)], responses, at_most=True)
            number = stage[-1]
            for measure, column in (("Complaints received", "received"), ("Responses sent", "responses")):
                quarters = [
                    ("code-quarters", q, f"Stage {number} {column}") for q in page.rows("code-quarters")
                ]
                self.relate(page, quarters, [(table, measure, stage)])
            self.relate(
                page, [("tsm", "Complaints received", stage)], [(table, "Complaints received", stage)]
            )

    def spso(self, page: Page) -> None:
        table = "spso-indicators"
        for stage in page.columns(table):
            closed = [(table, "Complaints closed", stage)]
            self.relate(
                page, [(table, row, stage) for row in ("Upheld", "Partially upheld", "Not upheld")], closed
            )
            for row in ("Closed within the timescale", "Closed after an authorised extension"):
                self.relate(page, [(table, row, stage)], closed, at_most=True)
        note = re.search(r"closed: (\d+)", page.notes.get(table, ""))
        if note:  # the closed total, printed in the note
            name = (page.procedures, table, "note", "closed", page.year)
            self.printed[name] = int(note.group(1))
            terms: dict[Name, int] = {name: -1}
            for stage in page.columns(table):
                terms[page.name(table, "Complaints closed", stage)] = 1
            self.relations.append((terms, 0.0, 0.0))

    def reg18(self, page: Page) -> None:
        table = "reg18-counts"
        decided = [(table, "Complaints decided (response sent)", "Number")]
        for row in (
            "Decided to be well-founded (upheld in whole or in part)",
            "Answered within the response period",
        ):
            self.relate(page, [(table, row, "Number")], decided, at_most=True)
        received = [(table, "Complaints received", "Number")]
        for subject in page.rows("reg18-subjects"):
            cell = [("reg18-subjects", subject, "Complaints")]
            if subject == "Total":
                self.relate(page, received, cell, at_most=True)
            else:
                self.relate(page, cell, received, at_most=True)

    def teams(self, page: Page) -> None:
        """The table by team: in time at most responded, and its totals are the report's own."""
        table = "by-team"
        columns = page.columns(table)
        if len(columns) != 3:
            return
        received, responded, in_time = columns
        for row in page.rows(table):
            self.relate(page, [(table, row, in_time)], [(table, row, responded)], at_most=True)
        this = page.year
        for column, elsewhere in (
            (received, ("counts", this, "Stage 1")),
            (responded, ("stage1-response-times", "Total", "Responded")),
            (in_time, ("stage1-response-times", "Total", "In time")),
            (received, ("code-stages", "Complaints received", "Stage 1")),
            (responded, ("code-stages", "Responses sent", "Stage 1")),
            (in_time, ("code-stages", "Responded within the Code's timescales", "Stage 1")),
            (received, ("reg18-counts", "Complaints received", "Number")),
            (responded, ("reg18-counts", "Complaints decided (response sent)", "Number")),
            (in_time, ("reg18-counts", "Answered within the response period", "Number")),
        ):
            self.relate(page, [(table, "Total", column)], [elsewhere])
        spso = "spso-indicators"
        for column, row in ((responded, "Complaints closed"), (in_time, "Closed within the timescale")):
            stages = [(spso, row, stage) for stage in page.columns(spso)]
            if stages:
                self.relate(page, stages, [(table, "Total", column)])
        note = re.search(r"received: (\d+)", page.notes.get(spso, ""))
        if note and page.has(table, "Total", received):  # the received total, printed in the note
            name = (page.procedures, spso, "note", "received", page.year)
            self.printed[name] = int(note.group(1))
            self.relations.append(({name: -1, page.name(table, "Total", received): 1}, 0.0, 0.0))

    def subsets(self) -> None:
        """A page of some procedures counts no more than a page of more of them, cell by cell."""
        for small in self.pages:
            for large in self.pages:
                if set(small.procedures.split("+")) < set(large.procedures.split("+")):
                    for name, _ in small.cells():
                        other = (large.procedures, *name[1:])
                        known = self.printed.keys() | self.withheld
                        if other in known and name in known:
                            self.relations.append(({name: 1, other: -1}, -INF, 0.0))

    def single_valued(self) -> list[Name]:
        """Every withheld count whose least and greatest values are equal."""
        unknown = sorted(self.withheld)
        if not unknown:
            return []
        column = {name: index for index, name in enumerate(unknown)}
        rows, cols, data, lower, upper = [], [], [], [], []
        for terms, low, high in self.relations:
            free = {n: c for n, c in terms.items() if n in column and c}
            if not free:
                constant = sum(c * self.printed[n] for n, c in terms.items())
                assert low <= constant <= high, f"the page contradicts itself: {terms}"
                continue
            constant = sum(c * self.printed[n] for n, c in terms.items() if n not in column)
            for name, coefficient in free.items():
                rows.append(len(lower))
                cols.append(column[name])
                data.append(coefficient)
            lower.append(low - constant)
            upper.append(high - constant)
        size = len(unknown)
        constraints = (
            [LinearConstraint(csr_array((data, (rows, cols)), shape=(len(lower), size)), lower, upper)]
            if lower
            else []
        )
        cap = 10 * (sum(self.printed.values()) + 10)
        bounds = Bounds(np.ones(size), np.full(size, cap))
        integrality = np.ones(size)

        def solve(objective: np.ndarray) -> np.ndarray:
            result = milp(objective, constraints=constraints, integrality=integrality, bounds=bounds)
            assert result.status == 0, f"the page has no completion: {result.message}"
            return np.round(result.x)

        first = solve(np.zeros(size))
        two_valued = np.zeros(size, dtype=bool)
        # Push every open count up together, then down, while that moves any: one solve can show
        # many counts with a second value; those left are pushed one by one.
        moved = True
        while moved:
            before = int(two_valued.sum())
            for sign in (1.0, -1.0):
                two_valued |= solve(np.where(two_valued, 0.0, sign)) != first
            moved = int(two_valued.sum()) > before and not two_valued.all()
        found = []
        for index, name in enumerate(unknown):
            if two_valued[index]:
                continue
            for sign in (1.0, -1.0):
                objective = np.zeros(size)
                objective[index] = sign
                other = solve(objective)
                two_valued |= other != first
                if two_valued[index]:
                    break
            if not two_valued[index]:
                found.append(name)
        return found
