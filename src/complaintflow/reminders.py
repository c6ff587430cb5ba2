"""The daily list for business support: deadlines falling due soon, and those already overdue."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from pydantic import BaseModel, ConfigDict

from complaintflow.case import Case
from complaintflow.dates import require_date, require_whole_number


class Reminder(BaseModel):
    """One deadline that needs attention."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    procedure: str
    deadline: str
    kind: str
    stage: int
    due: date
    status: str
    remaining_working_days: int | None
    state: str
    service_area: str | None
    officer: str | None = None
    team: str | None = None

    def owned_by(self, officer: str | None, team: str | None) -> bool:
        """Whether the case is owned by the officer and the team asked for (None: any)."""
        return owned_by((self.officer, self.team), officer, team)


def owned_by(owner: tuple[str | None, str | None], officer: str | None, team: str | None) -> bool:
    """Whether an (officer, team) owner is the officer and the team asked for (None: any)."""
    return (officer is None or owner[0] == officer) and (team is None or owner[1] == team)


def due_within(
    cases: Iterable[Case] | Mapping[str, Case],
    *,
    as_of: date,
    within: int,
    officer: str | None = None,
    team: str | None = None,
) -> list[Reminder]:
    """Every running deadline due within `within` working days of `as_of`, and every overdue one;
    only those of cases the officer or team owned then, if either is given.

    Sorted by due date, then case reference. A deadline due on `as_of` itself counts as due
    within 0 working days. `cases` may be the dict of cases by reference that `load_cases` gives.
    """
    as_of = require_date(as_of, "as_of")
    within = require_whole_number(within, "within")
    if isinstance(cases, Mapping):
        cases = cases.values()
    reminders = []
    for case in cases:
        procedure = case.procedure
        if procedure is None:
            continue  # no procedure yet, so no deadline
        # The case as it stood that day, read once for its state, clocks and owner alike.
        state, clocks, owner = case.standing_and_owner(as_of)
        if not owned_by(owner, officer, team):
            continue  # asked once of the case, not of each of its deadlines
        for clock in clocks.values():
            outstanding = clock.outstanding(as_of)
            if outstanding is None:
                continue  # met, ended, paused, or with no date to be due on
            status, remaining = outstanding
            if status == "overdue" or remaining <= within:
                assert clock.due is not None
                reminders.append(
                    Reminder(
                        case_id=case.case_id or "",
                        procedure=procedure.name,
                        deadline=clock.name,
                        kind=clock.rule.kind,
                        stage=clock.rule.stage,
                        due=clock.due,
                        status=status,
                        remaining_working_days=remaining,
                        state=state,
                        service_area=case.service_area,
                        officer=owner[0],
                        team=owner[1],
                    )
                )
    return sorted(reminders, key=reminder_order)


def reminder_order(reminder: Reminder) -> tuple[date, str, str]:
    """The daily list's order: by due date, then case reference, then deadline."""
    return reminder.due, reminder.case_id, reminder.deadline
