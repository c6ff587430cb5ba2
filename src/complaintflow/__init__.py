"""complaintflow: UK council complaints procedures with statutory working-day deadlines."""

from importlib.metadata import PackageNotFoundError, version

from complaintflow.calendar import AddedBankHoliday, WorkingDayCalendar
from complaintflow.case import Case, CaseView, DeadlineView
from complaintflow.dates import (
    add_calendar_days,
    add_calendar_months,
    end_of_period_commencing,
    london_date,
)
from complaintflow.errors import (
    CalendarError,
    ComplaintflowError,
    ConcurrencyError,
    EventConflict,
    InvalidEvent,
    LateEntryWithoutEvents,
    ProcedureDefinitionError,
    RecordKept,
    RefusedAfterEarlierLine,
    StoreError,
    TransitionNotAllowed,
    UnknownCase,
    UnknownProcedure,
)
from complaintflow.eventlog import EventLogError, load_cases, read_events, replay_cases
from complaintflow.events import EVENT_TYPES, EventBase, parse_event, register_upcaster
from complaintflow.procedure import Procedure, load_procedure, register_procedure
from complaintflow.store import EventStore, SQLiteEventStore, open_store
from complaintflow.view import Owner

try:
    __version__ = version("complaintflow")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "EVENT_TYPES",
    "AddedBankHoliday",
    "CalendarError",
    "Case",
    "CaseView",
    "ComplaintflowError",
    "ConcurrencyError",
    "DeadlineView",
    "EventBase",
    "EventConflict",
    "EventLogError",
    "EventStore",
    "InvalidEvent",
    "LateEntryWithoutEvents",
    "Owner",
    "Procedure",
    "ProcedureDefinitionError",
    "RecordKept",
    "RefusedAfterEarlierLine",
    "SQLiteEventStore",
    "StoreError",
    "TransitionNotAllowed",
    "UnknownCase",
    "UnknownProcedure",
    "WorkingDayCalendar",
    "__version__",
    "add_calendar_days",
    "add_calendar_months",
    "end_of_period_commencing",
    "load_cases",
    "load_procedure",
    "london_date",
    "open_store",
    "parse_event",
    "read_events",
    "register_procedure",
    "register_upcaster",
    "replay_cases",
]
