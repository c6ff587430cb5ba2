"""Published figures stay as published: a year's report frozen in the store when it is published.

Freezing keeps, in one transaction with the record of the publication, the report as counted (the
figures its ledger is made of) and as published (the disclosure decisions: which cells were
withheld). From then on the store's report of that year and those procedures is the frozen one,
however many of its cases are purged or redacted, and it says on which day it was frozen; reports
of later years take that year's comparison columns from the frozen figures. A year is frozen once:
freezing it again gives the copy made the first time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from complaintflow.dates import london_today
from complaintflow.errors import ComplaintflowError
from complaintflow.report.forms import KINDS, Report, kind_name, procedures_of, publication_of
from complaintflow.report.frozen_years import with_frozen_columns
from complaintflow.report.publications import Publication
from complaintflow.report.records import year_from_label, year_label
from complaintflow.report.tables import ReportSettings

if TYPE_CHECKING:
    from complaintflow.store.base import Cursor, EventStore

_COLUMNS = "year, procedures, kind, suppress_below, frozen_on, counted, published"


@dataclass(frozen=True, slots=True)
class Frozen:
    """A year's report as it was published: counted, and with small counts withheld."""

    year: str
    procedures: str
    frozen_on: date
    counted: Report
    published: Report

    @property
    def suppress_below(self) -> int:
        assert self.published.suppress_below is not None
        return self.published.suppress_below


def freeze(store: EventStore, counted: Report, published: Report, procedures: str | None) -> Frozen:
    """Keep the published report and its publication record, once per year and procedures."""
    named = procedures or procedures_of(counted)
    if counted.suppress_below is not None or published.suppress_below is None:
        raise ComplaintflowError("freeze: give the report as counted and as published, small counts withheld")
    if (counted.year, kind_name(counted)) != (published.year, kind_name(published)):
        raise ComplaintflowError("freeze: the counted and the published report are of another year or kind")
    with store._writing() as db:
        found = _read(store, db, counted.year, named)
        if found:
            return found[0]
        today = london_today()
        counted = counted.model_copy(update={"frozen_on": today})
        published = published.model_copy(update={"frozen_on": today})
        insert_publication(store, db, publication_of(published, named))
        db.execute(
            store._sql(f"INSERT INTO complaintflow_frozen ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"),
            (
                counted.year,
                named,
                kind_name(counted),
                published.suppress_below,
                today.isoformat(),
                counted.model_dump_json(),
                published.model_dump_json(),
            ),
        )
    return Frozen(counted.year, named, today, counted, published)


def insert_publication(store: EventStore, db: Cursor, publication: Publication) -> None:
    """Keep a publication record, in the caller's transaction."""
    db.execute(
        store._sql(
            "INSERT INTO complaintflow_publications (year, procedures, kind, suppress_below, body) "
            "VALUES (?, ?, ?, ?, ?)"
        ),
        (
            publication.year,
            publication.procedures,
            publication.kind,
            publication.suppress_below,
            publication.model_dump_json(),
        ),
    )


def frozen(store: EventStore, year: str | None = None, procedures: str | None = None) -> list[Frozen]:
    """The frozen reports, of one year and procedures if asked, oldest year first."""
    with store._reading() as db:
        return _read(store, db, year, procedures)


def _read(store: EventStore, db: Cursor, year: str | None, procedures: str | None) -> list[Frozen]:
    query, params = f"SELECT {_COLUMNS} FROM complaintflow_frozen WHERE 1 = 1", []
    if year is not None:
        query += " AND year = ?"
        params.append(year)
    if procedures is not None:
        query += " AND procedures = ?"
        params.append(procedures)
    db.execute(store._sql(query + " ORDER BY year, procedures"), params)
    found = []
    for year_, named, kind, _, frozen_on, counted, published in db.fetchall():
        model = KINDS[kind].model
        found.append(
            Frozen(
                year_,
                named,
                date.fromisoformat(frozen_on),
                model.model_validate_json(counted),
                model.model_validate_json(published),
            )
        )
    return found


def reported_names(store: EventStore, year: int, found: list[str]) -> list[str]:
    """The procedures with a report of the year: those with records (`found`), then those whose
    report of the year is frozen, though every case of theirs is gone."""
    frozen_now = [each.procedures for each in frozen(store, year_label(year)) if "+" not in each.procedures]
    return list(dict.fromkeys([*found, *frozen_now]))


def counted_as_frozen(
    store: EventStore,
    year: int,
    procedures: str,
    settings: ReportSettings,
    count: Callable[[ReportSettings], Report],
) -> Report:
    """The report of `procedures` for `year` as the store gives it: the frozen one where the year is
    frozen, else `count`ed from the records with each earlier frozen year's columns taken from its
    frozen figures (those years are shown even where every case of theirs is gone)."""
    mine = {year_from_label(found.year): found.counted for found in frozen(store, procedures=procedures)}
    if year in mine:
        return mine[year]
    earlier = {number: report for number, report in mine.items() if number < year}
    if not earlier:
        return count(settings)
    shown = frozenset(
        number for number, found in earlier.items() if found.year in getattr(found, "years", ())
    )
    report = count(replace(settings, known_years=settings.known_years | shown))
    return with_frozen_columns(report, {year_label(number): found for number, found in earlier.items()})


def published_as_frozen(
    store: EventStore, counted: Report, procedures: str, below: int, publish: Callable[[Report], Report]
) -> tuple[Report, bool]:
    """The report as published: the frozen copy where its year is frozen at this threshold, else
    `publish`ed now; and whether it was published now (and so is to be recorded)."""
    if counted.frozen_on is not None:
        for found in frozen(store, counted.year, procedures):
            if found.suppress_below == below:
                return found.published, False
    return publish(counted), True


def published_report(
    store: EventStore,
    procedure: str,
    year: int,
    *,
    suppress_below: int | None = None,
    homes: int | None = None,
    by_team: bool = False,
) -> Report:
    """One procedure's report for the year from 1 April `year` as it may be published: the frozen
    copy where the year is frozen at this threshold, else counted now with small counts withheld
    given every publication the store has kept. The service's /reports and the desk both show this."""
    from complaintflow.report import PUBLISHED_SUPPRESS_BELOW, publish

    below = suppress_below or PUBLISHED_SUPPRESS_BELOW
    counted = store.reports(year, only=[procedure], homes=homes, by_team=by_team)[procedure]
    return published_as_frozen(
        store,
        counted,
        procedure,
        below,
        lambda report: publish(report, below, earlier=store.publications(), procedures=procedure),
    )[0]
