"""Numbers, events and cases in words for people: "1 working day", never "1 working days"; an event
as a line of a case's timeline; a case and a reminder as a complaints manager reads them. The command
line and the demo both speak through this module."""

from __future__ import annotations

from typing import TYPE_CHECKING

from complaintflow.events import EventBase

if TYPE_CHECKING:
    from complaintflow.reminders import Reminder
    from complaintflow.view import CaseView


def counted(number: int, noun: str, nouns: str | None = None) -> str:
    """`number` and the noun it counts, singular for one and plural (`nouns`, or `noun` + "s")
    otherwise.

    >>> counted(1, "working day"), counted(0, "working day"), counted(2, "case", "cases")
    ('1 working day', '0 working days', '2 cases')
    >>> counted(1, "difference"), counted(3, "entry", "entries")
    ('1 difference', '3 entries')
    """
    return f"{number} {noun if number == 1 else nouns or noun + 's'}"


def describe_event(event: EventBase) -> str:
    """One line of a timeline: the date, the event, and the detail that matters."""
    detail = ", ".join(
        f"{key}={value}"
        for key in (
            "stage",
            "to_stage",
            "overall_outcome",
            "outcome",
            "total_working_days",
            "reason",
            "resolved",
        )
        if (value := getattr(event, key, None)) is not None
        and not (key == "outcome" and hasattr(event, "points"))
    ).replace("overall_outcome=", "outcome=")
    return f"{event.on:%a %d %b %Y}  {event.type}" + (f" ({detail})" if detail else "")


def describe_case(view: CaseView) -> list[str]:
    """A case view as lines of text for a complaints manager."""
    status = "open" if view.open else "closed"
    stage = f"stage {view.stage}, " if view.stage else ""
    outcome = f"; outcome {view.outcome}" if view.outcome else ""
    deferred = "; DEFERRED" if view.deferred else ""
    lines = [f"{view.case_id}  {view.procedure or '-'}  {view.state} ({stage}{status}){outcome}{deferred}"]
    for deadline in view.deadlines:
        due = deadline.due.isoformat() if deadline.due else "paused"
        detail = {
            "met": f"met {deadline.met_on}",
            "met_late": f"met LATE {deadline.met_on}",
            "pending": _when(deadline.status, deadline.remaining_working_days),
            "overdue": _when(deadline.status, deadline.remaining_working_days),
            "paused": f"paused, {_when(deadline.status, deadline.remaining_working_days)}",
        }.get(deadline.status, deadline.status)
        length = f"{deadline.length} {deadline.unit.replace('_', ' ')}"
        lines.append(f"  {deadline.name:<27} due {due:<10}  {detail:<34} [{length}; {deadline.source}]")
    lines.append(f"  may record next: {', '.join(view.allowed) or 'nothing'}")
    return lines


def _when(status: str, remaining: int | None) -> str:
    """The working days left before a deadline, or past it, as a complaints manager says it."""
    if status == "overdue":
        return f"OVERDUE, {counted(-(remaining or 0), 'working day')} past due"
    return f"{counted(remaining or 0, 'working day')} left"


def describe_reminder(reminder: Reminder, case_width: int = 12) -> str:
    """One line of the daily list, the case reference padded to `case_width`."""
    when = _when(reminder.status, reminder.remaining_working_days)
    area = f"  {reminder.service_area}" if reminder.service_area else ""
    return (
        f"{reminder.due.isoformat()}  {reminder.case_id:<{case_width}} {reminder.deadline:<24} "
        f"stage {reminder.stage}  {when}{area}"
    )
