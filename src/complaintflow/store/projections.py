"""What a store keeps beside the events, so that reads need not replay every case: a row per case
(its version, state and the annual report's record of it) and a row per open deadline.

Both are computed from the replayed case alone, in the transaction that appends its events, and
`store check` recomputes them from the events to prove they agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import TypeAdapter

from complaintflow.case import Case
from complaintflow.report.records import CaseRecord, record_of

_RECORD = TypeAdapter(CaseRecord)


@dataclass(frozen=True, slots=True)
class CaseRow:
    """A case as the store lists it."""

    case_id: str
    version: int
    procedure: str | None
    state: str
    open: bool
    first_on: str
    last_on: str
    service_area: str | None
    record: str


@dataclass(frozen=True, slots=True)
class DeadlineRow:
    """A running deadline with a due date: what the daily list reads."""

    name: str
    kind: str
    stage: int
    due: str
    calendar: str


def project(case: Case, version: int, record: CaseRecord | None = None) -> tuple[CaseRow, list[DeadlineRow]]:
    """The projections of a case replayed to `version`; `record`, if given, is the report's record
    of its events in order, which is finished here (else it is made from the case's events)."""
    first_on = case.first_event_on
    assert case.case_id is not None and first_on is not None
    if record is None:
        record = record_of(case)
    else:
        record.finish(case)
    row = CaseRow(
        case_id=case.case_id,
        version=version,
        procedure=case.procedure.name if case.procedure is not None else record.procedure,
        state=case.state,
        open=case.open,
        first_on=first_on.isoformat(),
        last_on=(case.last_event_on or first_on).isoformat(),  # every event voided: its first day
        service_area=case.service_area,
        record=_RECORD.dump_json(record).decode(),
    )
    deadlines = [
        DeadlineRow(clock.name, clock.rule.kind, clock.rule.stage, clock.due.isoformat(), clock.calendar.name)
        for clock in case.clocks().values()
        if clock.running and clock.due is not None and clock.paused_on is None
    ]
    return row, deadlines


def read_record(text: str) -> CaseRecord:
    """A stored record, read back for the annual report."""
    return _RECORD.validate_json(text)
