"""`/procedures`: the registered procedures, and one's definition with its state diagram."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from complaintflow._machine import mermaid
from complaintflow.procedure import registered_names, registered_procedure
from complaintflow.service.access import Reader
from complaintflow.service.errors import ERRORS

router = APIRouter(tags=["procedures"], responses=ERRORS)


@router.get("/procedures")
async def procedures(token: Reader) -> list[dict[str, str]]:
    """The registered procedures."""
    return [{"name": name, "title": registered_procedure(name).title} for name in registered_names()]


@router.get("/procedures/{name}")
async def procedure(name: str, token: Reader) -> dict[str, Any]:
    """A procedure's definition, with its state diagram in Mermaid."""
    found = registered_procedure(name)
    return {"definition": found.model_dump(mode="json", by_alias=True), "mermaid": mermaid(found)}
