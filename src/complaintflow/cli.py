"""The `complaintflow` command line, for complaints managers and scripts.

User errors (a missing file, a malformed date, a bad event on line 12) print one line naming the
place and exit with status 2; they never show a traceback.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from complaintflow.calendar import AddedBankHoliday, WorkingDayCalendar
from complaintflow.case import Case, CaseView
from complaintflow.cli_notices import add_commands as add_notice_commands
from complaintflow.dates import london_today, parse_iso_date
from complaintflow.errors import ComplaintflowError, RefusedAfterEarlierLine, printable
from complaintflow.eventlog import load_cases
from complaintflow.files import bounded_lines, open_regular
from complaintflow.limits import HEADER_SECONDS, MAX_CONNECTIONS, MAX_EVENT_BYTES
from complaintflow.procedure import Procedure, built_in_names, load_procedure, procedure_json_schema
from complaintflow.progress import progress_bar
from complaintflow.reminders import Reminder, due_within
from complaintflow.store.base import EventStore
from complaintflow.wording import counted, describe_event

if TYPE_CHECKING:
    from complaintflow.report import Cover, Report
    from complaintflow.report.records import CaseRecord

Command = Callable[[argparse.Namespace], int]

#: What --output takes to mean standard output, as other commands do.
STANDARD_OUTPUT = "-"

_CALENDAR_CHOICES = ("england-and-wales", "scotland", "northern-ireland", "united-kingdom")


class _Parser(argparse.ArgumentParser):
    """argparse, but its usage errors become ComplaintflowErrors reported in one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ComplaintflowError(f"{self.prog}: {message}")


def _date(text: str) -> date:
    try:
        return parse_iso_date(text)
    except ComplaintflowError as error:  # the person typed it, so it is shown back, shortened
        raise argparse.ArgumentTypeError(f"{printable(text, 40)!r} is {error}") from None


#: What an added day is called when --extra-holiday gives only its date and jurisdiction.
_PROCLAIMED = "Bank holiday by proclamation"


def _calendar(args: argparse.Namespace) -> WorkingDayCalendar:
    """The --calendar chosen, with the --extra-holiday days: one given without a jurisdiction is
    for the calendar asked about."""
    return WorkingDayCalendar.named(args.calendar, extra_bank_holidays=_added(args, args.calendar))


def _host_calendar(args: argparse.Namespace) -> WorkingDayCalendar | None:
    """The bank holidays given with --extra-holiday, for every case of a log: each counts only in the
    jurisdiction it names, whatever the jurisdiction of the case's procedure."""
    if not args.extra_holiday:
        return None
    return WorkingDayCalendar.england_and_wales(extra_bank_holidays=_added(args, None))


def _added(args: argparse.Namespace, own: str | None) -> dict[date, AddedBankHoliday]:
    """The --extra-holiday days by date, a day given twice applying in each place named; a day with
    no jurisdiction is for `own`, and refused where there is none (the cases may be of any part)."""
    added: dict[date, AddedBankHoliday] = {}
    for day, name, where in args.extra_holiday or ():
        if where is None and own is None:
            raise ComplaintflowError(
                f"--extra-holiday {day.isoformat()}: say where it was proclaimed, as "
                f"DATE:JURISDICTION[:NAME], JURISDICTION one of {', '.join(WorkingDayCalendar.NAMES)}"
            )
        known = added.get(day)
        places = (*(known.jurisdictions if known else ()), where or own or "")
        added[day] = AddedBankHoliday(known.name if known else name, places)
    return added


def _extra_holiday(text: str) -> tuple[date, str, str | None]:
    """DATE:JURISDICTION[:NAME], a bank holiday proclaimed after this release for one part of the UK
    (or all of it); DATE:NAME, the form of earlier releases, leaves the jurisdiction to the command."""
    day, _, rest = text.partition(":")
    where, _, name = rest.partition(":")
    if where in WorkingDayCalendar.NAMES:
        return _date(day), name.strip() or _PROCLAIMED, where
    if not rest.strip():
        raise argparse.ArgumentTypeError(
            "give the day and where it was proclaimed, as DATE:JURISDICTION[:NAME] "
            f"(JURISDICTION one of {', '.join(WorkingDayCalendar.NAMES)})"
        )
    return _date(day), rest, None


def _describe_skips(cal: WorkingDayCalendar, start: date, end: date) -> list[str]:
    """One line for each non-working day in (start, end], or (end, start] going back."""
    low, high = min(start, end), max(start, end)
    return [
        f"  skips {day.isoformat()} {day:%a}: {reason}"
        for day, reason in cal.non_working_days(low, high)
        if day != low
    ]


def _print_lines(lines: Iterable[str]) -> None:
    """Print text made from events: control characters, such as a newline inside a case reference,
    are shown as '?' so that no field can write a line of its own."""
    for line in lines:
        print(printable(line, 100_000))


def _workdays_add(args: argparse.Namespace) -> int:
    cal = _calendar(args)
    due = cal.add_working_days(args.start, args.n)
    print(f"{args.start.isoformat()} + {counted(args.n, 'working day')} = {due.isoformat()} ({due:%A})")
    _print_lines(_describe_skips(cal, args.start, due))
    return 0


