"""`/schemas`: the JSON Schema of every event, as hosts validate against it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import TypeAdapter

from complaintflow.events import Event
from complaintflow.service.access import Reader
from complaintflow.service.errors import ERRORS

EVENTS_SCHEMA: dict[str, Any] = TypeAdapter(Event).json_schema()

router = APIRouter(tags=["schemas"], responses=ERRORS)


@router.get("/schemas/events.json")
async def events_schema(token: Reader) -> dict[str, Any]:
    """The JSON Schema of every event (also docs/events.schema.json)."""
    return EVENTS_SCHEMA
