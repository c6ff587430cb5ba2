"""The desk's pages from Jinja2 templates, with GOV.UK Frontend's component macros
(`govuk-frontend-jinja`). Every value is escaped: autoescape is on for every template."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader
from starlette.requests import Request
from starlette.responses import HTMLResponse

from complaintflow import __version__
from complaintflow.desk.sessions import csrf_token

HERE = Path(__file__).parent
STATIC = HERE / "static"
#: The version of GOV.UK Frontend shipped, in asset links, so a new one is fetched, not a cached one.
FRONTEND_VERSION = (STATIC / "VERSION").read_text(encoding="utf-8").strip()


def long_date(day: date | None) -> str:
    """A date as GOV.UK writes it: 4 June 2026."""
    return "" if day is None else f"{day.day} {day:%B %Y}"


def words(name: str) -> str:
    """A field, event or state name as words: `amount_pence` is "Amount pence", and
    `DeadlineExtended` "Deadline extended", `stage1` "Stage 1"."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[a-z])(?=[0-9])", " ", str(name)).replace("_", " ").strip()
    return spaced[:1].upper() + spaced[1:].lower()


def environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(HERE / "templates"),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["long_date"] = long_date
    env.filters["words"] = words
    env.globals["asset_version"] = f"{FRONTEND_VERSION}-{__version__}"
    return env


ENVIRONMENT = environment()


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page: the template with the signed-in user (if any), the form token and the context."""
    try:
        csrf = csrf_token(request)
    except LookupError:  # no session: a page with no form
        csrf = ""
    page = ENVIRONMENT.get_template(template).render(
        user=getattr(request.state, "desk_user", None),
        grants=getattr(request.state, "desk_grants", frozenset()),
        csrf=csrf,
        path=request.url.path,
        errors=context.pop("errors", []),
        **context,
    )
    return HTMLResponse(page, status_code=status_code)
