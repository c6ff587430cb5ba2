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

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from complaintflow._bulk import collector_paused
from complaintflow.calendar import WorkingDayCalendar
from complaintflow.eventlog import read_events, replay_cases
from complaintflow.events import EventBase
from complaintflow.procedure import Procedure
from complaintflow.report.model import AnnualReport
from complaintflow.report.published import Cover
from complaintflow.report.records import CaseRecord, reporting_year, year_label
from complaintflow.report.tables import ReportSettings, build_report

__all__ = [
    "AnnualReport",
    "CaseRecord",
    "Cover",
    "ReportSettings",
    "annual_report",
    "publish",
    "records_from_events",
    "report_from_log",
    "reporting_year",
    "to_csv",
    "to_html",
    "to_json",
    "to_markdown",
    "year_label",
]

#: Counts from 1 to this minus 1 are hidden in a published report unless asked otherwise.
PUBLISHED_SUPPRESS_BELOW = 5


def publish(report: AnnualReport, suppress_below: int = PUBLISHED_SUPPRESS_BELOW) -> AnnualReport:
    """The report as it may be published: small counts hidden, with the cells that would give them
    back (docs/report.md). `suppress_below=0` publishes every count."""
    from complaintflow.report.suppression import suppress

    return suppress(report, suppress_below)


def to_markdown(report: AnnualReport, cover: Cover | None = None) -> str:
    """Every table as Markdown, for a committee paper, under the cover's title, council and date."""
    from complaintflow.report.markdown import to_markdown as markdown

    return markdown(report, cover)


def to_html(report: AnnualReport, cover: Cover | None = None) -> str:
    """One self-contained page, with SVG charts where matplotlib (the report extra) is installed."""
    from complaintflow.report.html import to_html as html

    return html(report, cover)


def to_csv(report: AnnualReport) -> dict[str, str]:
    """Each table as CSV text, by file name (`NN-key.csv`)."""
    from complaintflow.report.csv_files import csv_files

    return csv_files(report)


def to_json(report: AnnualReport) -> str:
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
    the number of cases, not of events.
    """
    records: dict[str, CaseRecord] = {}

    def note(event: EventBase) -> None:
        record = records.get(event.case_id)
        if record is None:
            record = records[event.case_id] = CaseRecord()
        record.add(event)

    cases = replay_cases(
        events, procedures=procedures, source=source, keep_events=False, observe=note, calendar=calendar
    )
    for case_id, case in cases.items():
        record = records[case_id]
        record.finish(case)
        yield record


def annual_report(
    events: Iterable[object],
    year: int,
    *,
    target_percent: float = 75.0,
    procedures: Mapping[str, Procedure] | None = None,
    settings: ReportSettings | None = None,
) -> AnnualReport:
    """The annual report for the year starting 1 April `year`, from events in any form."""
    settings = settings or ReportSettings(target_percent=target_percent)
    with collector_paused():
        return build_report(records_from_events(events, procedures=procedures), year, settings)


def report_from_log(
    path: str | Path,
    year: int,
    *,
    target_percent: float = 75.0,
    procedures: Mapping[str, Procedure] | None = None,
    progress: Callable[[int], None] | None = None,
    calendar: WorkingDayCalendar | None = None,
    services: Sequence[str] = (),
) -> AnnualReport:
    """The annual report from a JSON Lines event log; errors name the file and line. Services come
    in the order given, then as they first appear in the log."""
    events = read_events(path, progress=progress)
    records = records_from_events(events, procedures=procedures, source=str(path), calendar=calendar)
    settings = ReportSettings(target_percent=target_percent, services=tuple(services))
    with collector_paused():
        return build_report(records, year, settings)
