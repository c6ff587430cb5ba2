"""The daily list for business support: deadlines falling due soon, and those already overdue."""

from __future__ import annotations

from collections.abc import Iterable
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


def due_within(cases: Iterable[Case], *, as_of: date, within: int) -> list[Reminder]:
    """Every running deadline due within `within` working days of `as_of`, and every overdue one.

    Sorted by due date, then case reference. A deadline due on `as_of` itself counts as due
    within 0 working days.
    """
    as_of = require_date(as_of, "as_of")
    within = require_whole_number(within, "within")
    reminders = []
    for case in cases:
        view = case.view(as_of=as_of, forms=False)
        for deadline in view.deadlines:
            if deadline.status not in ("pending", "overdue") or deadline.due is None:
                continue
            remaining = deadline.remaining_working_days
            soon = remaining is not None and remaining <= within
            if deadline.status == "overdue" or soon:
                reminders.append(
                    Reminder(
                        case_id=view.case_id or "",
                        procedure=view.procedure or "",
                        deadline=deadline.name,
                        kind=deadline.kind,
                        stage=deadline.stage,
                        due=deadline.due,
                        status=deadline.status,
                        remaining_working_days=remaining,
                        state=view.state,
                        service_area=view.service_area,
                    )
                )
    return sorted(reminders, key=lambda reminder: (reminder.due, reminder.case_id, reminder.deadline))
