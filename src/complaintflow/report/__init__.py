"""The statutory annual report, computed from the event log.

>>> from complaintflow.report import annual_report
>>> report = annual_report([
...     {"type": "ComplaintReceived", "case_id": "C-1", "on": "2012-05-01", "procedure": "children-2006",
...      "service_area": "Targeted Services"},
...     {"type": "Responded", "case_id": "C-1", "on": "2012-05-10", "stage": 1, "outcome": "upheld"},
... ], year=2012)
>>> report.counts.stage1, report.stage1_timeliness["Targeted Services"].percent
(1, 100.0)
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from complaintflow._bulk import collector_paused
from complaintflow.calendar import WorkingDayCalendar
from complaintflow.case import Case
from complaintflow.eventlog import keeping_events_if_late, read_events, replay_cases
from complaintflow.events import EventBase
from complaintflow.procedure import Procedure, registered_procedure
from complaintflow.report.adults import AdultsReport
from complaintflow.report.code_performance import CodePerformanceReport
from complaintflow.report.forms import Report
from complaintflow.report.model import AnnualReport
from complaintflow.report.publications import Publication
from complaintflow.report.published import Cover
from complaintflow.report.records import CaseRecord, record_of, reporting_year, year_from_label, year_label
from complaintflow.report.spso import SpsoReport
from complaintflow.report.tables import ReportSettings, Tally, build_report, report_of

R = TypeVar("R", bound=Report)

__all__ = [
    "UNASSIGNED",
    "AdultsReport",
    "AnnualReport",
    "CaseRecord",
    "CodePerformanceReport",
    "Cover",
    "Publication",
    "Report",
    "ReportSettings",
    "SpsoReport",
    "annual_report",
    "by_procedure",
    "of_procedures",
    "publication",
    "publish",
    "records_from_events",
    "records_from_log",
    "report_from_log",
    "report_kind",
    "reported_under",
    "reporting_year",
    "reports",
    "reports_from_log",
    "to_csv",
    "to_html",
    "to_json",
    "to_markdown",
    "year_from_label",
    "year_label",
]

#: The report of the concerns and compliments that name no procedure, in a log with several.
UNASSIGNED = "unassigned"

#: Counts from 1 to this minus 1 are hidden in a published report unless asked otherwise.
PUBLISHED_SUPPRESS_BELOW = 5


def publish(
    report: R,
    suppress_below: int = PUBLISHED_SUPPRESS_BELOW,
    *,
    earlier: Sequence[Publication] = (),
    procedures: str | None = None,
    republish: bool = False,
) -> R:
    """The report as it may be published: small counts withheld, with every cell and percentage
    that would give one back, given every figure the `earlier` publications printed
    (docs/report.md). The report is of `procedures` ("a+b" for several together; by default its
    own). A year and procedures published before at another threshold are refused unless
    `republish`. `suppress_below=0` publishes every count."""
    from complaintflow.report.forms import procedures_of, withhold
    from complaintflow.report.publications import check_threshold

    named = procedures or procedures_of(report)
    if not republish and suppress_below > 1:
        check_threshold(earlier, report.year, named, suppress_below)
    published = withhold(report, suppress_below, earlier, named)
    assert isinstance(published, type(report))
    return published


def publication(report: Report, procedures: str | None = None) -> Publication:
    """The record of a published report, to keep (a store keeps it) or to pass as `earlier` to
    the next publication."""
    from complaintflow.report.forms import publication_of

    return publication_of(report, procedures)


def to_markdown(report: Report, cover: Cover | None = None) -> str:
    """Every table as Markdown, for a committee paper, under the cover's title, council and date."""
    from complaintflow.report.markdown import to_markdown as markdown

    return markdown(report, cover)


def to_html(report: Report, cover: Cover | None = None) -> str:
    """One self-contained page; the children's report has SVG charts where matplotlib (the report
    extra) is installed, each with the table of its figures as its text alternative."""
    from complaintflow.report.html import to_html as html

    return html(report, cover)


