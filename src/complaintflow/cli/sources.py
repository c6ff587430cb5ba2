"""Where a command's cases come from: a JSON Lines log or a --store, with the --procedure files and
the --extra-holiday days given."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from complaintflow.calendar import AddedBankHoliday, WorkingDayCalendar
from complaintflow.case import Case
from complaintflow.errors import ComplaintflowError
from complaintflow.eventlog import load_cases
from complaintflow.procedure import Procedure, load_procedure
from complaintflow.progress import progress_bar
from complaintflow.store.base import EventStore


def calendar(args: argparse.Namespace) -> WorkingDayCalendar:
    """The --calendar chosen, with the --extra-holiday days: one given without a jurisdiction is
    for the calendar asked about."""
    return WorkingDayCalendar.named(args.calendar, extra_bank_holidays=_added(args, args.calendar))


def host_calendar(args: argparse.Namespace) -> WorkingDayCalendar | None:
    """The bank holidays given with --extra-holiday, for every case of a log: each counts only in the
    jurisdiction it names, whatever the jurisdiction of the case's procedure."""
    if not args.extra_holiday:
        return None
    return WorkingDayCalendar.england_and_wales(extra_bank_holidays=_added(args, None))


def _added(args: argparse.Namespace, own: str | None) -> dict[date, AddedBankHoliday]:
    """The --extra-holiday days by date, a day given twice applying in each place named; a day with
    no jurisdiction is for `own`, and refused where there is none (the cases may be of any part)."""
    added: dict[date, AddedBankHoliday] = {}
    for day, name, where in args.extra_holiday or ():
        if where is None and own is None:
            raise ComplaintflowError(
                f"--extra-holiday {day.isoformat()}: say where it was proclaimed, as "
                f"DATE:JURISDICTION[:NAME], JURISDICTION one of {', '.join(WorkingDayCalendar.NAMES)}"
            )
        known = added.get(day)
        places = (*(known.jurisdictions if known else ()), where or own or "")
        added[day] = AddedBankHoliday(known.name if known else name, places)
    return added


def procedures(args: argparse.Namespace) -> dict[str, Procedure]:
    """Procedures from --procedure files, by the name each declares."""
    loaded = [load_procedure(Path(path)) for path in args.procedure or ()]
    return {procedure.name: procedure for procedure in loaded}


def open_store(args: argparse.Namespace) -> EventStore:
    """The store named by --store, with the --procedure files and --extra-holiday days given; made
    anew only for a command that sets `makes_store` (the others read one that must exist already)."""
    from complaintflow.store import open_store as open_named

    return open_named(
        args.store,
        procedures=procedures(args),
        calendar=host_calendar(args),
        create=getattr(args, "makes_store", False),
    )


def check_source(args: argparse.Namespace) -> None:
    """Exactly one of a log file and --store."""
    if (args.file is None) == (args.store is None):
        raise ComplaintflowError(f"{args.command}: give a log FILE.jsonl or --store URL, not both or neither")


def cases(args: argparse.Namespace) -> dict[str, Case]:
    """Every case of the log or store; from a log, keeping only what follows from the events."""
    check_source(args)
    if args.store is not None:
        store = open_store(args)
        wanted = [args.case] if getattr(args, "case", None) else store.cases()
        loaded = {case_id: store.load(case_id) for case_id in wanted}
        return {case_id: case for case_id, case in loaded.items() if case.events[0].on <= args.as_of}
    path = Path(args.file)
    size = path.stat().st_size if path.is_file() else 0
    return load_cases(
        path,
        procedures=procedures(args),
        until=args.as_of,  # the log as it stood at the end of that day
        keep_events=getattr(args, "events", False),  # for the timeline only: memory grows with events
        progress=progress_bar("Replaying events", size),
        calendar=host_calendar(args),
    )
