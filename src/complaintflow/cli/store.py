"""`complaintflow store check|rebuild|backup|purge|subject-access|redact|erase`: looking after a
store, and the requests people make about their records."""

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
        ("redact", _store_redact, "rewrite a case's personal fields in every stored event, on request"),
        ("erase", _store_erase, "remove a whole case before its time, on request, leaving a tombstone"),
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
        if operation in ("redact", "erase"):
            _add_request_options(command, operation)
        add_store_option(command, "the store", required=True)
        add_procedure_option(command)
        add_extra_holiday_option(command)
        command.set_defaults(run=run)


def _add_request_options(command: argparse.ArgumentParser, operation: str) -> None:
    """What a redaction or an erasure request names: the case, why, and who acts on it."""
    command.add_argument("case_id", metavar="CASE_ID", help="the case reference")
    if operation == "redact":
        command.add_argument(
            "--field",
            action="append",
            required=True,
            metavar="F",
            help="a personal field: service_user[.gender|.ethnicity|.disability], reason, late_reason, "
            "skip_reason or description (repeatable)",
        )
        command.add_argument("--reason", required=True, help="why, as the Redacted event records it")
    else:
        command.add_argument(
            "--reason", required=True, metavar="REF", help="a reference to the request, kept in the tombstone"
        )
        command.add_argument("--as-of", type=iso_date, metavar="DATE", help="the day (default: today)")
    command.add_argument("--by", required=True, metavar="REF", help="a reference to who acts on the request")


def _store_redact(args: argparse.Namespace) -> int:
    version = sources.open_store(args).redact(args.case_id, args.field, args.reason, args.by)
    fields = ", ".join(dict.fromkeys(args.field))
    print(printable(f"redacted {fields} in every event of {args.case_id} (version {version})"))
    return 0


def _store_erase(args: argparse.Namespace) -> int:
    stone = sources.open_store(args).erase(args.case_id, by=args.by, as_of=args.as_of, reason=args.reason)
    print(printable(f"erased {args.case_id}: {stone.events:,} events; tombstone {stone.digest[:12]}"))
    return 0


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
