"""The `complaintflow` command line, for complaints managers and scripts.

User errors (a missing file, a malformed date, a bad event on line 12) print one line naming the
place and exit with status 2; they never show a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date

from complaintflow.calendar import WorkingDayCalendar
from complaintflow.dates import parse_iso_date
from complaintflow.errors import ComplaintflowError

Command = Callable[[argparse.Namespace], int]

_CALENDAR_CHOICES = ("england-and-wales", "scotland", "northern-ireland", "united-kingdom")


class _Parser(argparse.ArgumentParser):
    """argparse, but its usage errors become ComplaintflowErrors reported in one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ComplaintflowError(f"{self.prog}: {message}")


def _date(text: str) -> date:
    try:
        return parse_iso_date(text, "date")
    except ComplaintflowError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _calendar(args: argparse.Namespace) -> WorkingDayCalendar:
    return WorkingDayCalendar.named(args.calendar)


def _describe_skips(cal: WorkingDayCalendar, start: date, end: date) -> list[str]:
    """One line for each non-working day in (start, end], or (end, start] going back."""
    low, high = min(start, end), max(start, end)
    return [
        f"  skips {day.isoformat()} {day:%a}: {reason}"
        for day, reason in cal.non_working_days(low, high)
        if day != low
    ]


def _print_lines(lines: Sequence[str]) -> None:
    for line in lines:
        print(line)


def _workdays_add(args: argparse.Namespace) -> int:
    cal = _calendar(args)
    due = cal.add_working_days(args.start, args.n)
    print(f"{args.start.isoformat()} + {args.n} working days = {due.isoformat()} ({due:%A})")
    _print_lines(_describe_skips(cal, args.start, due))
    return 0


def _workdays_between(args: argparse.Namespace) -> int:
    cal = _calendar(args)
    count = cal.working_days_between(args.start, args.end)
    print(f"{count} working days from {args.start.isoformat()} to {args.end.isoformat()}")
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


def _year(text: str) -> int:
    if not text.isdigit() or len(text) != 4:
        raise argparse.ArgumentTypeError(f"year {text!r} is not a four-digit year")
    return int(text)


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of working days") from None


def _add_calendar_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--calendar",
        choices=_CALENDAR_CHOICES,
        default="england-and-wales",
        help="whose bank holidays to skip (default: england-and-wales, the statutory calendar)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; each subcommand sets `run` to the function that carries it out."""
    from complaintflow import demo

    parser = _Parser(prog="complaintflow", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    commands.add_parser("demo", help="the main job on the built-in example").set_defaults(run=demo.run)

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    try:
        args = build_parser().parse_args(argv)
        run: Command = args.run
        return run(args)
    except ComplaintflowError as error:
        print(f"complaintflow: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"complaintflow: error: {error.strerror}: {error.filename}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
