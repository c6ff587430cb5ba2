"""Every kind of report in one place: how each is built, what it publishes, and how it is withheld.

A procedure names the report its law or Code asks for (`Procedure.annual_report`); this module
maps that name to the report's model, builder, ledger (for disclosure control), tables and
headline, so the published forms (Markdown, HTML, CSV, JSON) treat every kind alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from complaintflow.errors import ComplaintflowError
from complaintflow.report import adults, code_performance, spso
from complaintflow.report import published as children
from complaintflow.report.disclosure import Ledger, Path, cells_to_hide, percentages_to_hide
from complaintflow.report.model import AnnualReport, ProcedureReport
from complaintflow.report.ombudsman import (
    deciding_ombudsman,
    ombudsman_figures,
    with_ombudsman,
    with_ombudsman_ledger,
)
from complaintflow.report.publications import Publication, earlier_knowledge
from complaintflow.report.records import CaseRecord
from complaintflow.report.suppression import annual_ledger
from complaintflow.report.tables import ReportSettings, build_report
from complaintflow.report.teams import team_counts, team_ledger, team_table

Report: TypeAlias = (
    AnnualReport | code_performance.CodePerformanceReport | adults.AdultsReport | spso.SpsoReport
)


@dataclass(frozen=True)
class Kind:
    """One kind of report."""

    title: str
    model: type[Report]
    ledger: Callable[[Mapping[str, Any]], Ledger]
    tables: Callable[[Any], list[children.Table]]
    headline: Callable[[Any], str]


def _kind(
    name: str,
    title: str,
    model: type[Report],
    ledger: Callable[[Mapping[str, Any]], Ledger],
    tables: Callable[[Any], list[children.Table]],
    headline: Callable[[Any], str],
) -> Kind:
    """A kind of report, with the table of complaints by team where the council asked for one, and
    ending with the Ombudsman's figures (complaintflow.report.ombudsman)."""

    def ledger_with_teams(data: Mapping[str, Any]) -> Ledger:
        found = ledger(data)
        team_ledger(found, data, name)
        return found

    def tables_with_teams(report: Any) -> list[children.Table]:
        return [*tables(report), *team_table(report.by_team, report.year, name)]

    return Kind(
        title, model, with_ombudsman_ledger(ledger_with_teams), with_ombudsman(tables_with_teams), headline
    )


KINDS: Mapping[str, Kind] = {
    "children": _kind(
        "children",
        "Complaints annual report",
        AnnualReport,
        annual_ledger,
        children.tables,
        children.headline,
    ),
    "code-performance": _kind(
        "code-performance",
        "Annual complaints performance report",
        code_performance.CodePerformanceReport,
        code_performance.code_performance_ledger,
        code_performance.tables,
        code_performance.headline,
    ),
    "reg18": _kind(
        "reg18",
        "Adult social care complaints annual report",
        adults.AdultsReport,
        adults.adults_ledger,
        adults.tables,
        adults.headline,
    ),
    "spso": _kind(
        "spso",
        "Complaints performance indicators",
        spso.SpsoReport,
        spso.spso_ledger,
        spso.tables,
        spso.headline,
    ),
}


def procedures_of(report: Report) -> str:
    """The procedures a report counts, as its publication names them."""
    return getattr(report, "procedure", None) or "all"


def publication_of(report: Report, procedures: str | None = None) -> Publication:
    """The record of a published report."""
    if report.suppress_below is None:
        raise ComplaintflowError("suppress_below: only a report with small counts withheld is recorded")
    return Publication(
        year=report.year,
        procedures=procedures or procedures_of(report),
        kind=kind_name(report),
        suppress_below=report.suppress_below,
        report=report.model_dump(mode="json"),
    )


def kind_name(report: Report) -> str:
    return "children" if isinstance(report, AnnualReport) else report.kind


def kind_of(report: Report) -> Kind:
    return KINDS[kind_name(report)]


def build(
    kind: str,
    records: Iterable[CaseRecord],
    year: int,
    *,
    procedure: str,
    settings: ReportSettings,
    homes: int | None = None,
) -> Report:
    """The report of `kind` for one procedure's records, with the Ombudsman's figures, and with
    complaints by team where the `settings` ask for them."""
    records = list(records)
    report: ProcedureReport
    if kind == "code-performance":
        report = code_performance.build_code_performance(records, year, procedure, homes)
    elif kind == "reg18":
        report = adults.build_adults(records, year, procedure)
    elif kind == "spso":
        report = spso.build_spso(records, year, procedure)
    else:
        return build_report(records, year, settings).model_copy(update={"procedure": procedure})
    figures = ombudsman_figures(records, year, deciding_ombudsman(records, procedure))
    teams = team_counts(records, year, kind) if settings.by_team else None
    return report.model_copy(update={"ombudsman_figures": figures, "by_team": teams})


def tables(report: Report) -> list[children.Table]:
    """The report's tables that say something; empty ones are left out."""
    return [table for table in kind_of(report).tables(report) if children.has_data(table)]


def headline(report: Report) -> str:
    """The report in a sentence; a year with no data says so."""
    if not tables(report):
        return f"No complaints, concerns or compliments were recorded in {report.year}."
    return kind_of(report).headline(report)


def default_title(report: Report) -> str:
    """The kind's title and year, naming the procedure, so that the reports of a log are told apart."""
    title = f"{kind_of(report).title} {report.year}"
    return f"{title}: {report.procedure}" if report.procedure else title


#: A learning action's status where the number completed or overdue is withheld.
WITHHELD_STATUS = "withheld"


def _write(data: dict[str, Any], path: Path, value: object) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def withhold(
    report: Report, below: int, earlier: Sequence[Publication] = (), procedures: str | None = None
) -> Report:
    """The report with small counts withheld, and every cell and percentage that would give one
    back (complaintflow.report.disclosure), given what the `earlier` publications printed (the
    report is of `procedures`, by default its own). Lists of single complaints are left out, and
    so is a list of learning actions whose number is withheld."""
    if report.suppress_below is not None:  # already published: its withheld counts are gone
        if below == report.suppress_below:
            return report
        raise ComplaintflowError(
            f"suppress_below: this report was published with {report.suppress_below}; publish the "
            "report as counted instead"
        )
    if below <= 1:
        return report
    data: dict[str, Any] = report.model_dump()
    ledger = kind_of(report).ledger(data)
    known = None
    if earlier:
        ledgers = {name: kind.ledger for name, kind in KINDS.items()}
        named = procedures or procedures_of(report)
        known = earlier_knowledge(ledger, report.year, named, earlier, ledgers)
    hidden = cells_to_hide(ledger, below, known)
    listed = sorted(hidden | percentages_to_hide(ledger, hidden))
    for path in listed:
        _write(data, path, None)
    if data.get("stage3"):
        data["stage3"] = []
        listed.append(("stage3",))
    learning = data.get("learning_actions")
    if learning and learning["actions"]:
        if learning["agreed"] is None:  # the list's length would give the number back
            learning["actions"] = []
            listed.append(("learning_actions", "actions"))
        elif learning["completed"] is None or learning["overdue"] is None:  # and so would the statuses
            for action in learning["actions"]:
                action["status"] = WITHHELD_STATUS
            listed.append(("learning_actions", "actions", "status"))
    data.update(suppress_below=below, suppressed=[list(path) for path in listed])
    return type(report).model_validate(data)
