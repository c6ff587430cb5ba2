"""What the command groups share: the parser that reports usage errors in one line, the argument
types that check what a person typed, and the options several commands take alike."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date

from complaintflow.calendar import WorkingDayCalendar
from complaintflow.dates import london_today, parse_iso_date
from complaintflow.errors import ComplaintflowError, printable

#: What a command does with its parsed arguments; it returns the exit status.
Command = Callable[[argparse.Namespace], int]

#: What --output takes to mean standard output, as other commands do.
STANDARD_OUTPUT = "-"

_CALENDAR_CHOICES = ("england-and-wales", "scotland", "northern-ireland", "united-kingdom")

#: What an added day is called when --extra-holiday gives only its date and jurisdiction.
_PROCLAIMED = "Bank holiday by proclamation"


class Parser(argparse.ArgumentParser):
    """argparse, but its usage errors become ComplaintflowErrors reported in one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ComplaintflowError(f"{self.prog}: {message}")


def iso_date(text: str) -> date:
    """A date as YYYY-MM-DD."""
    try:
        return parse_iso_date(text)
    except ComplaintflowError as error:  # the person typed it, so it is shown back, shortened
        raise argparse.ArgumentTypeError(f"{printable(text, 40)!r} is {error}") from None


def whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{printable(text, 40)!r} is not a whole number of working days"
        ) from None


def _extra_holiday(text: str) -> tuple[date, str, str | None]:
    """DATE:JURISDICTION[:NAME], a bank holiday proclaimed after this release for one part of the UK
    (or all of it); DATE:NAME, the form of earlier releases, leaves the jurisdiction to the command."""
    day, _, rest = text.partition(":")
    where, _, name = rest.partition(":")
    if where in WorkingDayCalendar.NAMES:
        return iso_date(day), name.strip() or _PROCLAIMED, where
    if not rest.strip():
        raise argparse.ArgumentTypeError(
            "give the day and where it was proclaimed, as DATE:JURISDICTION[:NAME] "
            f"(JURISDICTION one of {', '.join(WorkingDayCalendar.NAMES)})"
        )
    return iso_date(day), rest, None


def add_store_option(parser: argparse.ArgumentParser, what: str, required: bool = False) -> None:
    parser.add_argument(
        "--store", metavar="URL", required=required, help=f"{what}: sqlite:PATH or postgresql://..."
    )


def add_procedure_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--procedure", action="append", metavar="FILE", help="a procedure file (repeatable)")


def add_jobs_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--jobs",
        type=whole_number,
        metavar="N",
        help="worker processes to replay the log (default: one per core from 40 MB, else one)",
    )


def add_log_options(parser: argparse.ArgumentParser, formats: tuple[str, ...] = ("text", "json")) -> None:
    """A log FILE.jsonl or --store to read, as it stood --as-of a day, and the --format to answer in."""
    parser.add_argument("file", metavar="FILE.jsonl", nargs="?", help="events, one JSON object per line")
    add_store_option(parser, "read the store instead of a log file")
    parser.add_argument(
        "--as-of", type=iso_date, default=london_today(), metavar="DATE", help="default: today in London"
    )
    parser.add_argument("--format", choices=formats, default="text")
    parser.add_argument(
        "--procedure",
        action="append",
        metavar="FILE",
        help="a procedure file the log's cases may name (repeatable)",
    )
    add_extra_holiday_option(parser)


def add_calendar_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--calendar",
        choices=_CALENDAR_CHOICES,
        default="england-and-wales",
        help="whose bank holidays to skip (default: england-and-wales, the statutory calendar)",
    )
    add_extra_holiday_option(parser)


def add_extra_holiday_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--extra-holiday",
        action="append",
        type=_extra_holiday,
        metavar="DATE:JURISDICTION[:NAME]",
        help="a bank holiday proclaimed after this release for england-and-wales, scotland, "
        "northern-ireland or united-kingdom, e.g. 2031-06-09:scotland (repeatable)",
    )
