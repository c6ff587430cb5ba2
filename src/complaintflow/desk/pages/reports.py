"""The reports of each procedure and year, in their published form: small counts withheld, as the
service's /reports and `complaintflow report` publish them (managers and admins)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from complaintflow.desk.accounts import Person
from complaintflow.desk.guard import DeskProblem, needs
from complaintflow.desk.sessions import store_for
from complaintflow.desk.templating import render
from complaintflow.errors import ComplaintflowError
from complaintflow.procedure import registered_names, registered_procedure
from complaintflow.report import reporting_year, year_from_label, year_label
from complaintflow.report.forms import default_title, headline, tables
from complaintflow.report.published import HIDDEN, show, sources_note, suppression_note
from complaintflow.store.base import EventStore
from complaintflow.store.freezing import published_report

router = APIRouter()
reporter = Depends(needs("report"))
#: Reporting years listed, the current one first.
YEARS_LISTED = 5


def _procedures(store: EventStore) -> list[str]:
    return sorted(store.procedures) if store.procedures else list(registered_names())


@router.get("/reports")
async def report_list(request: Request, user: Person = reporter) -> Response:
    store: EventStore = store_for(request)
    latest = reporting_year(request.app.state.desk_today())
    years = [year_label(year) for year in range(latest, latest - YEARS_LISTED, -1)]
    procedures = [(name, registered_procedure(name).title) for name in _procedures(store)]
    return render(request, "reports.html", procedures=procedures, years=years)


@router.get("/reports/{procedure}/{year}")
async def report_page(
    request: Request,
    procedure: str = Path(pattern=r"^[a-z0-9-]{1,64}$"),
    year: str = Path(pattern=r"^[0-9]{4}(-[0-9]{2})?$"),
    user: Person = reporter,
) -> Response:
    store: EventStore = store_for(request)
    if procedure not in _procedures(store):
        raise DeskProblem(404, "No such procedure", "Choose a procedure from the list of reports.")
    try:
        starts = year_from_label(year)
    except ComplaintflowError as error:
        raise DeskProblem(404, "No such reporting year", str(error)) from None
    report = await run_in_threadpool(published_report, store, procedure, starts)
    shown = [
        {
            "key": table.key,
            "title": table.title,
            "header": table.header,
            "rows": [[HIDDEN if cell is None else show(cell) for cell in row] for row in table.rows],
            "withheld": [[cell is None for cell in row] for row in table.rows],
            "items": table.items,
            "note": table.note,
        }
        for table in tables(report)
    ]
    return render(
        request,
        "report.html",
        title=default_title(report),
        headline=headline(report),
        suppressed=suppression_note(report),
        sources=sources_note(report),
        tables=shown,
        year=year_label(starts),
    )
