"""`complaintflow demo`: the main job end to end on the seed year.

It replays the 2011-12 and 2012-13 cases of the seed report, shows three case timelines and the
reminders due on a day in that year, prints the 2012-13 annual report and writes it as HTML.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from importlib import resources
from pathlib import Path

from complaintflow.case import Case
from complaintflow.dates import london_today
from complaintflow.eventlog import load_cases
from complaintflow.procedure import Procedure, load_procedure
from complaintflow.progress import progress_bar
from complaintflow.reminders import due_within
from complaintflow.wording import describe_case, describe_event, describe_reminder

DATA = resources.files("complaintflow") / "data"
REMINDERS_ON = date(2012, 9, 7)
REPORT_YEAR = 2012
#: The three cases whose timelines the demo shows: a statutory complaint through all three stages
#: and the Ombudsman, the corporate school-expansion complaint, and an extended stage 1 response.
TIMELINES = ("statutory stage 3", "corporate stage 3", "extended stage 1")


def seed_year_procedures() -> dict[str, Procedure]:
    """The procedures the seed-year log names besides the built-in ones."""
    with resources.as_file(DATA / "corporate-procedure.toml") as path:
        return {"corporate": load_procedure(path)}


def seed_year_cases(until: date | None = None) -> dict[str, Case]:
    """The seed-year log, replayed (with `until`, as it stood on that day)."""
    with resources.as_file(DATA / "seed-year.jsonl") as path:
        return load_cases(path, procedures=seed_year_procedures(), until=until)


def _pick_timelines(cases: dict[str, Case]) -> list[Case]:
    def kinds(case: Case) -> set[str]:
        types = {event.type for event in case.events}
        found = set()
        if "PanelHeld" in types and "OmbudsmanDecided" in types:
            found.add("statutory stage 3")
        if case.procedure is not None and case.procedure.name == "corporate" and case.state == "closed":
            found.add("corporate stage 3")
        if "DeadlineExtended" in types and "EscalationRequested" not in types:
            found.add("extended stage 1")
        return found

    return [[case for case in cases.values() if wanted in kinds(case)][-1] for wanted in TIMELINES]


def run(args: argparse.Namespace) -> int:
    """The seed year: timelines, reminders, the annual report, and the HTML page."""
    from complaintflow.report import Cover, publish, report_from_log, to_csv, to_html, to_json, to_markdown
    from complaintflow.report.published import headline

    started = time.perf_counter()
    cases = seed_year_cases()
    events = sum(len(case.events) for case in cases.values())
    print(
        f"Replayed {len(cases)} cases ({events} events) of the seed report's 2011-12 and 2012-13, "
        "under children-2006 (SI 2006/1738) and the council's corporate procedure."
    )

    for case in _pick_timelines(cases):
        print()
        for line in describe_case(case.view(as_of=date(2013, 3, 31))):
            print(line)
        for event in case.events:
            print(f"    {describe_event(event)}")

    as_it_stood = seed_year_cases(until=REMINDERS_ON)
    reminders = due_within(as_it_stood.values(), as_of=REMINDERS_ON, within=5)
    print(
        f"\nReminders for business support on {REMINDERS_ON:%A %d %B %Y} (due within 5 working days, "
        "and overdue):"
    )
    for reminder in reminders:
        print(f"  {describe_reminder(reminder)}")

    with resources.as_file(DATA / "seed-year.jsonl") as path:
        report = report_from_log(
            path,
            REPORT_YEAR,
            procedures=seed_year_procedures(),
            progress=progress_bar("Building the report", path.stat().st_size),
        )
    published = publish(report, 5)
    print(f"\nThe annual report {report.year}: {headline(report)}")
    folder = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="complaintflow-report-"))
    folder.mkdir(parents=True, exist_ok=True)
    cover = Cover(made_on=london_today())
    (folder / "report.md").write_text(to_markdown(published, cover), encoding="utf-8")
    (folder / "report.html").write_text(to_html(published, cover), encoding="utf-8")
    (folder / "report.json").write_text(to_json(published), encoding="utf-8")
    tables = folder / "csv"
    tables.mkdir(exist_ok=True)
    for name, text in to_csv(published).items():
        (tables / name).write_text(text, encoding="utf-8", newline="")
    print(f"Wrote the full report (Markdown, HTML with charts, CSV tables and JSON) to {folder.resolve()}")
    print(f"Done in {time.perf_counter() - started:.1f} s.")
    return 0
