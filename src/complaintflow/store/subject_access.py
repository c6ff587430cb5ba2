"""Subject access (UK GDPR art 15): everything a store holds about one case, as JSON and as a page.

Every stored event with its dates, who recorded it and its place in the feed; the case's
deadlines as they stand; its voids and its redactions. A page escapes every value it shows.
"""

from __future__ import annotations

import html
import json
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from complaintflow.dates import london_today
from complaintflow.errors import UnknownCase
from complaintflow.events import parse_event

if TYPE_CHECKING:
    from complaintflow.store.base import EventStore


class StoredEvent(BaseModel):
    """One event as the store keeps it: its place in the feed, who stored it, and the event."""

    position: int
    version: int
    recorded_by: str | None
    event: dict[str, Any]


class SubjectAccess(BaseModel):
    """What the store holds about a case, on the day it was asked for."""

    case_id: str
    made_on: date
    procedure: str | None
    state: str
    open: bool
    events: list[StoredEvent]
    deadlines: list[dict[str, Any]]
    voided: list[dict[str, Any]]
    redactions: list[dict[str, Any]]

    def to_html(self) -> str:
        """A readable page, every value escaped."""
        return _page(self)


def subject_access(store: EventStore, case_id: str) -> SubjectAccess:
    """Everything the store holds about the case."""
    with store._reading() as db:
        db.execute(
            store._sql(
                "SELECT position, version, recorded_by, body FROM complaintflow_events "
                "WHERE case_id = ? ORDER BY version"
            ),
            (case_id,),
        )
        rows = db.fetchall()
    if not rows:
        raise UnknownCase("no events are stored for this case")
    events = [
        StoredEvent(
            position=int(position),
            version=int(version),
            recorded_by=recorded_by,
            event=parse_event(body).model_dump(mode="json", exclude_none=True),
        )
        for position, version, recorded_by, body in rows
    ]
    today = london_today()
    case = store.load(case_id)
    view = case.view(as_of=max(today, case.last_event_on or today), forms=False)
    return SubjectAccess(
        case_id=case_id,
        made_on=today,
        procedure=view.procedure,
        state=view.state,
        open=view.open,
        events=events,
        deadlines=[deadline.model_dump(mode="json") for deadline in view.deadlines],
        voided=[void.model_dump(mode="json") for void in view.voided],
        redactions=[stored.event for stored in events if stored.event["type"] == "Redacted"],
    )


def _page(access: SubjectAccess) -> str:
    def cell(value: object) -> str:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return f"<td>{html.escape(str(text))}</td>"

    def table(headers: list[str], rows: list[list[object]]) -> str:
        head = "".join(f"<th scope='col'>{html.escape(name)}</th>" for name in headers)
        body = "".join("<tr>" + "".join(cell(value) for value in row) + "</tr>" for row in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def details(event: dict[str, Any]) -> dict[str, Any]:
        common = {"type", "case_id", "on", "recorded_on", "event_id", "by"}
        return {key: value for key, value in event.items() if key not in common}

    events = table(
        ["Feed position", "Type", "On", "Recorded on", "By", "Stored by", "Details"],
        [
            [
                stored.position,
                stored.event["type"],
                stored.event["on"],
                stored.event.get("recorded_on", ""),
                stored.event.get("by", ""),
                stored.recorded_by or "",
                details(stored.event),
            ]
            for stored in access.events
        ],
    )
    deadlines = table(
        ["Deadline", "Stage", "Starts", "Due", "Status"],
        [[d["name"], d["stage"], d["starts"], d["due"], d["status"]] for d in access.deadlines],
    )
    redactions = table(
        ["On", "Recorded on", "By", "Fields", "Reason"],
        [
            [r["on"], r.get("recorded_on", ""), r.get("by", ""), r["fields"], r["reason"]]
            for r in access.redactions
        ],
    )
    voided = table(["Voided", "Details"], [[v.get("event_id", ""), v] for v in access.voided])
    title = html.escape(f"Subject access: case {access.case_id}")
    return (
        f"<!DOCTYPE html><html lang='en-GB'><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><h1>{title}</h1>"
        f"<p>Made on {access.made_on.isoformat()}. Procedure: {html.escape(access.procedure or 'none')}; "
        f"state: {html.escape(access.state)}; {'open' if access.open else 'closed'}.</p>"
        f"<h2>Events ({len(access.events)})</h2>{events}<h2>Deadlines</h2>{deadlines}"
        f"<h2>Voided events</h2>{voided}<h2>Redactions</h2>{redactions}</body></html>\n"
    )
