"""Every error complaintflow raises on purpose, so a host system can catch one base class.

Each error carries the context a reader needs to put it right: the field, the line, the date or
the state at fault. Messages never include personal data, only references and field names.
"""

from __future__ import annotations

from collections.abc import Sequence


class ComplaintflowError(Exception):
    """Base class of every error raised by complaintflow for bad input or a refused action."""


class CalendarError(ComplaintflowError, ValueError):
    """A date outside the range a calendar vouches for, or a value that is not a `date`."""


class ProcedureDefinitionError(ComplaintflowError, ValueError):
    """A procedure definition that cannot be trusted to run a case: names the file and the key."""

    def __init__(self, message: str, *, source: str | None = None, key: str | None = None) -> None:
        self.source = source
        self.key = key
        where = ", ".join(part for part in (source, f"key {key!r}" if key else None) if part)
        super().__init__(f"{where}: {message}" if where else message)


class InvalidEvent(ComplaintflowError, ValueError):
    """An event that is malformed or inconsistent with its case; nothing was applied."""

    def __init__(self, message: str, *, field: str | None = None, line: int | None = None) -> None:
        self.reason = message
        self.field = field
        self.line = line
        prefix = f"line {line}: " if line is not None else ""
        where = f"field {field!r}: " if field else ""
        super().__init__(f"{prefix}{where}{message}")

    def at_line(self, line: int) -> InvalidEvent:
        """The same error, located at a line of a JSON Lines file."""
        return InvalidEvent(self.reason, field=self.field, line=line)


class TransitionNotAllowed(ComplaintflowError):
    """An event the procedure does not allow in the case's current state."""

    def __init__(self, event_type: str, state: str, allowed: Sequence[str], reason: str = "") -> None:
        self.event_type = event_type
        self.state = state
        self.allowed = tuple(allowed)
        if reason and event_type in self.allowed:  # allowed here, but not as it stands
            super().__init__(f"{event_type} is refused in state {state!r}: {reason}")
            return
        because = f" ({reason})" if reason else ""
        super().__init__(
            f"{event_type} is not allowed in state {state!r}{because}; "
            f"allowed here: {', '.join(self.allowed) or 'nothing'}"
        )


class UnknownProcedure(ProcedureDefinitionError):
    """A procedure name that is neither built in nor a readable file."""
