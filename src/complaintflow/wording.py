"""Numbers and events in words for people: "1 working day", never "1 working days"; an event as a
line of a case's timeline."""

from __future__ import annotations

from complaintflow.events import EventBase


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
