"""Signing in with a local account, and signing out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from complaintflow.desk.accounts import check_password
from complaintflow.desk.guard import read_form
from complaintflow.desk.sessions import PATH, current_user, sign_in, sign_out, store_for, visit
from complaintflow.desk.templating import render
from complaintflow.errors import ComplaintflowError

router = APIRouter()
#: One message for every failed sign-in: it never says whether the name or the password was wrong.
REFUSED = "Enter a user name and password that match an account that may sign in"


def _page(request: Request, name: str = "", refused: bool = False, signed_out: bool = False) -> Response:
    errors = [{"text": REFUSED, "href": "#name"}] if refused else []
    response = render(
        request,
        "sign-in.html",
        401 if refused else 200,
        name=name,
        errors=errors,
        signed_out=signed_out,
        oidc=request.app.state.desk_oidc,
    )
    return response


@router.get("/sign-in")
async def sign_in_page(request: Request) -> Response:
    if await run_in_threadpool(current_user, request) is not None:
        return RedirectResponse(f"{PATH}/cases", status_code=303)
    holder = Response()
    visit(request, holder)
    response = _page(request, signed_out=request.query_params.get("signed-out") == "1")
    response.headers.update({k: v for k, v in holder.headers.items() if k == "set-cookie"})
    return response


@router.post("/sign-in")
async def sign_in_form(request: Request) -> Response:
    fields = await read_form(request)
    name, password = fields.get("name", "").strip()[:200], fields.get("password", "")[:1000]
    try:
        client = request.client.host if request.client else None
        user = await run_in_threadpool(check_password, store_for(request), name, password, client)
    except ComplaintflowError:  # SignInRefused: one message whatever the reason
        return _page(request, name, refused=True)
    response = RedirectResponse(f"{PATH}/cases", status_code=303)
    sign_in(request, response, user)
    return response


@router.post("/sign-out")
async def sign_out_form(request: Request) -> Response:
    await read_form(request)
    response = RedirectResponse(f"{PATH}/sign-in?signed-out=1", status_code=303)
    sign_out(request, response)
    return response