def to_csv(report: Report) -> dict[str, str]:
    """Each table as CSV text, by file name (`NN-key.csv`; a list, such as the learning actions,
    as `NN-key-list.csv`)."""
    from complaintflow.report.csv_files import csv_files

    return csv_files(report)


def to_json(report: Report) -> str:
    """The report as JSON: every count, with each percentage's numerator and denominator."""
    return report.model_dump_json(indent=2)


def records_from_events(
    events: Iterable[object | tuple[int, EventBase]],
    *,
    procedures: Mapping[str, Procedure] | None = None,
    source: str = "events",
    calendar: WorkingDayCalendar | None = None,
) -> Iterator[CaseRecord]:
    """Replay every event, checking each against its case, and yield each case's record.

    Cases keep what follows from their events, not the events themselves, so memory grows with
    the number of cases, not of events. Events given as a list or tuple with one entered late
    (dated before an earlier event of its case) are replayed again keeping each case's events.
    """
    yield from keeping_events_if_late(
        lambda keep: replayed_records(events, keep, procedures=procedures, source=source, calendar=calendar),
        can_read_again=isinstance(events, Sequence),
    )


def replayed_records(
    events: Iterable[object | tuple[int, EventBase]],
    keep_events: bool,
    *,
    procedures: Mapping[str, Procedure] | None,
    source: str,
    calendar: WorkingDayCalendar | None,
) -> list[CaseRecord]:
    """Each case's record, in the order the cases first appear; with `keep_events=False` a closed
    case's clocks are read into its record and let go as soon as it is settled."""
    return list(
        _replayed(events, keep_events, procedures=procedures, source=source, calendar=calendar).values()
    )


def _replayed(
    events: Iterable[object | tuple[int, EventBase]],
    keep_events: bool,
    *,
    procedures: Mapping[str, Procedure] | None,
    source: str,
    calendar: WorkingDayCalendar | None,
    closed: Callable[[str, CaseRecord], CaseRecord] | None = None,
    places: dict[str, int] | None = None,
) -> dict[str, CaseRecord]:
    """Each case's record by case reference, in the order the cases first appear. With
    `keep_events=False` a closed case's clocks are read into its record as soon as it is settled,
    and the record is given to `closed`, which gives back the record to keep in its place. Each
    case not yet in `places` is put there with its place among the cases."""
    records: dict[str, CaseRecord] = {}
    corrected: set[str] = set()  # cases with a voided event: their records are made again at the end

    def note(event: EventBase) -> None:
        record = records.get(event.case_id)
        if record is None:
            record = records[event.case_id] = CaseRecord()
            if places is not None:
                places.setdefault(event.case_id, len(places))
        record.add(event)
        if event.type == "EventVoided":
            corrected.add(event.case_id)

    def settle(case_id: str, case: Case) -> None:
        record = records[case_id]
        record.finish(case)  # a closed case's clocks are then let go
        if closed is not None:
            records[case_id] = closed(case_id, record)

    cases = replay_cases(
        events,
        procedures=procedures,
        source=source,
        keep_events=keep_events,
        observe=note,
        calendar=calendar,
        settle=None if keep_events else settle,
    )
    for case_id, case in cases.items():
        if case_id in corrected:  # a void needs the case's events, so it kept them
            records[case_id] = record_of(case)
            continue
        records[case_id].finish(case)  # again for a settled case: no clocks left, nothing changes
    return records


