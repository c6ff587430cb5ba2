"""The service's routes for personal data (`admin` scope): what the store holds about a case.

Each request is logged like every other, by method, route and case reference, never with its
answer, which is personal data.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from complaintflow.service.access import Admin, TheStore, in_thread
from complaintflow.service.errors import ERRORS

router = APIRouter(tags=["personal data"], responses=ERRORS)


@router.get("/cases/{case_id}/subject-access")
async def access(
    case_id: Annotated[str, Path(pattern=r"^[^/\\\x00-\x1f\x7f]{1,64}$")],
    store: TheStore,
    token: Admin,
    format: Annotated[Literal["json", "html"], Query()] = "json",
) -> Response:
    """Everything the store holds about the case (UK GDPR art 15), as JSON or as a page."""
    found = await in_thread(lambda: store.subject_access(case_id))
    if format == "html":
        return Response(found.to_html(), media_type="text/html; charset=utf-8")
    return Response(found.model_dump_json(), media_type="application/json")
