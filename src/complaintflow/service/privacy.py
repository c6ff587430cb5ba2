"""The service's routes for personal data (`admin` scope): what the store holds about a case.

Each request is logged like every other, by method, route and case reference, never with its
answer, which is personal data.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from starlette.concurrency import run_in_threadpool

from complaintflow.store import EventStore
from complaintflow.store.tokens import Token


def privacy_routes(
    store: EventStore,
    needs: Callable[[str], Callable[..., Awaitable[Token]]],
    errors: dict[int | str, dict[str, Any]],
) -> APIRouter:
    """The routes, over `store`, checking tokens with the service's own `needs`."""
    router = APIRouter(tags=["personal data"], responses=errors)
    admin = Depends(needs("admin"))

    @router.get("/cases/{case_id}/subject-access")
    async def access(
        case_id: Annotated[str, Path(pattern=r"^[^/\\\x00-\x1f\x7f]{1,64}$")],
        token: Token = admin,
        format: Annotated[Literal["json", "html"], Query()] = "json",
    ) -> Response:
        """Everything the store holds about the case (UK GDPR art 15), as JSON or as a page."""
        found = await run_in_threadpool(store.subject_access, case_id)
        if format == "html":
            return Response(found.to_html(), media_type="text/html; charset=utf-8")
        return Response(found.model_dump_json(), media_type="application/json")

    return router