def _workdays_between(args: argparse.Namespace) -> int:
    cal = _calendar(args)
    count = cal.working_days_between(args.start, args.end)
    print(f"{counted(count, 'working day')} from {args.start.isoformat()} to {args.end.isoformat()}")
    _print_lines(_describe_skips(cal, args.start, args.end))
    return 0


def _workdays_list(args: argparse.Namespace) -> int:
    cal = _calendar(args)
    if not cal.first_year <= args.year <= cal.last_year:
        raise ComplaintflowError(
            f"year {args.year} is outside {cal.first_year}-{cal.last_year}, "
            f"the years the {cal.name} calendar vouches for"
        )
    weekends = 0
    for day, reason in cal.non_working_days(date(args.year, 1, 1), date(args.year, 12, 31)):
        if reason in ("Saturday", "Sunday") and not args.weekends:
            weekends += 1
            continue
        print(f"{day.isoformat()} {day:%a}  {reason}")
    if weekends:
        print(f"(and {weekends} Saturdays and Sundays; --weekends lists them)")
    return 0


def _procedures(args: argparse.Namespace) -> dict[str, Procedure]:
    """Procedures from --procedure files, by the name each declares."""
    loaded = [load_procedure(Path(path)) for path in args.procedure or ()]
    return {procedure.name: procedure for procedure in loaded}


#: The commands that may make a new store; the others read one that must exist already.
_MAKING_A_STORE = frozenset({"import", "apply", "serve", "tokens"})


def _store(args: argparse.Namespace) -> EventStore:
    """The store named by --store, with the --procedure files and --extra-holiday days given."""
    from complaintflow.store import open_store

    return open_store(
        args.store,
        procedures=_procedures(args),
        calendar=_host_calendar(args),
        create=args.command in _MAKING_A_STORE,
    )


def _source(args: argparse.Namespace) -> None:
    """Exactly one of a log file and --store."""
    if (args.file is None) == (args.store is None):
        raise ComplaintflowError(f"{args.command}: give a log FILE.jsonl or --store URL, not both or neither")


def _cases(args: argparse.Namespace) -> dict[str, Case]:
    """Every case of the log or store; from a log, keeping only what follows from the events."""
    _source(args)
    if args.store is not None:
        store = _store(args)
        wanted = [args.case] if getattr(args, "case", None) else store.cases()
        cases = {case_id: store.load(case_id) for case_id in wanted}
        return {case_id: case for case_id, case in cases.items() if case.events[0].on <= args.as_of}
    path = Path(args.file)
    size = path.stat().st_size if path.is_file() else 0
    return load_cases(
        path,
        procedures=_procedures(args),
        until=args.as_of,  # the log as it stood at the end of that day
        keep_events=getattr(args, "events", False),  # for the timeline only: memory grows with events
        progress=progress_bar("Replaying events", size),
        calendar=_host_calendar(args),
    )


def describe_case(view: CaseView) -> list[str]:
    """A case view as lines of text for a complaints manager."""
    status = "open" if view.open else "closed"
    stage = f"stage {view.stage}, " if view.stage else ""
    outcome = f"; outcome {view.outcome}" if view.outcome else ""
    deferred = "; DEFERRED" if view.deferred else ""
    lines = [f"{view.case_id}  {view.procedure or '-'}  {view.state} ({stage}{status}){outcome}{deferred}"]
    for deadline in view.deadlines:
        due = deadline.due.isoformat() if deadline.due else "paused"
        detail = {
            "met": f"met {deadline.met_on}",
            "met_late": f"met LATE {deadline.met_on}",
            "pending": _when(deadline.status, deadline.remaining_working_days),
            "overdue": _when(deadline.status, deadline.remaining_working_days),
            "paused": f"paused, {_when(deadline.status, deadline.remaining_working_days)}",
        }.get(deadline.status, deadline.status)
        length = f"{deadline.length} {deadline.unit.replace('_', ' ')}"
        lines.append(f"  {deadline.name:<27} due {due:<10}  {detail:<34} [{length}; {deadline.source}]")
    lines.append(f"  may record next: {', '.join(view.allowed) or 'nothing'}")
    return lines


def _case(args: argparse.Namespace) -> int:
    cases = _cases(args)
    if args.case:
        if args.case not in cases:
            raise ComplaintflowError(f"no case {args.case!r} in {args.file}")
        cases = {args.case: cases[args.case]}
    if args.events and args.format == "json":
        raise ComplaintflowError("--events: the timeline is text; in JSON, the events are the log itself")
    views = (case.view(as_of=args.as_of) for case in cases.values())
    if args.format == "json":
        _print_json_array(views)
        return 0
    print(f"{counted(len(cases), 'case')} as of {args.as_of.isoformat()}")
    for case, view in zip(cases.values(), views, strict=True):
        print()
        _print_lines(describe_case(view))
        if args.events:
            print("  events:")
            _print_lines(f"    {describe_event(event)}" for event in case.events if event.on <= args.as_of)
    return 0


