"""`/calendars`: working-day arithmetic on a named UK calendar, with the reason for each day skipped."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from complaintflow.calendar import WorkingDayCalendar
from complaintflow.events import UKDate
from complaintflow.service.access import Reader
from complaintflow.service.errors import ERRORS

router = APIRouter(tags=["calendars"], responses=ERRORS)


class WorkingDaySum(BaseModel):
    start: date
    working_days: int
    date: date
    skipped: list[dict[str, str]]


class WorkingDaysBetween(BaseModel):
    start: date
    end: date
    working_days: int


def calendar_named(name: str) -> WorkingDayCalendar:
    if name not in WorkingDayCalendar.NAMES:
        raise StarletteHTTPException(404, f"calendars are {', '.join(WorkingDayCalendar.NAMES)}")
    return WorkingDayCalendar.named(name)


@router.get("/calendars/{name}/add", response_model=WorkingDaySum)
async def add(
    name: str,
    start: Annotated[UKDate, Query(alias="from")],
    n: Annotated[int, Query(ge=-5000, le=5000)],
    token: Reader,
) -> WorkingDaySum:
    """The Nth working day after `from` (day 0), with each day skipped and why."""
    calendar = calendar_named(name)
    found = calendar.add_working_days(start, n)
    low, high = min(start, found), max(start, found)
    skipped = [
        {"date": d.isoformat(), "reason": r} for d, r in calendar.non_working_days(low, high) if d != low
    ]
    return WorkingDaySum(start=start, working_days=n, date=found, skipped=skipped)


@router.get("/calendars/{name}/between", response_model=WorkingDaysBetween)
async def between(
    name: str,
    start: Annotated[UKDate, Query(alias="from")],
    end: Annotated[UKDate, Query(alias="to")],
    token: Reader,
) -> WorkingDaysBetween:
    """Working days in (from, to]."""
    return WorkingDaysBetween(
        start=start, end=end, working_days=calendar_named(name).working_days_between(start, end)
    )
