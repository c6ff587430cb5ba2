"""The HTTP JSON service: a council runs one beside its case-management systems, and every system,
in any language, records events and asks for deadlines, reminders and reports.

Every request but `/health`, `/openapi.json` and the API page `/docs` carries a bearer token; every
error is an RFC 9457 problem document from the one table of error kinds (`complaintflow.problems`).
Logs carry case ids, event types, status codes and timings, never payloads. The routes are a module
per resource (`service/routes/`), reaching the store and the caller through `service/access.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import TypeAdapter

from complaintflow import __version__
from complaintflow.events import Event
from complaintflow.service.access import MAX_EVENTS_PER_REQUEST, MAX_WAIT_SECONDS, Limits, bind
from complaintflow.service.api_docs import add_api_docs
from complaintflow.service.errors import STORE_UNAVAILABLE, add_error_handlers
from complaintflow.service.middleware import MAX_BODY_BYTES, MAX_BODY_SECONDS, BodyLimit, RequestLog
from complaintflow.service.routes import (
    calendars,
    cases,
    due,
    feed,
    health,
    notices,
    privacy,
    procedures,
    reports,
    schemas,
)
from complaintflow.service.routes.schemas import EVENTS_SCHEMA
from complaintflow.store.base import EventStore

if TYPE_CHECKING:
    from complaintflow.desk.oidc import OidcSettings

__all__ = [
    "EVENTS_SCHEMA",
    "MAX_BODY_BYTES",
    "MAX_BODY_SECONDS",
    "MAX_EVENTS_PER_REQUEST",
    "MAX_WAIT_SECONDS",
    "STORE_UNAVAILABLE",
    "create_app",
]

#: The routers, in the order the API document lists their paths.
ROUTERS = (notices, privacy, health, cases, due, feed, reports, procedures, calendars, schemas)


def create_app(
    store: EventStore,
    *,
    cors_origins: tuple[str, ...] = (),
    max_body_bytes: int = MAX_BODY_BYTES,
    max_events: int = MAX_EVENTS_PER_REQUEST,
    max_wait: float = MAX_WAIT_SECONDS,
    max_body_seconds: float = MAX_BODY_SECONDS,
    desk: bool = True,
    desk_secure_cookies: bool = True,
    desk_oidc: OidcSettings | None = None,
) -> FastAPI:
    """The service over a store. CORS is off unless origins are given. The complaints desk's pages
    are mounted at /desk/ unless `desk=False` (docs/desk.md); `desk_oidc` is the council's identity
    provider, for signing in to the desk through it (docs/signing-in.md)."""
    app = FastAPI(
        title="complaintflow",
        version=__version__,
        description="UK council complaints: record events; read cases, deadlines, the feed and reports.",
        docs_url=None,  # served from the package's own files by add_api_docs, not from a CDN
        redoc_url=None,
    )
    bind(app, store, Limits(max_events=max_events, max_wait=max_wait))
    add_api_docs(app)
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "Prefer"],
            expose_headers=["ETag", "Preference-Applied"],
        )
    app.add_middleware(BodyLimit, limit=max_body_bytes, seconds=max_body_seconds)
    app.add_middleware(RequestLog)
    add_error_handlers(app)
    # The routers' routes are the app's own: FastAPI searches an included router's routes through a
    # wrapper each, on every request, a twentieth of an append's time on the event loop.
    for resource in ROUTERS:
        app.router.routes.extend(resource.router.routes)
    app.state.api_routes = tuple(route for route in app.routes if isinstance(route, APIRoute))

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _api_document(app, max_events)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    if desk:
        from complaintflow.desk import create_desk

        app.mount("/desk", create_desk(store, secure_cookies=desk_secure_cookies, oidc=desk_oidc))
    return app


def _api_document(app: FastAPI, max_events: int) -> dict[str, Any]:
    """The OpenAPI document, with every event's schema as a component, bearer tokens, and this
    application's bound on the events of one request."""
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    events = TypeAdapter(Event).json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(events.pop("$defs", {}))
    schemas["Event"] = events
    document["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    document["security"] = [{"bearer": []}]
    body = document["paths"]["/cases/{case_id}/events"]["post"]["requestBody"]
    body["content"]["application/json"]["schema"]["oneOf"][1]["maxItems"] = max_events
    return document