def _print_json_array(items: Iterable[BaseModel]) -> None:
    """A JSON array of models laid out as json.dumps(..., indent=2) would, written an item at a time.
    pydantic writes each (four times as fast); json.dumps only an item with other than ASCII, which
    it writes as \\u escapes, so the output is ASCII whatever the terminal."""
    first = True
    for item in items:
        text = item.model_dump_json(indent=2)
        if not text.isascii():
            text = json.dumps(item.model_dump(mode="json"), indent=2)
        text = text.replace("\n", "\n  ")
        print(f"[\n  {text}" if first else f",\n  {text}", end="")
        first = False
    print("[]" if first else "\n]")


def _when(status: str, remaining: int | None) -> str:
    """The working days left before a deadline, or past it, as a complaints manager says it."""
    if status == "overdue":
        return f"OVERDUE, {counted(-(remaining or 0), 'working day')} past due"
    return f"{counted(remaining or 0, 'working day')} left"


def describe_reminder(reminder: Reminder, case_width: int = 12) -> str:
    """One line of the daily list, the case reference padded to `case_width`."""
    when = _when(reminder.status, reminder.remaining_working_days)
    area = f"  {reminder.service_area}" if reminder.service_area else ""
    return (
        f"{reminder.due.isoformat()}  {reminder.case_id:<{case_width}} {reminder.deadline:<24} "
        f"stage {reminder.stage}  {when}{area}"
    )


def _due(args: argparse.Namespace) -> int:
    _source(args)
    if args.store is not None:
        reminders = _store(args).due(
            within=args.within, as_of=args.as_of, officer=args.officer, team=args.team
        )
    else:
        in_parallel = _due_in_parallel(args)
        reminders = [
            reminder
            for reminder in (
                in_parallel
                if in_parallel is not None
                else due_within(_cases(args).values(), as_of=args.as_of, within=args.within)
            )
            if reminder.owned_by(args.officer, args.team)
        ]
    if args.format == "json":
        _print_json_array(reminders)
        return 0
    if args.format == "csv":
        _print_csv(list(Reminder.model_fields), (reminder.model_dump(mode="json") for reminder in reminders))
        return 0
    overdue = sum(reminder.status == "overdue" for reminder in reminders)
    within = counted(args.within, "working day")
    print(
        f"{counted(len(reminders), 'deadline')} overdue or due within {within} of "
        f"{args.as_of.isoformat()} ({overdue} overdue)"
    )
    width = max((len(reminder.case_id) for reminder in reminders), default=0)
    _print_lines([describe_reminder(reminder, max(width, 12)) for reminder in reminders])
    return 0


def _print_csv(header: list[str], rows: Iterable[dict[str, object]]) -> None:
    """Rows as CSV for a spreadsheet. Text from events that a spreadsheet would take for a formula
    (=, +, -, @ first) is written after an apostrophe, so that opening the file runs nothing."""
    writer = csv.writer(sys.stdout)
    writer.writerow(header)
    for row in rows:
        cells = [row[key] for key in header]
        writer.writerow(
            f"'{cell}" if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
            for cell in cells
        )


def _due_in_parallel(args: argparse.Namespace) -> list[Reminder] | None:
    """The daily list from worker processes, for a large log; None where one process reads it."""
    from complaintflow.report.workers import jobs_for, reminders_in_parallel

    workers = jobs_for(args.file, args.jobs)
    if workers < 2:
        return None
    return reminders_in_parallel(
        args.file,
        workers,
        as_of=args.as_of,
        within=args.within,
        procedures=_procedures(args),
        calendar=_host_calendar(args),
    )


def _list_procedures(args: argparse.Namespace) -> int:
    for name in built_in_names():
        procedure = load_procedure(name)
        print(f"{name:<16} {procedure.title} ({procedure.source.instrument})")
    return 0


def _show_procedure(args: argparse.Namespace) -> int:
    from complaintflow._machine import mermaid

    procedure = load_procedure(args.name)
    if args.mermaid:
        print(mermaid(procedure))
        return 0
    if args.format == "json":
        print(procedure.model_dump_json(indent=2, by_alias=True))
        return 0
    _print_lines(describe_procedure(procedure))
    return 0


def describe_procedure(procedure: Procedure) -> list[str]:
    """A procedure as text: its deadlines with sources, its states, and its policies."""
    lines = [f"{procedure.name}: {procedure.title}", f"  source: {procedure.source.cite()}", "", "Deadlines:"]
    for name, deadline in procedure.deadlines.items():
        cap = f", extendable to {deadline.extendable_to}" if deadline.extendable_to else ""
        if deadline.extendable_without_cap:
            cap = ", extendable without a fixed cap"
        starts = " or ".join(match.event for match in procedure.deadline_starts(name))
        if deadline.counts_start_day:
            starts = f"{starts}, commencing on that day"
        lines.append(
            f"  {name:<27} stage {deadline.stage}  {deadline.length} {deadline.unit.replace('_', ' ')}"
            f"{cap}; from {starts}  [{deadline.source.cite()}]"
        )
    lines += ["", "States and the events each allows:"]
    from complaintflow._machine import graph_for

    graph = graph_for(procedure)
    for name, state in procedure.states.items():
        marker = " (final)" if state.final else ""
        lines.append(f"  {name}{marker}: {state.description}")
        lines.append(f"      allows: {', '.join(graph.allowed(name)) or 'nothing'}")
    lines += ["", "Policies (choice in force, and the documented default):"]
    for name, policy in procedure.policies.items():
        lines.append(f"  {name} = {procedure.policy(name)} (default {policy.default}): {policy.description}")
    lines += ["", "Rules:"]
    for name, rule in procedure.rules.items():
        lines.append(f"  {name}: {rule.description} [{rule.source.cite()}]")
    if procedure.retention is not None:
        retention = procedure.retention
        lines += ["", f"Retention: {retention.years} years after the case ends [{retention.source.cite()}]"]
    return lines


