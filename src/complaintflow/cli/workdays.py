"""`complaintflow workdays add|between|list`: working-day arithmetic, with the reason for each day
skipped."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from complaintflow.calendar import WorkingDayCalendar
from complaintflow.cli.common import Parser, add_calendar_option, iso_date, whole_number
from complaintflow.cli.output import print_lines
from complaintflow.cli.sources import calendar
from complaintflow.errors import ComplaintflowError, printable
from complaintflow.wording import counted


def add_commands(commands: Any) -> None:
    workdays = commands.add_parser("workdays", help="working-day arithmetic, with reasons")
    arithmetic = workdays.add_subparsers(dest="operation", required=True, parser_class=Parser)
    add = arithmetic.add_parser("add", help="the date N working days after DATE (day 0)")
    add.add_argument("start", type=iso_date, metavar="DATE")
    add.add_argument("n", type=whole_number, metavar="N")
    add_calendar_option(add)
    add.set_defaults(run=_workdays_add)
    between = arithmetic.add_parser("between", help="working days in (A, B]")
    between.add_argument("start", type=iso_date, metavar="A")
    between.add_argument("end", type=iso_date, metavar="B")
    add_calendar_option(between)
    between.set_defaults(run=_workdays_between)
    listing = arithmetic.add_parser("list", help="the non-working days of YEAR and why")
    listing.add_argument("year", type=_year, metavar="YEAR")
    listing.add_argument("--weekends", action="store_true", help="list weekends too")
    add_calendar_option(listing)
    listing.set_defaults(run=_workdays_list)


def _year(text: str) -> int:
    if not text.isdigit() or len(text) != 4:
        raise argparse.ArgumentTypeError(f"year {printable(text, 40)!r} is not a four-digit year")
    return int(text)


def _describe_skips(cal: WorkingDayCalendar, start: date, end: date) -> list[str]:
    """One line for each non-working day in (start, end], or (end, start] going back."""
    low, high = min(start, end), max(start, end)
    return [
        f"  skips {day.isoformat()} {day:%a}: {reason}"
        for day, reason in cal.non_working_days(low, high)
        if day != low
    ]


def _workdays_add(args: argparse.Namespace) -> int:
    cal = calendar(args)
    due = cal.add_working_days(args.start, args.n)
    print(f"{args.start.isoformat()} + {counted(args.n, 'working day')} = {due.isoformat()} ({due:%A})")
    print_lines(_describe_skips(cal, args.start, due))
    return 0


def _workdays_between(args: argparse.Namespace) -> int:
    cal = calendar(args)
    count = cal.working_days_between(args.start, args.end)
    print(f"{counted(count, 'working day')} from {args.start.isoformat()} to {args.end.isoformat()}")
    print_lines(_describe_skips(cal, args.start, args.end))
    return 0


def _workdays_list(args: argparse.Namespace) -> int:
    cal = calendar(args)
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