def replayed_tallies(
    events: Iterable[object | tuple[int, EventBase]],
    keep_events: bool,
    *,
    procedures: Mapping[str, Procedure] | None,
    source: str,
    calendar: WorkingDayCalendar | None,
    first_lines: dict[str, int] | None = None,
) -> dict[str | None, Tally]:
    """The tally of the children's report of every case, by the procedure each case names (None
    where it names none). A case is counted as soon as it is settled, keeping only the record of
    what may still follow (`Tally.add_closed`), or else at the end. The cases are ordered by their
    `first_lines` (a worker's share of a log: the line of each case's first event), else by the
    order they first appear."""
    tallies: dict[str | None, Tally] = {}
    places = {} if first_lines is None else first_lines
    counted: set[str] = set()  # closed cases counted as they settled

    def tally_of_procedure(record: CaseRecord) -> Tally:
        tally = tallies.get(record.procedure)
        if tally is None:
            tally = tallies[record.procedure] = Tally()
        return tally

    def closed(case_id: str, record: CaseRecord) -> CaseRecord:
        if case_id in counted:
            return record
        counted.add(case_id)
        return tally_of_procedure(record).add_closed(record, places[case_id])

    records = _replayed(
        events,
        keep_events,
        procedures=procedures,
        source=source,
        calendar=calendar,
        closed=closed,
        places=places,
    )
    with collector_paused():
        for case_id, record in records.items():
            tally = tally_of_procedure(record)
            if case_id in counted:
                tally.add_follow_ups(record, places[case_id])
            else:
                tally.add(record, places[case_id])
    return tallies


def annual_report(
    events: Iterable[object],
    year: int,
    *,
    target_percent: float = 75.0,
    procedures: Mapping[str, Procedure] | None = None,
    settings: ReportSettings | None = None,
    only: Collection[str] | None = None,
) -> AnnualReport:
    """The children's annual report tables for the year starting 1 April `year`, from events in any
    form: every procedure's cases together, or those of the procedures named in `only`."""
    settings = settings or ReportSettings(target_percent=target_percent)
    records = of_procedures(records_from_events(events, procedures=procedures), only)
    with collector_paused():
        return build_report(records, year, settings)


def report_from_log(
    path: str | Path,
    year: int,
    *,
    target_percent: float = 75.0,
    procedures: Mapping[str, Procedure] | None = None,
    progress: Callable[[int], None] | None = None,
    calendar: WorkingDayCalendar | None = None,
    services: Sequence[str] = (),
    only: Collection[str] | None = None,
    jobs: int | None = 1,
) -> AnnualReport:
    """The annual report from a JSON Lines event log; errors name the file and line. Services come
    in the order given, then as they first appear in the log. `jobs` worker processes replay
    shares of the cases (None: one per core for a large log); the report is the same whatever it is."""
    tallies = _tallies_from_log(path, procedures=procedures, progress=progress, calendar=calendar, jobs=jobs)
    settings = ReportSettings(target_percent=target_percent, services=tuple(services))
    with collector_paused():
        return report_of(tally_of_procedures(tallies, only), year, settings)


def reported_under(records: Iterable[CaseRecord]) -> list[tuple[str, CaseRecord]]:
    """Each record with the procedure whose report counts it, in the order the records come. A
    record that names no procedure (a concern or compliment logged without one) goes with the
    only procedure of a log that has one; in a log with several it goes to "unassigned"."""
    records = list(records)
    named = {record.procedure for record in records if record.procedure is not None}
    sole = next(iter(named)) if len(named) == 1 else UNASSIGNED
    return [(record.procedure or sole, record) for record in records]


def tally_of_procedures(tallies: Mapping[str | None, Tally], only: Collection[str] | None) -> Tally:
    """The tallies of the procedures named (all where none are) merged, with `of_procedures`'
    rule for cases that name no procedure (`reported_under`)."""
    named = [name for name in tallies if name is not None]
    sole = named[0] if len(named) == 1 else UNASSIGNED
    merged = Tally()
    for name, tally in tallies.items():
        if only is None or (name or sole) in only:
            merged.merge(tally)
    return merged


def by_procedure(records: Iterable[CaseRecord]) -> dict[str, list[CaseRecord]]:
    """Each procedure's records, procedures in the order they first appear (`reported_under`)."""
    grouped: dict[str, list[CaseRecord]] = {}
    for name, record in reported_under(records):
        grouped.setdefault(name, []).append(record)
    return grouped


def of_procedures(records: Iterable[CaseRecord], only: Collection[str] | None) -> list[CaseRecord]:
    """The records of the procedures named (all where none are), in the order they come, so that a
    report of several procedures lists services as they first appear."""
    return [record for name, record in reported_under(records) if only is None or name in only]