def _procedure_schema(args: argparse.Namespace) -> int:
    print(json.dumps(procedure_json_schema(), indent=2))
    return 0


def _report(args: argparse.Namespace) -> int:
    from complaintflow.report import AnnualReport, Cover, year_label

    _source(args)
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
            _emit("\n---\n\n".join(to_markdown(report, cover) for report in reports.values()), args.output)
        else:
            by_name = {name: report.model_dump(mode="json") for name, report in reports.items()}
            _emit(json.dumps(by_name, indent=2), args.output)
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

    if args.raw:
        if args.suppress_below is not None:
            raise ComplaintflowError("--raw: every count is printed; give it or --suppress-below, not both")
        return reports
    below = args.suppress_below if args.suppress_below is not None else PUBLISHED_SUPPRESS_BELOW
    if below < 2:
        raise ComplaintflowError("--suppress-below: at least 2; ask for every count by name with --raw")
    store = _store(args) if args.store is not None else None
    earlier = store.publications() if store is not None else []
    for path in args.published_before or ():
        earlier += read_record(path)
    published = {
        name: publish(report, below, earlier=earlier, procedures=name, republish=args.republish)
        for name, report in reports.items()
    }
    made = [publication(report, name) for name, report in published.items()]
    if store is not None:
        for kept in made:
            store.record_publication(kept)
    elif record is not None:
        Path(record).write_text(record_text([*earlier, *made]), encoding="utf-8")
    return published


