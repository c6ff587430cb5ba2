"""The council's publications: what each printed, so that a later one gives nothing more away.

A reader may hold every report the council has published: the same year at another threshold, a
report of some of its procedures beside one of all of them (`--only`), and last year's report
beside this year's, which repeats last year's column. A publication keeps its year, its
procedures, its threshold and its published form (which cells it printed, and their values).

A later publication treats every figure printed before as known to the reader, withholds again
every count withheld before, and proves its own withheld counts against the relations of every
page together: a count is one unknown wherever it is printed, and a report of some procedures
counts no more than a report of more of them, cell by cell.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path as FilePath
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from complaintflow.errors import PublicationError
from complaintflow.report.disclosure import Earlier, Ledger, Path
from complaintflow.report.solver import System, feasible

#: A publication record file is refused above this size.
MAX_RECORD_BYTES = 64 * 1024 * 1024
#: How many earlier publications a record may hold.
MAX_PUBLICATIONS = 200
_YEAR = re.compile(r"\d{4}-\d{2}")


class Publication(BaseModel):
    """One published report: its year, procedures ("a+b" for several together), kind, threshold,
    and its published form (withheld counts are null)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: str
    procedures: str
    kind: str
    suppress_below: int
    report: dict[str, Any]

    def names(self) -> frozenset[str]:
        return frozenset(self.procedures.split("+"))


class PublicationRecord(BaseModel):
    """The file a report writes beside its forms, and reads back with `--published-before`."""

    model_config = ConfigDict(extra="forbid")

    publications: list[Publication]


def read_record(path: str | FilePath) -> list[Publication]:
    """The publications in a record file; errors name the file, never its content."""
    file = FilePath(path)
    try:
        if file.stat().st_size > MAX_RECORD_BYTES:
            raise PublicationError(f"--published-before: {file.name} is larger than {MAX_RECORD_BYTES} bytes")
        record = PublicationRecord.model_validate_json(file.read_bytes())
    except OSError as error:
        raise PublicationError(f"--published-before: cannot read {file.name} ({error.strerror})") from None
    except ValidationError:
        raise PublicationError(f"--published-before: {file.name} is not a publication record") from None
    if len(record.publications) > MAX_PUBLICATIONS:
        raise PublicationError(f"--published-before: {file.name} holds more than {MAX_PUBLICATIONS}")
    return record.publications


def record_text(publications: Iterable[Publication]) -> str:
    return json.dumps(PublicationRecord(publications=list(publications)).model_dump(mode="json"), indent=1)


def check_threshold(earlier: Iterable[Publication], year: str, procedures: str, below: int) -> None:
    """Refuse a second threshold for a year and procedures already published: the counts printed
    at one and withheld at the other would be given away."""
    for publication in earlier:
        if (publication.year, publication.procedures) == (year, procedures) and (
            publication.suppress_below != below
        ):
            raise PublicationError(
                f"suppress_below: {procedures} {year} was published with {publication.suppress_below}; "
                "publish it with that threshold, or republish"
            )


def _quantity(procedures: frozenset[str], year: str, path: Path) -> tuple[Any, ...]:
    """What a cell counts, the same on every page: a path that names its year means the same
    count in any year's report."""
    named = any(_YEAR.fullmatch(key) for key in path)
    return (procedures, path) if named else (procedures, year, path)


def earlier_knowledge(
    ledger: Ledger,
    year: str,
    procedures: str,
    publications: Sequence[Publication],
    ledger_of: Mapping[str, Any],
) -> Earlier:
    """What the reader knows from `publications` that bears on a page of `procedures` for `year`
    whose ledger (with the true counts) is `ledger`. `ledger_of` gives each kind's ledger of a
    published form."""
    values = {path: value or 0 for path, value in ledger.counts.items()}
    pages: list[tuple[Path, frozenset[str], str, Ledger]] = [
        ((), frozenset(procedures.split("+")), year, ledger)
    ]
    for number, publication in enumerate(publications):
        pages.append(
            (
                ("earlier", str(number)),
                publication.names(),
                publication.year,
                ledger_of[publication.kind](publication.report),
            )
        )
    for link_withheld in (True, False):
        earlier = _linked(pages, values, link_withheld)
        known = {path: values[path] for path in values if path not in earlier.withheld_here}
        known.update(earlier.printed)
        if feasible(System([*ledger.relations(), *earlier.relations], known), earlier.withheld):
            return earlier
    # The counts have changed since, beyond what linking printed cells alone explains: what was
    # withheld is withheld again, but no relation ties the earlier pages to this one.
    return Earlier(withheld_here=earlier.withheld_here)


def _linked(
    pages: list[tuple[Path, frozenset[str], str, Ledger]], values: Mapping[Path, int], link_withheld: bool
) -> Earlier:
    """The earlier pages' cells and relations, each count tied to the same count on other pages.
    With `link_withheld` false, a count withheld on two pages is taken as two counts."""
    earlier = Earlier()
    same: dict[tuple[Any, ...], list[Path]] = {}
    for prefix, names, year, page in pages:
        for terms, low, high in page.relations() if prefix else ():
            earlier.relations.append(({(*prefix, *path): c for path, c in terms.items()}, low, high))
        for path, value in page.counts.items():
            cell = (*prefix, *path)
            if prefix:
                if value is None:
                    earlier.withheld.add(cell)
                else:
                    earlier.printed[cell] = value
            same.setdefault(_quantity(names, year, path), []).append(cell)
    for cells in same.values():
        here = next((cell for cell in cells if cell in values), None)
        first = here or cells[0]
        for cell in cells:
            if cell == first:
                continue
            if cell in earlier.withheld and here is not None:
                earlier.withheld_here.add(here)  # withheld before: withheld again
            if cell in earlier.printed:
                value = values[here] if here is not None else earlier.printed.get(first)
                if here is not None and value == earlier.printed[cell]:
                    earlier.known_here.add(here)
                if value is not None and value != earlier.printed[cell]:
                    continue  # a figure that has changed since is another figure
            elif first not in earlier.printed and not link_withheld:
                continue
            earlier.relations.append(({cell: 1, first: -1}, 0.0, 0.0))
    _nested(same, earlier)
    return earlier


def _nested(same: Mapping[tuple[Any, ...], list[Path]], earlier: Earlier) -> None:
    """A page of some procedures counts no more than a page of more of them, cell by cell."""
    by_rest: dict[tuple[Any, ...], list[tuple[frozenset[str], Path]]] = {}
    for (names, *rest), cells in same.items():
        by_rest.setdefault(tuple(rest), []).append((names, cells[0]))
    for group in by_rest.values():
        for smaller, part in group:
            for larger, whole in group:
                if smaller < larger:
                    earlier.relations.append(({part: 1, whole: -1}, -float("inf"), 0.0))