def reports(
    records: Iterable[CaseRecord],
    year: int,
    *,
    only: Collection[str] | None = None,
    procedures: Mapping[str, Procedure] | None = None,
    settings: ReportSettings | None = None,
    homes: int | None = None,
) -> dict[str, Report]:
    """One report for each procedure in the records (or each named in `only`), of the kind its law
    or Code asks for (`Procedure.annual_report`). `homes` gives the Tenant Satisfaction Measures'
    CH01 for the Complaint Handling Code reports."""
    from complaintflow.report.forms import build

    settings = settings or ReportSettings()
    grouped = by_procedure(records)
    names = list(grouped) if only is None else list(dict.fromkeys(only))
    found: dict[str, Report] = {}
    with collector_paused():
        for name in names:  # a procedure named but absent gets its report of a year with no data
            kind = report_kind(name, procedures)
            found[name] = build(
                kind, grouped.get(name, []), year, procedure=name, settings=settings, homes=homes
            )
    return found


def reports_from_log(
    path: str | Path,
    year: int,
    *,
    only: Collection[str] | None = None,
    procedures: Mapping[str, Procedure] | None = None,
    progress: Callable[[int], None] | None = None,
    calendar: WorkingDayCalendar | None = None,
    settings: ReportSettings | None = None,
    homes: int | None = None,
    jobs: int | None = 1,
) -> dict[str, Report]:
    """`reports` from a JSON Lines event log; errors name the file and line. `jobs` as for
    `report_from_log`."""
    records = records_from_log(path, procedures=procedures, progress=progress, calendar=calendar, jobs=jobs)
    return reports(records, year, only=only, procedures=procedures, settings=settings, homes=homes)


def records_from_log(
    path: str | Path,
    *,
    procedures: Mapping[str, Procedure] | None = None,
    progress: Callable[[int], None] | None = None,
    calendar: WorkingDayCalendar | None = None,
    jobs: int | None = 1,
) -> Iterable[CaseRecord]:
    """Every case's record from a JSON Lines log, in the order the cases first appear, replayed in
    `jobs` worker processes (None: one per core for a large log). Progress is shown only in one."""
    from complaintflow.report.workers import jobs_for, records_in_parallel

    workers = jobs_for(path, jobs)
    if workers > 1:
        found = records_in_parallel(path, workers, procedures=procedures, calendar=calendar)
        if found is not None:
            return found

    def replay(keep: bool) -> list[CaseRecord]:
        events = read_events(path, progress=progress)
        return replayed_records(events, keep, procedures=procedures, source=str(path), calendar=calendar)

    # A file with an event entered late is read again, keeping the events; standard input cannot be.
    return keeping_events_if_late(replay, can_read_again=str(path) != "-")


def _tallies_from_log(
    path: str | Path,
    *,
    procedures: Mapping[str, Procedure] | None,
    progress: Callable[[int], None] | None,
    calendar: WorkingDayCalendar | None,
    jobs: int | None,
) -> dict[str | None, Tally]:
    """The tallies of a JSON Lines log by procedure (`replayed_tallies`), counted in `jobs` worker
    processes as `records_from_log` reads them."""
    from complaintflow.report.workers import jobs_for, tallies_in_parallel

    workers = jobs_for(path, jobs)
    if workers > 1:
        found = tallies_in_parallel(path, workers, procedures=procedures, calendar=calendar)
        if found is not None:
            return found

    def replay(keep: bool) -> dict[str | None, Tally]:
        events = read_events(path, progress=progress)
        return replayed_tallies(events, keep, procedures=procedures, source=str(path), calendar=calendar)

    return keeping_events_if_late(replay, can_read_again=str(path) != "-")


def report_kind(name: str, procedures: Mapping[str, Procedure] | None = None) -> str:
    """The kind of report a procedure's law or Code asks for ("children" for unassigned records)."""
    if name == UNASSIGNED:
        return "children"
    if procedures and name in procedures:
        return procedures[name].annual_report
    return registered_procedure(name).annual_report
