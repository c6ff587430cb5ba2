"""For admins: the accounts that may sign in, the service's tokens, the webhook subscriptions and
the deliveries held as failed, with what an admin may do to each (others see a 403 page)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from complaintflow.desk.accounts import Person, disable_user, list_users
from complaintflow.desk.guard import needs, read_form
from complaintflow.desk.sessions import PATH, store_for
from complaintflow.desk.templating import render
from complaintflow.notices import failed_deliveries, list_subscriptions, resend
from complaintflow.store.base import EventStore
from complaintflow.store.tokens import list_tokens, revoke_token

router = APIRouter(prefix="/admin")
admin = Depends(needs("admin"))
Name = Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,199}$")
Identifier = Path(pattern=r"^[A-Za-z0-9_]{1,100}$")


def _store(request: Request) -> EventStore:
    store: EventStore = store_for(request)
    return store


@router.get("/users")
async def users(request: Request, user: Person = admin) -> Response:
    found = await run_in_threadpool(list_users, _store(request))
    return render(request, "admin/users.html", users=found, done=request.query_params.get("done", ""))


@router.post("/users/{name}/disable")
async def disable(request: Request, name: str = Name, user: Person = admin) -> Response:
    await read_form(request)
    await run_in_threadpool(disable_user, _store(request), name)
    return RedirectResponse(f"{PATH}/admin/users?done=disabled", status_code=303)


@router.get("/tokens")
async def tokens(request: Request, user: Person = admin) -> Response:
    found = await run_in_threadpool(list_tokens, _store(request))
    return render(request, "admin/tokens.html", tokens=found, done=request.query_params.get("done", ""))


@router.post("/tokens/{name}/revoke")
async def revoke(request: Request, name: str = Name, user: Person = admin) -> Response:
    await read_form(request)
    await run_in_threadpool(revoke_token, _store(request), name)
    return RedirectResponse(f"{PATH}/admin/tokens?done=revoked", status_code=303)


@router.get("/webhooks")
async def webhooks(request: Request, user: Person = admin) -> Response:
    found = await run_in_threadpool(list_subscriptions, _store(request))
    return render(request, "admin/webhooks.html", subscriptions=found)


@router.get("/deliveries")
async def deliveries(request: Request, user: Person = admin) -> Response:
    found = await run_in_threadpool(failed_deliveries, _store(request))
    return render(request, "admin/deliveries.html", failed=found, done=request.query_params.get("done", ""))


@router.post("/deliveries/{notice_id}/resend")
async def send_again(request: Request, notice_id: str = Identifier, user: Person = admin) -> Response:
    await read_form(request)
    await run_in_threadpool(resend, _store(request), notice_id)
    return RedirectResponse(f"{PATH}/admin/deliveries?done=resent", status_code=303)