def _counted_reports(args: argparse.Namespace) -> dict[str, Report]:
    """One report per procedure (or per --only name); several --only names of the children's kind
    make one report of their cases together, as a council reports its corporate complaints about
    children's services beside its statutory ones."""
    from complaintflow.report import (
        UNASSIGNED,
        ReportSettings,
        of_procedures,
        records_from_log,
        report_kind,
        reports,
    )
    from complaintflow.report.forms import build

    settings = ReportSettings(
        target_percent=args.target, services=tuple(args.service or ()), by_team=args.by_team
    )
    if args.store is not None:
        store = _store(args)
        records: Iterable[CaseRecord] = store.records()
        procedures = store.procedures
    else:
        path = Path(args.file)
        size = path.stat().st_size if path.exists() else 0
        procedures = _procedures(args)
        records = records_from_log(
            path,
            procedures=procedures,
            progress=progress_bar("Replaying events", size),
            calendar=_host_calendar(args),
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
        return {together: build("children", chosen, args.year, procedure=together, settings=settings)}
    found = reports(records, args.year, only=only, procedures=procedures, settings=settings, homes=args.homes)
    alike = [name for name in found if name != UNASSIGNED and report_kind(name, procedures) == "children"]
    if not only and len(alike) > 1:
        together = " ".join(f"--only {name}" for name in alike)
        print(f"note: {together} makes one report of their cases together", file=sys.stderr)
    return found


def _write_report(
    args: argparse.Namespace, report: Report, cover: Cover, output: str | None, default: str
) -> None:
    """One report in the format asked for: Markdown, JSON or HTML to standard output or `output`
    (a page's name ends in .html, so that browsers show it as a page); CSV to a folder."""
    from complaintflow.report import to_csv, to_html, to_json, to_markdown

    if args.format == "json":
        _emit(to_json(report), output)
    elif args.format == "md":
        _emit(to_markdown(report, cover), output)
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
        _emit(to_html(report, cover), None)
    else:
        target = Path(output)
        if target.suffix.lower() not in (".html", ".htm"):
            target = target.with_name(f"{target.name}.html")
        target.write_text(to_html(report, cover), encoding="utf-8")
        print(f"wrote the HTML report to {target.resolve()}")


def _emit(text: str, output: str | None) -> None:
    """The text on standard output (for no `output`, or '-'), or in the file `output`."""
    if output is None or output == STANDARD_OUTPUT:
        print(text.rstrip("\n"))
    else:
        Path(output).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        print(f"wrote {output}")


def _import(args: argparse.Namespace) -> int:
    """Store a file's events; name each line refused and why, and keep the lines accepted. With
    --dry-run, say what would be added, skipped and refused, and write nothing."""
    store = _store(args)
    unread: list[tuple[int, ComplaintflowError]] = []  # a spreadsheet's rows that could not be read
    with _import_source(args, unread) as lines:
        summary = store.import_events(lines, dry_run=args.dry_run)
    refused = sorted([*summary.refused, *unread], key=lambda pair: pair[0])
    for message in _refusals(refused):
        print(message, file=sys.stderr)
    counts = (
        f"{counted(summary.added, 'event')}, {summary.skipped} stored already, "
        f"{counted(len(refused), 'line')} refused"
    )
    if args.dry_run:
        print(f"dry run, nothing written to {store.name}: would add {counts}")
    else:
        print(f"imported into {store.name}: added {counts}")
    return 1 if refused else 0


@contextmanager
def _import_source(
    args: argparse.Namespace, unread: list[tuple[int, ComplaintflowError]]
) -> Iterator[Iterable[tuple[int, object]]]:
    """The events to import, each with the number of its line, as one iterable: a spreadsheet's
    (read through --mapping) numbered by row, each row that cannot be read put in `unread`."""
    if args.mapping is not None or args.file.lower().endswith((".csv", ".xlsx")):
        yield _sheet_events(args, unread)
        return
    if args.file == "-":
        yield _numbered_lines(bounded_lines(sys.stdin.buffer), None)
        return
    with open_regular(args.file) as handle:  # a regular file only, read a bounded line at a time
        size = os.fstat(handle.fileno()).st_size
        yield _numbered_lines(bounded_lines(handle), progress_bar("Storing events", size))


def _refusals(refused: Sequence[tuple[int, ComplaintflowError]]) -> Iterator[str]:
    """A line per refused line; the lines refused only because an earlier line of their case was
    refused are said once per case, with that line."""
    following: dict[int, list[int]] = {}
    for number, error in refused:
        if isinstance(error, RefusedAfterEarlierLine):
            following.setdefault(error.first, []).append(number)
    for number, error in refused:
        if not isinstance(error, RefusedAfterEarlierLine):
            yield printable(f"line {number}: {error}")
            if number in following:
                yield _followers(number, following[number])


def _followers(first: int, numbers: list[int]) -> str:
    shown = ", ".join(str(number) for number in numbers[:10])
    more = f" and {len(numbers) - 10:,} more" if len(numbers) > 10 else ""
    lines = "line" if len(numbers) == 1 else "lines"
    return f"{lines} {shown}{more}: refused because line {first} of this case was refused"


def _sheet_events(
    args: argparse.Namespace, unread: list[tuple[int, ComplaintflowError]]
) -> Iterator[tuple[int, dict[str, object]]]:
    """The events of a spreadsheet's rows, read through --mapping."""
    from complaintflow.importing import load_mapping, sheet_events

    if args.mapping is None:
        raise ComplaintflowError("import: a .csv or .xlsx file needs --mapping MAPPING.toml")
    mapping = load_mapping(args.mapping)
    return sheet_events(args.file, mapping, on_refused=lambda row: unread.append((row.row, row)))


def _numbered_lines(
    lines: Iterable[bytes], progress: Callable[[int], None] | None
) -> Iterator[tuple[int, bytes]]:
    """The non-blank lines with their numbers, telling `progress` the bytes read now and then."""
    done = 0
    for number, line in enumerate(lines, start=1):
        done += len(line)
        if progress is not None and number % 10_000 == 0:
            progress(done)
        if line.strip():
            yield number, line
    if progress is not None:
        progress(done)


def _serve(args: argparse.Namespace) -> int:
    """Serve the store over HTTP until stopped (SQLite in ./complaints.db unless --store says)."""
    import logging

    from complaintflow.extras import require_extra

    require_extra("service", "fastapi", "uvicorn", needed_by="serve")
    from complaintflow.service import create_app
    from complaintflow.service.server import serve

    if args.store is None:
        args.store = "sqlite:complaints.db"
    store = _store(args)
    app = create_app(store, cors_origins=tuple(args.cors_origin or ()))
    if args.notify:
        from complaintflow.notices import schedule

        schedule.start(store)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    serve(app, args.host, args.port, header_seconds=args.header_timeout, max_connections=args.max_connections)
    return 0


def _tokens_create(args: argparse.Namespace) -> int:
    from complaintflow.store.tokens import create_token

    token = create_token(_store(args), args.name, args.scope)
    print(token)
    print(f"{args.name} ({args.scope}): keep this token safe; it is not shown again", file=sys.stderr)
    return 0


def _tokens_list(args: argparse.Namespace) -> int:
    from complaintflow.store.tokens import list_tokens

    for token in list_tokens(_store(args)):
        state = "revoked" if token.revoked else "active"
        print(f"{token.name:<24} {token.scope:<7} {token.created_on}  {state}")
    return 0


def _tokens_revoke(args: argparse.Namespace) -> int:
    from complaintflow.store.tokens import revoke_token

    revoke_token(_store(args), args.name)
    print(f"revoked {args.name}")
    return 0


def _apply(args: argparse.Namespace) -> int:
    """One event from standard input, stored; the case view on standard output."""
    from complaintflow.events import parse_event

    event = parse_event(sys.stdin.buffer.read(MAX_EVENT_BYTES + 1))
    store = _store(args)
    store.append(event.case_id, [event], expected_version=args.expected_version)
    print(json.dumps(store.load(event.case_id).view(as_of=args.as_of).model_dump(mode="json"), indent=2))
    return 0


def _export(args: argparse.Namespace) -> int:
    """Write every readable event; name each stored row that cannot be read, and go on."""
    store = _store(args)
    unreadable: list[int] = []

    def passed_over(position: int, case_id: str, error: ComplaintflowError) -> None:
        unreadable.append(position)
        print(
            printable(f"position {position} (case {case_id}): cannot be read, not written: {error}"),
            file=sys.stderr,
        )

    lines = store.export(passed_over)
    if args.output is None:
        for line in lines:
            print(line)
    else:
        count = 0
        with Path(args.output).open("w", encoding="utf-8") as handle:
            for line in lines:
                handle.write(line + "\n")
                count += 1
        print(f"wrote {counted(count, 'event')} to {args.output}")
    if unreadable:
        print(
            f"{counted(len(unreadable), 'stored event')} cannot be read; `store check` lists them",
            file=sys.stderr,
        )
    return 1 if unreadable else 0


def _store_check(args: argparse.Namespace) -> int:
    differences = _store(args).check()
    for difference in differences:
        print(printable(difference))
    print(f"{counted(len(differences), 'difference')} between the projections and the events")
    return 1 if differences else 0


def _store_purge(args: argparse.Namespace) -> int:
    summary = _store(args).purge(args.as_of, dry_run=args.dry_run, by=args.by)
    verb = "would purge" if summary.dry_run else "purged"
    for decision in summary.purged:
        print(
            printable(
                f"{verb} {decision.case_id} ({decision.procedure or 'no procedure'}): "
                f"ended {decision.ended_on}, kept until {decision.keep_until}"
            )
        )
    reasons = Counter(decision.reason for decision in summary.kept)
    kept = "; ".join(f"{count:,} {reason}" for reason, count in sorted(reasons.items()))
    print(
        f"{verb} {counted(len(summary.purged), 'case')}; kept {counted(len(summary.kept), 'case')}"
        + (f" ({kept})" if kept else "")
    )
    return 0


def _store_subject_access(args: argparse.Namespace) -> int:
    access = _store(args).subject_access(args.case_id)
    text = access.to_html() if args.format == "html" else access.model_dump_json(indent=2) + "\n"
    _emit(text, args.output)
    return 0


def _store_backup(args: argparse.Namespace) -> int:
    events = _store(args).backup(args.destination)
    print(f"copied {events:,} events to {args.destination}")
    return 0


def _store_rebuild(args: argparse.Namespace) -> int:
    print(f"rebuilt the projections of {counted(_store(args).rebuild(), 'case')}")
    return 0


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


def _year(text: str) -> int:
    if not text.isdigit() or len(text) != 4:
        raise argparse.ArgumentTypeError(f"year {printable(text, 40)!r} is not a four-digit year")
    return int(text)


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 65_535):
        raise argparse.ArgumentTypeError(f"port {printable(text, 40)!r} is not a port from 1 to 65535")
    return int(text)


