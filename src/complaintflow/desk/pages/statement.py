"""The accessibility statement, which anyone may read, signed in or not."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from complaintflow.desk.guard import note
from complaintflow.desk.sessions import current_user
from complaintflow.desk.templating import render

router = APIRouter()


@router.get("/accessibility")
async def accessibility(request: Request) -> Response:
    user = await run_in_threadpool(current_user, request)
    if user is not None:  # the header shows who is signed in, as on every other page
        note(request, user)
    return render(request, "accessibility.html")
