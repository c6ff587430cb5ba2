"""One table of error kinds, for every edge that reports errors to another program.

The command line (with `--format json`) and the HTTP service both turn a `ComplaintflowError` into
an RFC 9457 problem document from this table, so a host sees the same kind, the same HTTP status
and the same exit code for the same mistake, however it called complaintflow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from complaintflow.errors import (
    CalendarError,
    ComplaintflowError,
    ConcurrencyError,
    InvalidEvent,
    ProcedureDefinitionError,
    PublicationError,
    RecordKept,
    StoreError,
    TransitionNotAllowed,
    UnknownCase,
    UnknownProcedure,
)
from complaintflow.eventlog import EventLogError


@dataclass(frozen=True)
class Kind:
    """An error kind: its name, the HTTP status a service answers with, and the CLI's exit code."""

    name: str
    title: str
    status: int
    exit_code: int


#: Most specific first: the first class an error is an instance of gives its kind.
KINDS: tuple[tuple[type[ComplaintflowError], Kind], ...] = (
    (ConcurrencyError, Kind("stale-version", "The case has changed since that version", 412, 5)),
    (UnknownCase, Kind("unknown-case", "No events are stored for this case", 404, 6)),
    (UnknownProcedure, Kind("unknown-procedure", "No such procedure", 404, 7)),
    (TransitionNotAllowed, Kind("refused", "The procedure does not allow this event now", 422, 3)),
    (InvalidEvent, Kind("invalid-event", "The event is not valid", 422, 4)),
    (ProcedureDefinitionError, Kind("invalid-procedure", "The procedure definition is not valid", 422, 7)),
    (CalendarError, Kind("invalid-date", "The date cannot be counted", 422, 8)),
    (PublicationError, Kind("publication-conflict", "An earlier publication stands in the way", 409, 2)),
    (RecordKept, Kind("record-kept", "The record must keep this case for now", 409, 2)),
    (StoreError, Kind("store-unavailable", "The store cannot be used", 503, 9)),
    (ComplaintflowError, Kind("bad-request", "The request cannot be carried out", 400, 2)),
)


def kind_of(error: ComplaintflowError) -> Kind:
    """The kind of an error, from the table; an error located in a log is of its cause's kind."""
    if isinstance(error, EventLogError):
        error = error.error
    for cls, kind in KINDS:
        if isinstance(error, cls):
            return kind
    raise AssertionError("every ComplaintflowError has a kind")  # pragma: no cover - the last row catches all


def problem(error: ComplaintflowError, *, instance: str | None = None) -> dict[str, Any]:
    """An RFC 9457 problem document for the error, with the library's context as extensions."""
    located = error if isinstance(error, EventLogError) else None
    if located is not None:
        error = located.error
    kind = kind_of(error)
    document: dict[str, Any] = {
        "type": f"/problems/{kind.name}",
        "title": kind.title,
        "status": kind.status,
        "detail": str(error),
        "kind": kind.name,
    }
    if instance is not None:
        document["instance"] = instance
    if isinstance(error, InvalidEvent):
        document.update(field=error.field, reason=error.reason, line=error.line)
    if isinstance(error, TransitionNotAllowed):
        document.update(state=error.state, allowed=list(error.allowed), event_type=error.event_type)
    if isinstance(error, ConcurrencyError):
        document.update(expected_version=error.expected, version=error.actual)
    if located is not None:
        document.update(detail=str(located), source=located.source, line=located.line)
    return {key: value for key, value in document.items() if value is not None}


#: The kinds of refusal that HTTP makes before the library is asked (a missing token, a body too
#: large), by status; any other status is of the kind "http-error".
HTTP_KINDS: dict[int, str] = {
    401: "unauthorised",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    408: "too-slow",
    413: "too-large",
    415: "unsupported-media-type",
    422: "invalid-request",
}


def http_problem(status: int, title: str, detail: str) -> dict[str, Any]:
    """An RFC 9457 problem document for a refusal HTTP makes, of its status's kind."""
    kind = HTTP_KINDS.get(status, "http-error")
    return {"type": f"/problems/{kind}", "title": title, "status": status, "detail": detail, "kind": kind}
