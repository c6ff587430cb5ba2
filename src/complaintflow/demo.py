"""`complaintflow demo`: example cases replayed through children-2006, with the daily reminders."""

from __future__ import annotations

import argparse
from datetime import date
from importlib import resources

from complaintflow.case import Case
from complaintflow.eventlog import load_cases
from complaintflow.events import EventBase
from complaintflow.reminders import due_within

AS_OF = date(2022, 12, 14)


def example_cases() -> dict[str, Case]:
    """The built-in example log, replayed."""
    with resources.as_file(resources.files("complaintflow") / "data" / "example-cases.jsonl") as path:
        return load_cases(path)


def describe_event(event: EventBase) -> str:
    """One line of a timeline: the date, the event, and the detail that matters."""
    detail = ", ".join(
        f"{key}={value}"
        for key in ("stage", "to_stage", "outcome", "total_working_days", "reason", "resolved")
        if (value := getattr(event, key, None)) is not None
    )
    return f"{event.on:%a %d %b %Y}  {event.type}" + (f" ({detail})" if detail else "")


def run(args: argparse.Namespace) -> int:
    """Replay the example cases, show each timeline, then the reminders due on one day."""
    from complaintflow.cli import describe_case, describe_reminder

    cases = example_cases()
    print(f"Replayed {len(cases)} example cases under children-2006 (SI 2006/1738).")
    for case in cases.values():
        print()
        for line in describe_case(case.view(as_of=AS_OF)):
            print(line)
        for event in case.events:
            print(f"    {describe_event(event)}")
    reminders = due_within(cases.values(), as_of=AS_OF, within=5)
    print(f"\nReminders for business support on {AS_OF:%A %d %B %Y} (due within 5 working days):")
    for reminder in reminders:
        print(f"  {describe_reminder(reminder)}")
    return 0
