"""`complaintflow store check|rebuild|backup|purge|subject-access`: looking after a store."""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from complaintflow.cli import sources
from complaintflow.cli.common import (
    Parser,
    add_extra_holiday_option,
    add_procedure_option,
    add_store_option,
    iso_date,
)
from complaintflow.cli.output import emit
from complaintflow.errors import printable
from complaintflow.wording import counted


def add_commands(commands: Any) -> None:
    store = commands.add_parser("store", help="look after a store")
    upkeep = store.add_subparsers(dest="operation", required=True, parser_class=Parser)
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
                "--as-of", type=iso_date, required=True, metavar="DATE", help="purge as of this day"
            )
            command.add_argument(
                "--dry-run", action="store_true", help="say what would go and remove nothing"
            )
            command.add_argument("--by", metavar="REF", help="a reference to who purges, for the tombstones")
        add_store_option(command, "the store", required=True)
        add_procedure_option(command)
        add_extra_holiday_option(command)
        command.set_defaults(run=run)


def _store_check(args: argparse.Namespace) -> int:
    differences = sources.open_store(args).check()
    for difference in differences:
        print(printable(difference))
    print(f"{counted(len(differences), 'difference')} between the projections and the events")
    return 1 if differences else 0


def _store_purge(args: argparse.Namespace) -> int:
    summary = sources.open_store(args).purge(args.as_of, dry_run=args.dry_run, by=args.by)
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
    access = sources.open_store(args).subject_access(args.case_id)
    text = access.to_html() if args.format == "html" else access.model_dump_json(indent=2) + "\n"
    emit(text, args.output)
    return 0


def _store_backup(args: argparse.Namespace) -> int:
    events = sources.open_store(args).backup(args.destination)
    print(f"copied {events:,} events to {args.destination}")
    return 0


def _store_rebuild(args: argparse.Namespace) -> int:
    print(f"rebuilt the projections of {counted(sources.open_store(args).rebuild(), 'case')}")
    return 0
