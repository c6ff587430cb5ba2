"""`complaintflow import`: a JSON Lines file's or a spreadsheet's events into a store, each line
refused named with why, the lines accepted kept."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from complaintflow.cli import sources
from complaintflow.cli.common import add_extra_holiday_option, add_procedure_option, add_store_option
from complaintflow.errors import ComplaintflowError, RefusedAfterEarlierLine, printable
from complaintflow.files import bounded_lines, open_regular
from complaintflow.progress import progress_bar
from complaintflow.wording import counted


def add_commands(commands: Any) -> None:
    imports = commands.add_parser("import", help="store the events of a JSON Lines file or a spreadsheet")
    imports.add_argument(
        "file", metavar="FILE", help="FILE.jsonl: one event per line ('-': stdin); or FILE.csv, FILE.xlsx"
    )
    imports.add_argument(
        "--mapping", metavar="MAPPING.toml", help="what each column of a .csv or .xlsx file holds"
    )
    add_store_option(imports, "where to store them", required=True)
    add_procedure_option(imports)
    imports.add_argument(
        "--dry-run", action="store_true", help="check the file against the store and write nothing"
    )
    add_extra_holiday_option(imports)
    imports.set_defaults(run=_import, makes_store=True)


def _import(args: argparse.Namespace) -> int:
    """Store a file's events; name each line refused and why, and keep the lines accepted. With
    --dry-run, say what would be added, skipped and refused, and write nothing."""
    store = sources.open_store(args)
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
