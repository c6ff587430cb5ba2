"""The service's routes for personal data (`admin` scope): what the store holds about a case, and
redaction, erasure, legal holds and purges.

Each request is logged like every other, by method, route and case reference; an action adds one
line with the case reference, the field names and the outcome, never a payload or an answer, which
are personal data.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from complaintflow.dates import london_today
from complaintflow.errors import printable
from complaintflow.events import Reference, Text, UKDate
from complaintflow.service.access import Admin, TheStore, in_thread
from complaintflow.service.errors import ERRORS
from complaintflow.service.requests import CaseId, require_json
from complaintflow.store import EventStore

log = logging.getLogger("complaintflow.service")

router = APIRouter(tags=["personal data"], responses=ERRORS)


async def json_body(request: Request) -> None:
    """Refuse (415) a body that does not say it is JSON; a coroutine, so that it runs on the event
    loop rather than on a worker thread of its own."""
    require_json(request)


#: Every route that changes the record takes a JSON body.
JSON_BODY = Depends(json_body)


@router.get("/cases/{case_id}/subject-access")
async def access(
    case_id: CaseId,
    store: TheStore,
    token: Admin,
    format: Annotated[Literal["json", "html"], Query()] = "json",
) -> Response:
    """Everything the store holds about the case (UK GDPR art 15), as JSON or as a page."""
    found = await in_thread(lambda: store.subject_access(case_id))
    if format == "html":
        return Response(found.to_html(), media_type="text/html; charset=utf-8")
    return Response(found.model_dump_json(), media_type="application/json")


class Redaction(BaseModel):
    """Which personal fields to rewrite in every stored event of the case, why, and who asked."""

    model_config = ConfigDict(extra="forbid")

    fields: list[Reference] = Field(min_length=1, max_length=20)
    reason: Text
    by: Reference


class Redone(BaseModel):
    """What a redaction answers: the case's new version (its `Redacted` event) and the fields."""

    case_id: str
    version: int
    fields: list[str]


@router.post("/cases/{case_id}/redactions", response_model=Redone, dependencies=[JSON_BODY])
async def redact(case_id: CaseId, body: Redaction, store: TheStore, token: Admin) -> Redone:
    """Rewrite personal fields (equalities data, free text) in every stored event of the case, its
    outbox notices and frozen reports, in one transaction; the case replays as before. A field that
    is not personal, or a rewrite that would move a date or the state, is refused (422)."""
    version = await in_thread(lambda: store.redact(case_id, body.fields, body.reason, body.by))
    fields = list(dict.fromkeys(body.fields))
    log.info("redacted case %s: %s", printable(case_id), ", ".join(fields))
    return Redone(case_id=case_id, version=version, fields=fields)


class Erasure(BaseModel):
    """An erasure request: a reference to it in the council's own log, and who acts on it."""

    model_config = ConfigDict(extra="forbid")

    reason: Reference
    by: Reference
    as_of: UKDate | None = None


@router.post("/cases/{case_id}/erasure", dependencies=[JSON_BODY])
async def erase(case_id: CaseId, body: Erasure, store: TheStore, token: Admin) -> dict[str, Any]:
    """Erase the whole case before its time: a purge of one case, with a tombstone (the answer);
    refused (409) while it is open, on legal hold or awaiting an Ombudsman's decision."""
    stone = await in_thread(lambda: store.erase(case_id, by=body.by, as_of=body.as_of, reason=body.reason))
    log.info("erased case %s", printable(case_id))
    return {"tombstone": asdict(stone)}


class Hold(BaseModel):
    """A legal hold placed (or lifted) on a day, why, and who by."""

    model_config = ConfigDict(extra="forbid")

    reason: Text | None = None
    on: UKDate | None = None
    by: Reference | None = None


@router.post("/cases/{case_id}/legal-hold", dependencies=[JSON_BODY])
async def place_hold(case_id: CaseId, body: Hold, store: TheStore, token: Admin) -> dict[str, Any]:
    """Place a legal hold: no purge or erasure of the case until it is lifted (`DELETE`)."""
    return await _hold(store, case_id, "LegalHoldPlaced", body)


@router.delete("/cases/{case_id}/legal-hold")
async def lift_hold(
    case_id: CaseId,
    store: TheStore,
    token: Admin,
    on: UKDate | None = None,
    by: Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")] = None,
) -> dict[str, Any]:
    """Lift the legal hold: the case's retention runs as before."""
    return await _hold(store, case_id, "LegalHoldLifted", Hold(on=on, by=by))


async def _hold(store: EventStore, case_id: str, kind: str, body: Hold) -> dict[str, Any]:
    event: dict[str, Any] = {"type": kind, "case_id": case_id, "on": (body.on or london_today()).isoformat()}
    if kind == "LegalHoldPlaced":
        event["reason"] = body.reason
    if body.by is not None:
        event["by"] = body.by
    version = await in_thread(lambda: store.append(case_id, [event]))
    log.info("%s on case %s", kind, printable(case_id))
    return {"case_id": case_id, "version": version}


class Purge(BaseModel):
    """A purge as of a day (a dry run only says what would go), and who runs it."""

    model_config = ConfigDict(extra="forbid")

    as_of: UKDate
    dry_run: bool = False
    by: Reference | None = None


@router.post("/purge", dependencies=[JSON_BODY])
async def purge(body: Purge, store: TheStore, token: Admin) -> dict[str, Any]:
    """Remove every case past its retention as of the day, leaving a tombstone of each; the answer
    lists what went (or would go) and how many were kept, and why."""
    summary = await in_thread(lambda: store.purge(body.as_of, dry_run=body.dry_run, by=body.by))
    log.info(
        "purge as of %s: %d cases%s", body.as_of, len(summary.purged), " (dry run)" if body.dry_run else ""
    )
    kept: dict[str, int] = {}
    for decision in summary.kept:
        kept[decision.reason] = kept.get(decision.reason, 0) + 1
    return {
        "as_of": body.as_of.isoformat(),
        "dry_run": summary.dry_run,
        "purged": [
            {
                "case_id": d.case_id,
                "procedure": d.procedure,
                "ended_on": d.ended_on,
                "keep_until": d.keep_until,
            }
            for d in summary.purged
        ],
        "kept": kept,
    }
