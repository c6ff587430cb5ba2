"""`complaintflow case`, `due`, `apply` and `export`: cases and their deadlines from a log or a
store, one event stored from standard input, and a store's events written out."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from complaintflow.cli import sources
from complaintflow.cli.common import (
    add_extra_holiday_option,
    add_jobs_option,
    add_log_options,
    add_procedure_option,
    add_store_option,
    iso_date,
    whole_number,
)
from complaintflow.cli.output import print_csv, print_json_array, print_lines
from complaintflow.dates import london_today
from complaintflow.errors import ComplaintflowError, printable
from complaintflow.limits import MAX_EVENT_BYTES
from complaintflow.reminders import Reminder, due_within
from complaintflow.wording import counted, describe_case, describe_event, describe_reminder


def add_commands(commands: Any) -> None:
    case = commands.add_parser("case", help="replay a JSON Lines event log and show each case")
    add_log_options(case)
    case.add_argument("--case", metavar="ID", help="show only this case")
    case.add_argument("--events", action="store_true", help="and each case's events, dated, in order")
    case.set_defaults(run=_case)

    due = commands.add_parser("due", help="deadlines due soon, and overdue ones, across a log")
    add_log_options(due, formats=("text", "json", "csv"))
    due.add_argument(
        "--within", type=whole_number, default=5, metavar="N", help="working days ahead (default 5)"
    )
    due.add_argument("--officer", metavar="REF", help="only the cases this officer owns")
    due.add_argument("--team", metavar="REF", help="only the cases this team owns")
    add_jobs_option(due)
    due.set_defaults(run=_due)
    apply = commands.add_parser("apply", help="store one event read from standard input and show the case")
    add_store_option(apply, "where to store it", required=True)
    apply.add_argument(
        "--expected-version", type=int, metavar="N", help="refuse if the case has changed since"
    )
    apply.add_argument(
        "--as-of", type=iso_date, default=london_today(), metavar="DATE", help="default: today"
    )
    apply.add_argument("--format", choices=("json",), default="json", help="the case view as JSON")
    add_procedure_option(apply)
    add_extra_holiday_option(apply)
    apply.set_defaults(run=_apply, makes_store=True)
    exports = commands.add_parser("export", help="write a store's events as JSON Lines")
    add_store_option(exports, "the store to read", required=True)
    exports.add_argument("--output", metavar="PATH", help="where to write (default: standard output)")
    add_procedure_option(exports)
    add_extra_holiday_option(exports)
    exports.set_defaults(run=_export)


def _case(args: argparse.Namespace) -> int:
    cases = sources.cases(args)
    if args.case:
        if args.case not in cases:
            raise ComplaintflowError(f"no case {args.case!r} in {args.file}")
        cases = {args.case: cases[args.case]}
    if args.events and args.format == "json":
        raise ComplaintflowError("--events: the timeline is text; in JSON, the events are the log itself")
    views = (case.view(as_of=args.as_of) for case in cases.values())
    if args.format == "json":
        print_json_array(views)
        return 0
    print(f"{counted(len(cases), 'case')} as of {args.as_of.isoformat()}")
    for case, view in zip(cases.values(), views, strict=True):
        print()
        print_lines(describe_case(view))
        if args.events:
            print("  events:")
            print_lines(f"    {describe_event(event)}" for event in case.events if event.on <= args.as_of)
    return 0


def _due(args: argparse.Namespace) -> int:
    sources.check_source(args)
    if args.store is not None:
        reminders = sources.open_store(args).due(
            within=args.within, as_of=args.as_of, officer=args.officer, team=args.team
        )
    else:
        in_parallel = _due_in_parallel(args)
        reminders = [
            reminder
            for reminder in (
                in_parallel
                if in_parallel is not None
                else due_within(sources.cases(args).values(), as_of=args.as_of, within=args.within)
            )
            if reminder.owned_by(args.officer, args.team)
        ]
    if args.format == "json":
        print_json_array(reminders)
        return 0
    if args.format == "csv":
        print_csv(list(Reminder.model_fields), (reminder.model_dump(mode="json") for reminder in reminders))
        return 0
    overdue = sum(reminder.status == "overdue" for reminder in reminders)
    within = counted(args.within, "working day")
    print(
        f"{counted(len(reminders), 'deadline')} overdue or due within {within} of "
        f"{args.as_of.isoformat()} ({overdue} overdue)"
    )
    width = max((len(reminder.case_id) for reminder in reminders), default=0)
    print_lines([describe_reminder(reminder, max(width, 12)) for reminder in reminders])
    return 0


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
        procedures=sources.procedures(args),
        calendar=sources.host_calendar(args),
    )


def _apply(args: argparse.Namespace) -> int:
    """One event from standard input, stored; the case view on standard output."""
    from complaintflow.events import parse_event

    event = parse_event(sys.stdin.buffer.read(MAX_EVENT_BYTES + 1))
    store = sources.open_store(args)
    store.append(event.case_id, [event], expected_version=args.expected_version)
    print(json.dumps(store.load(event.case_id).view(as_of=args.as_of).model_dump(mode="json"), indent=2))
    return 0


def _export(args: argparse.Namespace) -> int:
    """Write every readable event; name each stored row that cannot be read, and go on."""
    store = sources.open_store(args)
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
