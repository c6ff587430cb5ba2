"""`complaintflow report`: the annual reports of a log or a store, published with small counts
withheld, as Markdown, CSV, JSON or HTML."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from complaintflow.cli import sources
from complaintflow.cli.common import (
    STANDARD_OUTPUT,
    add_extra_holiday_option,
    add_jobs_option,
    add_store_option,
    whole_number,
)
from complaintflow.cli.output import emit
from complaintflow.dates import london_today
from complaintflow.errors import ComplaintflowError, printable
from complaintflow.progress import progress_bar

if TYPE_CHECKING:
    from complaintflow.procedure import Procedure
    from complaintflow.report import Cover, Report, ReportSettings
    from complaintflow.report.records import CaseRecord
    from complaintflow.store import EventStore


def add_commands(commands: Any) -> None:
    report = commands.add_parser("report", help="the statutory annual report from an event log")
    report.add_argument("file", metavar="FILE.jsonl", nargs="?", help="events, one JSON object per line")
    add_store_option(report, "read the store instead of a log file")
    report.add_argument(
        "--year",
        type=_reporting_year,
        required=True,
        metavar="YYYY",
        help="the reporting year from 1 April YYYY (2012 or 2012-13)",
    )
    report.add_argument("--format", choices=("md", "csv", "json", "html"), default="md")
    report.add_argument(
        "--suppress-below",
        type=whole_number,
        metavar="N",
        help="withhold counts from 1 to N-1, and any that would give one back (default 5)",
    )
    report.add_argument(
        "--raw", action="store_true", help="print every count, for a host system: never for publication"
    )
    report.add_argument(
        "--published-before",
        action="append",
        metavar="FILE.json",
        help="a publication record of earlier reports, whose printed figures a reader knows (repeatable)",
    )
    report.add_argument(
        "--record",
        metavar="FILE.json",
        help="where to write the publication record (default: beside the forms written to a file)",
    )
    report.add_argument(
        "--republish",
        action="store_true",
        help="publish a year again at another threshold (what the first printed stays known)",
    )
    report.add_argument(
        "--freeze",
        action="store_true",
        help="keep each published report in the --store as published: later purges and redactions "
        "never change it",
    )
    report.add_argument(
        "--target",
        type=_percent,
        default=75.0,
        metavar="PERCENT",
        help="the stage 1 timeliness target (default 75)",
    )
    report.add_argument(
        "--output",
        metavar="PATH",
        help="where to write (default and '-': standard output; csv, or several reports' html: a folder)",
    )
    report.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="the report of this procedure only (repeatable: several with the children's tables make one)",
    )
    add_jobs_option(report)
    report.add_argument(
        "--homes",
        type=whole_number,
        metavar="N",
        help="homes owned, for the Tenant Satisfaction Measure CH01 in a Complaint Handling Code report",
    )
    report.add_argument(
        "--by-team",
        action="store_true",
        help="add a table of complaints by the team that owned them at the year's end",
    )
    report.add_argument("--title", help="the report's title (default: Complaints annual report YYYY-YY)")
    report.add_argument("--council", help="the council's name, printed under the title")
    report.add_argument(
        "--service",
        action="append",
        metavar="NAME",
        help="a service, in the council's order (repeatable); others follow as they first appear",
    )
    add_extra_holiday_option(report)
    report.add_argument(
        "--procedure",
        action="append",
        metavar="FILE",
        help="a procedure file the log's cases may name (repeatable)",
    )
    report.set_defaults(run=_report)


def _reporting_year(text: str) -> int:
    """2012, or 2012-13, for the year from 1 April 2012."""
    from complaintflow.report import year_from_label

    try:
        return year_from_label(text)
    except ComplaintflowError as error:  # the person typed it, so it is shown back, shortened
        raise argparse.ArgumentTypeError(f"year {printable(text, 40)!r} is {error}") from None


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{printable(text, 40)!r} is not a percentage") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{printable(text, 40)!r} is not between 0 and 100")
    return value


def _report(args: argparse.Namespace) -> int:
    from complaintflow.report import AnnualReport, Cover, year_label

    sources.check_source(args)
    if args.freeze and (args.store is None or args.raw):
        raise ComplaintflowError("--freeze: keeps a published report in a --store; give --store, not --raw")
    counted = _counted_reports(args)
    label = year_label(args.year)
    reports = _published_reports(args, counted, _record_path(args, len(counted), label))
    cover = Cover(title=args.title, council=args.council, made_on=london_today())
    if args.format == "html" and any(isinstance(report, AnnualReport) for report in reports.values()):
        from complaintflow.report.charts import INSTALL_HINT, available

        if not available():
            print(f"note: no charts; they need the report extra: {INSTALL_HINT}", file=sys.stderr)
    if len(reports) == 1:
        _write_report(args, next(iter(reports.values())), cover, args.output, f"complaintflow-report-{label}")
        return 0
    if args.format in ("md", "json"):
        from complaintflow.report import to_markdown

        if args.format == "md":
            emit("\n---\n\n".join(to_markdown(report, cover) for report in reports.values()), args.output)
        else:
            by_name = {name: report.model_dump(mode="json") for name, report in reports.items()}
            emit(json.dumps(by_name, indent=2), args.output)
        return 0
    if args.output == STANDARD_OUTPUT:
        raise ComplaintflowError(
            f"--output: {len(reports)} reports make {len(reports)} {args.format} files; "
            "give a folder, or one procedure with --only NAME"
        )
    folder = Path(args.output or f"complaintflow-reports-{label}")
    folder.mkdir(parents=True, exist_ok=True)
    for name, report in reports.items():
        _write_report(
            args, report, cover, str(folder / (f"{name}.html" if args.format == "html" else name)), ""
        )
    return 0


def _record_path(args: argparse.Namespace, reports: int, label: str) -> str | None:
    """Where the publication record goes: --record, or beside the file or folder the forms are
    written to (`NAME.publication.json`); none for forms on standard output."""
    if args.record is not None:
        return str(args.record)
    if args.output == STANDARD_OUTPUT:
        return None
    if args.output is not None:
        return f"{args.output}.publication.json"
    if args.format == "csv" and reports == 1:
        return f"complaintflow-report-{label}.publication.json"
    if args.format in ("csv", "html") and reports > 1:
        return f"complaintflow-reports-{label}.publication.json"
    return None


def _published_reports(
    args: argparse.Namespace, reports: dict[str, Report], record: str | None
) -> dict[str, Report]:
    """Each report as published: small counts withheld (unless --raw), given every publication
    the store or the --published-before records hold; each is then kept in the store, or in the
    publication `record` written beside the forms (none for forms on standard output)."""
    from complaintflow.report import PUBLISHED_SUPPRESS_BELOW, publication, publish
    from complaintflow.report.publications import read_record, record_text
    from complaintflow.store.freezing import published_as_frozen

    if args.raw:
        if args.suppress_below is not None:
            raise ComplaintflowError("--raw: every count is printed; give it or --suppress-below, not both")
        return reports
    below = args.suppress_below if args.suppress_below is not None else PUBLISHED_SUPPRESS_BELOW
    if below < 2:
        raise ComplaintflowError("--suppress-below: at least 2; ask for every count by name with --raw")
    store = sources.open_store(args) if args.store is not None else None
    earlier = store.publications() if store is not None else []
    for path in args.published_before or ():
        earlier += read_record(path)

    def now(name: str) -> Callable[[Report], Report]:
        return lambda report: publish(
            report, below, earlier=earlier, procedures=name, republish=args.republish
        )

    if store is None:
        published = {name: now(name)(report) for name, report in reports.items()}
        if record is not None:
            made = [publication(report, name) for name, report in published.items()]
            Path(record).write_text(record_text([*earlier, *made]), encoding="utf-8")
        return published
    published = {}
    for name, counted in reports.items():
        published[name], made_now = published_as_frozen(store, counted, name, below, now(name))
        if args.freeze and counted.frozen_on is None:
            published[name] = store.freeze(counted, published[name], name).published
            print(f"froze the report of {printable(name)} for {counted.year}", file=sys.stderr)
        elif made_now:
            store.record_publication(publication(published[name], name))
    return published


def _counted_reports(args: argparse.Namespace) -> dict[str, Report]:
    """One report per procedure (or per --only name); several --only names of the children's kind
    make one report of their cases together, as a council reports its corporate complaints about
    children's services beside its statutory ones."""
    from complaintflow.report import (
        UNASSIGNED,
        ReportSettings,
        by_procedure,
        of_procedures,
        records_from_log,
        report_kind,
        reports,
    )
    from complaintflow.report.forms import build
    from complaintflow.store.freezing import reported_names

    settings = ReportSettings(
        target_percent=args.target, services=tuple(args.service or ()), by_team=args.by_team
    )
    store = sources.open_store(args) if args.store is not None else None
    if store is not None:
        records: Iterable[CaseRecord] = store.records()
        procedures = store.procedures
    else:
        path = Path(args.file)
        size = path.stat().st_size if path.exists() else 0
        procedures = sources.procedures(args)
        records = records_from_log(
            path,
            procedures=procedures,
            progress=progress_bar("Replaying events", size),
            calendar=sources.host_calendar(args),
            jobs=args.jobs,
        )
    records = list(records)
    only = args.only
    if only and len(only) > 1:
        if any(report_kind(name, procedures) != "children" for name in only):
            raise ComplaintflowError(
                "--only: name one procedure at a time, unless each has the children's tables"
            )
        together = "+".join(only)
        chosen = of_procedures(records, only)

        def together_counted(chosen_settings: ReportSettings) -> Report:
            return build("children", chosen, args.year, procedure=together, settings=chosen_settings)

        if store is not None:
            return {together: _as_frozen(store, args, together, settings, together_counted)}
        return {together: together_counted(settings)}
    if store is None:
        found = reports(
            records, args.year, only=only, procedures=procedures, settings=settings, homes=args.homes
        )
    else:  # a frozen year is its frozen report; a later year takes the frozen year's columns
        names = (
            list(dict.fromkeys(only))
            if only
            else reported_names(store, args.year, list(by_procedure(records)))
        )
        found = {
            name: _as_frozen(store, args, name, settings, partial(_one, records, args, name, procedures))
            for name in names
        }
    alike = [name for name in found if name != UNASSIGNED and report_kind(name, procedures) == "children"]
    if not only and len(alike) > 1:
        together = " ".join(f"--only {name}" for name in alike)
        print(f"note: {together} makes one report of their cases together", file=sys.stderr)
    return found


