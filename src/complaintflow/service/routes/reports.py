"""`/reports`: a procedure's published annual report, in JSON, Markdown, HTML or CSV tables."""

from __future__ import annotations

import io
import zipfile
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from complaintflow.errors import ComplaintflowError
from complaintflow.procedure import registered_procedure
from complaintflow.report.forms import Report
from complaintflow.service.access import Reporter, TheStore, in_thread
from complaintflow.service.errors import ERRORS
from complaintflow.store.freezing import published_report

router = APIRouter(tags=["reports"], responses=ERRORS)


@router.get("/reports/{procedure}/{year}")
async def report(
    procedure: str,
    year: Annotated[
        str,
        Path(
            pattern=r"^[0-9]{4}(-[0-9]{2})?$",
            description="The reporting year from 1 April: 2024, or 2024-25 as councils write it.",
        ),
    ],
    store: TheStore,
    token: Reporter,
    format: Literal["json", "html", "md", "csv"] = "json",
    suppress_below: Annotated[int | None, Query(ge=2, le=100)] = None,
    homes: Annotated[int | None, Query(ge=1, le=10_000_000)] = None,
    by_team: bool = False,
    raw: bool = False,
) -> Response:
    """A published report of one procedure's cases for the reporting year `year`, of the kind
    its law or Code asks for; `homes` adds the Tenant Satisfaction Measure CH01 to a Complaint
    Handling Code report; `by_team` adds complaints by team. Small counts are withheld (at 5
    unless `suppress_below` says), given every publication the store has kept; every count
    (`raw=true`) needs an admin token. A year frozen when it was published is the frozen report,
    and says so (`frozen_on`)."""
    from complaintflow.report import (
        to_csv,
        to_html,
        to_json,
        to_markdown,
        year_from_label,
    )

    try:
        starts = year_from_label(year)
    except ComplaintflowError as error:
        raise RequestValidationError(
            [{"loc": ("path", "year"), "msg": str(error), "type": "value_error"}]
        ) from None
    if raw and token.scope != "admin":
        raise StarletteHTTPException(403, "raw counts need an admin token")
    if raw and suppress_below is not None:
        raise ComplaintflowError("raw: every count is printed; give it or suppress_below, not both")
    if not (store.procedures and procedure in store.procedures):
        registered_procedure(procedure)

    def publishing() -> Report:
        if raw:
            return store.reports(starts, only=[procedure], homes=homes, by_team=by_team)[procedure]
        return published_report(
            store, procedure, starts, suppress_below=suppress_below, homes=homes, by_team=by_team
        )

    published = await in_thread(publishing)
    if format == "json":
        return Response(to_json(published), media_type="application/json")
    if format == "md":
        return Response(to_markdown(published), media_type="text/markdown; charset=utf-8")
    if format == "html":
        return Response(to_html(published), media_type="text/html; charset=utf-8")
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in to_csv(published).items():
            archive.writestr(name, text)
    return Response(
        packed.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="report-{procedure}-{starts}.zip"'},
    )
