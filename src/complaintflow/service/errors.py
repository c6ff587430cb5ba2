"""Errors mapped at the edge: every refusal the service makes is an RFC 9457 problem document, of a
kind from the one table (`complaintflow.problems`), whichever router or middleware refused."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from complaintflow.errors import ComplaintflowError
from complaintflow.problems import http_problem, problem

log = logging.getLogger("complaintflow.service")

#: What a caller is told when the store fails: the log says which store and why.
STORE_UNAVAILABLE = "the store cannot be used just now; the service's log says why"


class ProblemResponse(BaseModel):
    """An RFC 9457 problem document, with the library's context where it has some."""

    type: str
    title: str
    status: int
    detail: str
    kind: str
    field: str | None = None
    state: str | None = None
    allowed: list[str] | None = None


#: The problem answers each route documents.
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemResponse, "content": {"application/problem+json": {}}}
    for status in (400, 401, 403, 404, 408, 412, 413, 415, 422, 503)
}


def problem_response(document: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        document, status_code=document["status"], headers=headers, media_type="application/problem+json"
    )


def add_error_handlers(app: FastAPI) -> None:
    """Answer the library's errors, HTTP's refusals and invalid requests with problem documents."""
    app.add_exception_handler(ComplaintflowError, _library_error)  # type: ignore[arg-type]
    app.add_exception_handler(ClientDisconnect, _client_gone)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]


async def _library_error(request: Request, error: ComplaintflowError) -> JSONResponse:
    document = problem(error, instance=request.url.path)
    if document["status"] == 503:  # the store's name and state are for the log, not the caller
        log.error("store unavailable: %s", error)
        document["detail"] = STORE_UNAVAILABLE
    return problem_response(document)


async def _client_gone(request: Request, error: ClientDisconnect) -> Response:
    """The client went away before its body arrived whole: nothing to answer, nothing stored."""
    log.info("the client disconnected before the request body arrived whole")
    return Response(status_code=400)


async def _invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ()))
    document = http_problem(422, "The request is not valid", f"{where}: {first['msg']}")
    document["field"] = where
    return problem_response(document)


async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    document = http_problem(error.status_code, str(error.detail), str(error.detail))
    headers = dict(error.headers or {})
    if error.status_code == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if error.status_code == 405:  # every method the path has, over all its routes (RFC 9110)
        headers["Allow"] = ", ".join(sorted(_methods(request.app.state.api_routes, request.url.path)))
    return problem_response(document, headers)


def _methods(routes: tuple[APIRoute, ...], path: str) -> set[str]:
    """The methods of the routes for `path`: those of its most literal template, as routing takes
    `/webhooks/failed` to be that path rather than `/webhooks/{subscription_id}`."""
    matching = [route for route in routes if route.path_regex.match(path)]
    literal = min((route.path.count("{") for route in matching), default=0)
    return {
        method for route in matching if route.path.count("{") == literal for method in route.methods or ()
    }