def _one(
    records: list[CaseRecord],
    args: argparse.Namespace,
    name: str,
    procedures: Mapping[str, Procedure] | None,
    settings: ReportSettings,
) -> Report:
    """The report of one procedure, counted from the records."""
    from complaintflow.report import reports

    return reports(
        records, args.year, only=[name], procedures=procedures, settings=settings, homes=args.homes
    )[name]


def _as_frozen(
    store: EventStore,
    args: argparse.Namespace,
    name: str,
    settings: ReportSettings,
    count: Callable[[ReportSettings], Report],
) -> Report:
    """The store's report of `name`: the frozen one of a frozen year (and said so), else counted."""
    from complaintflow.store.freezing import counted_as_frozen

    report = counted_as_frozen(store, args.year, name, settings, count)
    if report.frozen_on is not None:
        print(
            f"note: {printable(name)} {report.year} is the report frozen on {report.frozen_on}",
            file=sys.stderr,
        )
    return report


def _write_report(
    args: argparse.Namespace, report: Report, cover: Cover, output: str | None, default: str
) -> None:
    """One report in the format asked for: Markdown, JSON or HTML to standard output or `output`
    (a page's name ends in .html, so that browsers show it as a page); CSV to a folder."""
    from complaintflow.report import to_csv, to_html, to_json, to_markdown

    if args.format == "json":
        emit(to_json(report), output)
    elif args.format == "md":
        emit(to_markdown(report, cover), output)
    elif args.format == "csv":
        if output == STANDARD_OUTPUT:
            raise ComplaintflowError("--output: CSV tables are files in a folder; give the folder's name")
        folder = Path(output or default)
        folder.mkdir(parents=True, exist_ok=True)
        tables = to_csv(report)
        for name, text in tables.items():
            (folder / name).write_text(text, encoding="utf-8", newline="")
        print(f"wrote {len(tables)} CSV tables to {folder}/")
    elif output is None or output == STANDARD_OUTPUT:
        emit(to_html(report, cover), None)
    else:
        target = Path(output)
        if target.suffix.lower() not in (".html", ".htm"):
            target = target.with_name(f"{target.name}.html")
        target.write_text(to_html(report, cover), encoding="utf-8")
        print(f"wrote the HTML report to {target.resolve()}")
