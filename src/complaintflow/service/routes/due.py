"""`/due`: the daily list of deadlines due soon, and overdue ones."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from complaintflow.events import UKDate
from complaintflow.limits import MAX_REFERENCE_CHARS
from complaintflow.reminders import Reminder
from complaintflow.service.access import Reader, TheStore, in_thread
from complaintflow.service.errors import ERRORS

router = APIRouter(tags=["deadlines"], responses=ERRORS)


@router.get("/due", response_model=list[Reminder])
async def due(
    store: TheStore,
    token: Reader,
    within: Annotated[int, Query(ge=0, le=1000)] = 5,
    as_of: UKDate | None = None,
    officer: Annotated[str | None, Query(min_length=1, max_length=MAX_REFERENCE_CHARS)] = None,
    team: Annotated[str | None, Query(min_length=1, max_length=MAX_REFERENCE_CHARS)] = None,
) -> list[Reminder]:
    """The daily list: deadlines due within N working days of `as_of`, and overdue ones; only
    the cases an officer or a team owns, if asked."""
    return await in_thread(lambda: store.due(within, as_of, officer, team))  # may count many cases