def _positive(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 1_000_000):
        raise argparse.ArgumentTypeError(f"{printable(text, 40)!r} is not a whole number from 1 to 1,000,000")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.1 <= value <= 3_600:
        raise argparse.ArgumentTypeError(
            f"{printable(text, 40)!r} is not a number of seconds from 0.1 to 3600"
        )
    return value


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{printable(text, 40)!r} is not a whole number of working days"
        ) from None


def _add_calendar_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--calendar",
        choices=_CALENDAR_CHOICES,
        default="england-and-wales",
        help="whose bank holidays to skip (default: england-and-wales, the statutory calendar)",
    )
    _add_extra_holiday_option(parser)


def _add_extra_holiday_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--extra-holiday",
        action="append",
        type=_extra_holiday,
        metavar="DATE:JURISDICTION[:NAME]",
        help="a bank holiday proclaimed after this release for england-and-wales, scotland, "
        "northern-ireland or united-kingdom, e.g. 2031-06-09:scotland (repeatable)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; each subcommand sets `run` to the function that carries it out."""
    from complaintflow import demo

    parser = _Parser(prog="complaintflow", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo_command = commands.add_parser("demo", help="the main job on the built-in example")
    demo_command.add_argument(
        "--out", metavar="DIR", help="where to write the report (default: a new temporary folder)"
    )
    demo_command.set_defaults(run=demo.run)

    workdays = commands.add_parser("workdays", help="working-day arithmetic, with reasons")
    arithmetic = workdays.add_subparsers(dest="operation", required=True, parser_class=_Parser)
    add = arithmetic.add_parser("add", help="the date N working days after DATE (day 0)")
    add.add_argument("start", type=_date, metavar="DATE")
    add.add_argument("n", type=_whole_number, metavar="N")
    _add_calendar_option(add)
    add.set_defaults(run=_workdays_add)
    between = arithmetic.add_parser("between", help="working days in (A, B]")
    between.add_argument("start", type=_date, metavar="A")
    between.add_argument("end", type=_date, metavar="B")
    _add_calendar_option(between)
    between.set_defaults(run=_workdays_between)
    listing = arithmetic.add_parser("list", help="the non-working days of YEAR and why")
    listing.add_argument("year", type=_year, metavar="YEAR")
    listing.add_argument("--weekends", action="store_true", help="list weekends too")
    _add_calendar_option(listing)
    listing.set_defaults(run=_workdays_list)

    case = commands.add_parser("case", help="replay a JSON Lines event log and show each case")
    _add_log_options(case)
    case.add_argument("--case", metavar="ID", help="show only this case")
    case.add_argument("--events", action="store_true", help="and each case's events, dated, in order")
    case.set_defaults(run=_case)

    due = commands.add_parser("due", help="deadlines due soon, and overdue ones, across a log")
    _add_log_options(due, formats=("text", "json", "csv"))
    due.add_argument(
        "--within", type=_whole_number, default=5, metavar="N", help="working days ahead (default 5)"
    )
    due.add_argument("--officer", metavar="REF", help="only the cases this officer owns")
    due.add_argument("--team", metavar="REF", help="only the cases this team owns")
    _add_jobs_option(due)
    due.set_defaults(run=_due)

    report = commands.add_parser("report", help="the statutory annual report from an event log")
    report.add_argument("file", metavar="FILE.jsonl", nargs="?", help="events, one JSON object per line")
    _add_store_option(report, "read the store instead of a log file")
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
        type=_whole_number,
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
    _add_jobs_option(report)
    report.add_argument(
        "--homes",
        type=_whole_number,
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
    _add_extra_holiday_option(report)
    report.add_argument(
        "--procedure",
        action="append",
        metavar="FILE",
        help="a procedure file the log's cases may name (repeatable)",
    )
    report.set_defaults(run=_report)

    serve = commands.add_parser("serve", help="serve the HTTP JSON API over a store (the service extra)")
    _add_store_option(serve, "the store to serve")
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="the port, 1 to 65535 (default 8000)")
    serve.add_argument(
        "--header-timeout",
        type=_seconds,
        default=HEADER_SECONDS,
        metavar="SECONDS",
        help=f"close a connection whose request headers take longer (default {HEADER_SECONDS:g})",
    )
    serve.add_argument(
        "--max-connections",
        type=_positive,
        default=MAX_CONNECTIONS,
        metavar="N",
        help=f"connections open at once, at most (default {MAX_CONNECTIONS}, or half the open-file limit)",
    )
    serve.add_argument("--cors-origin", action="append", metavar="ORIGIN", help="allow a browser origin")
    serve.add_argument("--procedure", action="append", metavar="FILE", help="a procedure file (repeatable)")
    _add_extra_holiday_option(serve)
    serve.set_defaults(run=_serve)
    serve.add_argument(
        "--notify", action="store_true", help="also make the day's notices hourly and deliver them"
    )
    add_notice_commands(commands, _Parser, _store, _add_store_option, _date)
    tokens = commands.add_parser("tokens", help="make, list and revoke the service's access tokens")
    token_commands = tokens.add_subparsers(dest="operation", required=True, parser_class=_Parser)
    create = token_commands.add_parser("create", help="make a token and print it, once")
    create.add_argument("name", metavar="NAME", help="who or what will use it, e.g. case-system")
    create.add_argument("--scope", choices=("read", "write", "report", "admin"), required=True)
    _add_store_option(create, "the store", required=True)
    create.set_defaults(run=_tokens_create, procedure=None, extra_holiday=None)
    listing = token_commands.add_parser("list", help="list the tokens (never the tokens themselves)")
    _add_store_option(listing, "the store", required=True)
    listing.set_defaults(run=_tokens_list, procedure=None, extra_holiday=None)
    revoke = token_commands.add_parser("revoke", help="revoke a token by name")
    revoke.add_argument("name", metavar="NAME")
    _add_store_option(revoke, "the store", required=True)
    revoke.set_defaults(run=_tokens_revoke, procedure=None, extra_holiday=None)
    apply = commands.add_parser("apply", help="store one event read from standard input and show the case")
    _add_store_option(apply, "where to store it", required=True)
    apply.add_argument(
        "--expected-version", type=int, metavar="N", help="refuse if the case has changed since"
    )
    apply.add_argument("--as-of", type=_date, default=london_today(), metavar="DATE", help="default: today")
    apply.add_argument("--format", choices=("json",), default="json", help="the case view as JSON")
    apply.add_argument("--procedure", action="append", metavar="FILE", help="a procedure file (repeatable)")
    _add_extra_holiday_option(apply)
    apply.set_defaults(run=_apply)
    imports = commands.add_parser("import", help="store the events of a JSON Lines file or a spreadsheet")
    imports.add_argument(
        "file", metavar="FILE", help="FILE.jsonl: one event per line ('-': stdin); or FILE.csv, FILE.xlsx"
    )
    imports.add_argument(
        "--mapping", metavar="MAPPING.toml", help="what each column of a .csv or .xlsx file holds"
    )
    _add_store_option(imports, "where to store them", required=True)
    imports.add_argument("--procedure", action="append", metavar="FILE", help="a procedure file (repeatable)")
    imports.add_argument(
        "--dry-run", action="store_true", help="check the file against the store and write nothing"
    )
    _add_extra_holiday_option(imports)
    imports.set_defaults(run=_import)
    exports = commands.add_parser("export", help="write a store's events as JSON Lines")
    _add_store_option(exports, "the store to read", required=True)
    exports.add_argument("--output", metavar="PATH", help="where to write (default: standard output)")
    exports.add_argument("--procedure", action="append", metavar="FILE", help="a procedure file (repeatable)")
    _add_extra_holiday_option(exports)
    exports.set_defaults(run=_export)
    store = commands.add_parser("store", help="look after a store")
    upkeep = store.add_subparsers(dest="operation", required=True, parser_class=_Parser)
    for operation, run, help_text in (
        ("check", _store_check, "recompute the projections from the events and list any difference"),
        ("rebuild", _store_rebuild, "recompute the projections from the events and keep them"),
        ("backup", _store_backup, "copy a SQLite store consistently while it is in use"),
        ("purge", _store_purge, "remove the cases past their retention, leaving a tombstone of each"),
        ("subject-access", _store_subject_access, "everything the store holds about a case"),
    ):
        command = upkeep.add_parser(operation, help=help_text)
        if operation == "subject-access":
            command.add_argument("case_id", metavar="CASE_ID", help="the case reference")
            command.add_argument("--format", choices=("html", "json"), default="html", help="a page, or JSON")
            command.add_argument("--output", metavar="PATH", help="where to write (default: standard output)")
        if operation == "backup":
            command.add_argument("destination", metavar="DEST", help="the new file (never overwritten)")
        if operation == "purge":
            command.add_argument(
                "--as-of", type=_date, required=True, metavar="DATE", help="purge as of this day"
            )
            command.add_argument(
                "--dry-run", action="store_true", help="say what would go and remove nothing"
            )
            command.add_argument("--by", metavar="REF", help="a reference to who purges, for the tombstones")
        _add_store_option(command, "the store", required=True)
        command.add_argument(
            "--procedure", action="append", metavar="FILE", help="a procedure file (repeatable)"
        )
        _add_extra_holiday_option(command)
        command.set_defaults(run=run)

    commands.add_parser("procedures", help="list the built-in procedures").set_defaults(run=_list_procedures)
    procedure = commands.add_parser("procedure", help="show a procedure definition, or its schema")
    about = procedure.add_subparsers(dest="operation", required=True, parser_class=_Parser)
    show = about.add_parser("show", help="a procedure's deadlines, states and policies")
    show.add_argument("name", metavar="NAME", help="a built-in name or a .toml/.json file")
    show.add_argument("--mermaid", action="store_true", help="print a Mermaid state diagram")
    show.add_argument("--format", choices=("text", "json"), default="text")
    show.set_defaults(run=_show_procedure)
    about.add_parser("schema", help="the JSON Schema of procedure files").set_defaults(run=_procedure_schema)
    return parser


def _add_store_option(parser: argparse.ArgumentParser, what: str, required: bool = False) -> None:
    parser.add_argument(
        "--store", metavar="URL", required=required, help=f"{what}: sqlite:PATH or postgresql://..."
    )


def _add_jobs_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--jobs",
        type=_whole_number,
        metavar="N",
        help="worker processes to replay the log (default: one per core from 40 MB, else one)",
    )


