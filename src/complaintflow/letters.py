"""The facts every letter to a complainant needs, worked out from the case view and its procedure:
the reference, the dates in words, the stage, what the complainant may do next and by when, and
the Ombudsman's name and time limit. Each fact carries its source, so a letter can cite it.

Dates are written in English words whatever the machine's locale ("Friday 12 April 2024").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from complaintflow.procedure import Procedure

if TYPE_CHECKING:  # the view holds letter facts; these only read its deadlines
    from complaintflow.view import DeadlineView

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def in_words(day: date) -> str:
    """A date as a letter writes it.

    >>> in_words(date(2024, 4, 12))
    'Friday 12 April 2024'
    """
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


class DatedFact(BaseModel):
    """A deadline as a letter states it."""

    model_config = ConfigDict(frozen=True)

    deadline: str
    stage: int
    due: date
    due_in_words: str
    source: str


class NextStep(BaseModel):
    """Something the complainant may do next, and by when."""

    model_config = ConfigDict(frozen=True)

    action: Literal["escalate", "ombudsman"]
    to_stage: int | None = None
    to: str | None = None
    by: date | None = None
    by_in_words: str | None = None
    time_limit: str | None = None
    source: str


class OmbudsmanFacts(BaseModel):
    """The Ombudsman the complainant may go to."""

    model_config = ConfigDict(frozen=True)

    name: str
    time_limit: str
    source: str


class LetterFacts(BaseModel):
    """What an acknowledgement or response letter is filled from."""

    model_config = ConfigDict(frozen=True)

    reference: str | None
    procedure: str | None
    procedure_title: str | None
    as_of: date
    as_of_in_words: str
    stage: int | None
    deadlines: list[DatedFact]
    next_steps: list[NextStep]
    ombudsman: OmbudsmanFacts | None


def letter_facts(
    *,
    reference: str | None,
    procedure: Procedure | None,
    stage: int | None,
    deadlines: Iterable[DeadlineView],
    may_go_to_ombudsman: bool,
    as_of: date,
) -> LetterFacts:
    """The letter facts of a case as its view shows it on `as_of`."""
    running = [d for d in deadlines if d.status in ("pending", "overdue") and d.due is not None]
    facts = [
        DatedFact(deadline=d.name, stage=d.stage, due=d.due, due_in_words=in_words(d.due), source=d.source)
        for d in running
        if d.kind != "request_window" and d.due is not None
    ]
    steps = [
        NextStep(
            action="escalate",
            to_stage=d.stage + 1,
            by=d.due,
            by_in_words=in_words(d.due),
            source=d.source,
        )
        for d in running
        if d.kind == "request_window" and d.status == "pending" and d.due is not None
    ]
    ombudsman = procedure.ombudsman if procedure is not None else None
    if ombudsman is not None and may_go_to_ombudsman:
        steps.append(
            NextStep(
                action="ombudsman",
                to=ombudsman.name,
                time_limit=ombudsman.time_limit,
                source=ombudsman.source.cite(),
            )
        )
    return LetterFacts(
        reference=reference,
        procedure=procedure.name if procedure is not None else None,
        procedure_title=procedure.title if procedure is not None else None,
        as_of=as_of,
        as_of_in_words=in_words(as_of),
        stage=stage,
        deadlines=facts,
        next_steps=steps,
        ombudsman=OmbudsmanFacts(
            name=ombudsman.name, time_limit=ombudsman.time_limit, source=ombudsman.source.cite()
        )
        if ombudsman is not None
        else None,
    )
