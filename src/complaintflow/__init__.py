"""complaintflow: UK council complaints procedures with statutory working-day deadlines."""

from importlib.metadata import PackageNotFoundError, version

from complaintflow.calendar import WorkingDayCalendar
from complaintflow.dates import add_calendar_days, add_calendar_months
from complaintflow.errors import (
    CalendarError,
    ComplaintflowError,
    InvalidEvent,
    ProcedureDefinitionError,
    TransitionNotAllowed,
    UnknownProcedure,
)

try:
    __version__ = version("complaintflow")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "CalendarError",
    "ComplaintflowError",
    "InvalidEvent",
    "ProcedureDefinitionError",
    "TransitionNotAllowed",
    "UnknownProcedure",
    "WorkingDayCalendar",
    "__version__",
    "add_calendar_days",
    "add_calendar_months",
]