def _add_log_options(parser: argparse.ArgumentParser, formats: tuple[str, ...] = ("text", "json")) -> None:
    parser.add_argument("file", metavar="FILE.jsonl", nargs="?", help="events, one JSON object per line")
    _add_store_option(parser, "read the store instead of a log file")
    parser.add_argument(
        "--as-of", type=_date, default=london_today(), metavar="DATE", help="default: today in London"
    )
    parser.add_argument("--format", choices=formats, default="text")
    parser.add_argument(
        "--procedure",
        action="append",
        metavar="FILE",
        help="a procedure file the log's cases may name (repeatable)",
    )
    _add_extra_holiday_option(parser)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    A user error prints one line and exits with 2; with `--format json`, it prints an RFC 9457 problem
    document on standard error instead and exits with its kind's own code (complaintflow.problems).
    """
    words = list(sys.argv[1:] if argv is None else argv)
    as_json = _wants_json(words)
    try:
        args = build_parser().parse_args(words)
        run: Command = args.run
        return run(args)
    except ComplaintflowError as error:
        return _report_error(error, as_json)
    except BrokenPipeError:  # e.g. piped into `head`: not an error
        sys.stderr.close()
        return 0
    except OSError as error:
        failure = ComplaintflowError(f"{error.strerror}: {error.filename}")
        return _report_error(failure, as_json)
    except KeyboardInterrupt:
        return 130


def _wants_json(words: list[str]) -> bool:
    """`apply` always answers in JSON; other commands do with --format json."""
    if words[:1] == ["apply"] or "--format=json" in words:
        return True
    return any(word == "--format" and then == "json" for word, then in itertools.pairwise(words))


def _report_error(error: ComplaintflowError, as_json: bool) -> int:
    if not as_json:
        print(f"complaintflow: error: {error}", file=sys.stderr)
        return 2
    from complaintflow.problems import kind_of, problem

    print(json.dumps(problem(error)), file=sys.stderr)
    return kind_of(error).exit_code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
