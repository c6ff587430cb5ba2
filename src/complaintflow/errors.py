"""Every error complaintflow raises on purpose, so a host system can catch one base class.

Each error carries the context a reader needs to put it right: the field, the line, the date or
the state at fault. Messages never include personal data, only references and field names.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Any

from complaintflow.limits import MAX_MESSAGE_CHARS

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_FIELD_NAME = re.compile(r"[A-Za-z0-9_.\[\]-]{1,64}")


def printable(text: str, limit: int = MAX_MESSAGE_CHARS, replacement: str = "?") -> str:
    """`text` on one line, each control character replaced, cut to `limit` characters."""
    text = _UNPRINTABLE.sub(replacement, text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def field_name(name: str | None) -> str | None:
    """A field name fit to quote in a message: an unknown key a payload made up is not repeated."""
    if name is None or _FIELD_NAME.fullmatch(name):
        return name
    return "(a field name that is not valid)"


class ComplaintflowError(Exception):
    """Base class of every error raised by complaintflow for bad input or a refused action.

    Its message is one line of bounded length, so an error can be logged or shown as it is.
    """

    def __init__(self, message: str = "", *args: object) -> None:
        super().__init__(printable(str(message)), *args)

    def __reduce__(self) -> tuple[Any, ...]:
        """Rebuilt as it is, whatever its class's signature, so that an error crosses from a worker
        process to the one that started it."""
        return _rebuilt, (type(self), self.args, self.__dict__)


def _rebuilt(
    cls: type[ComplaintflowError], args: tuple[object, ...], state: dict[str, Any]
) -> ComplaintflowError:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class ConcurrencyError(ComplaintflowError):
    """An append that expected an older version of the case: someone else recorded events first."""

    def __init__(self, case_id: str, expected: int, actual: int) -> None:
        self.case_id = case_id
        self.expected = expected
        self.actual = actual
        super().__init__(f"case is at version {actual}, not {expected}: reload it and try again")


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
        field = field_name(field)
        self.reason = message
        self.field = field
        self.line = line
        prefix = f"line {line}: " if line is not None else ""
        where = f"field {field!r}: " if field else ""
        super().__init__(f"{prefix}{where}{message}")

    def at_line(self, line: int) -> InvalidEvent:
        """The same error, located at a line of a JSON Lines file."""
        return InvalidEvent(self.reason, field=self.field, line=line)


class LateEntryWithoutEvents(InvalidEvent):
    """An event dated before its case's previous one, which a case that keeps no events cannot place
    among them; a log is then read again with every case keeping its events (see `load_cases`)."""


class EventConflict(InvalidEvent):
    """An `event_id` stored already with other content (or for another case): the event changed
    since it was stored, or two events share an id. Nothing is applied."""

    def __init__(self, event_id: str, *, other_case: bool = False) -> None:
        self.event_id = event_id
        what = "an event of another case" if other_case else "different content"
        super().__init__(f"conflict: {event_id} is stored already with {what}", field="event_id")


class RefusedAfterEarlierLine(InvalidEvent):
    """A line of an import not tried because an earlier line of its case was refused: a case is
    taken up to its first refused line, never with a gap."""

    def __init__(self, first: int) -> None:
        self.first = first
        super().__init__(f"refused because line {first} of this case was refused")


class TransitionNotAllowed(ComplaintflowError):
    """An event the procedure does not allow in the case's current state."""

    def __init__(
        self,
        event_type: str,
        state: str,
        allowed: Sequence[str],
        reason: str = "",
        *,
        at_any_stage: Collection[str] = (),
    ) -> None:
        self.event_type = event_type
        self.state = state
        self.allowed = tuple(allowed)
        self.reason = reason
        if reason and event_type in self.allowed:  # allowed here, but not as it stands
            super().__init__(f"{event_type} is refused in state {state!r}: {reason}")
            return
        because = f" ({reason})" if reason else ""
        # What moves this state on comes first: a bounded message may cut the tail, and the events
        # a procedure allows at any stage (assigning, holds, the Ombudsman) say least about it.
        here = [name for name in self.allowed if name not in at_any_stage]
        anywhere = [name for name in self.allowed if name in at_any_stage]
        if here:
            listed = ", ".join(here) + (f"; at any stage: {', '.join(anywhere)}" if anywhere else "")
        else:
            listed = f"only what any stage allows: {', '.join(anywhere)}" if anywhere else "nothing"
        super().__init__(f"{event_type} is not allowed in state {state!r}{because}; allowed here: {listed}")


class UnknownProcedure(ProcedureDefinitionError):
    """A procedure name that is not registered, or a definition file that cannot be read."""


class StoreError(ComplaintflowError):
    """A store that cannot be opened or used: names the store, never its password."""


class RecordKept(StoreError):
    """An erasure the record refuses: the case is open, on legal hold, or awaiting an Ombudsman's
    decision."""


class PublicationError(ComplaintflowError):
    """A publication that would contradict an earlier one, or a publication record that cannot be
    read: names the file, never its content."""


class UnknownCase(ComplaintflowError):
    """A case reference the store holds no events for."""


class MissingExtra(ComplaintflowError):
    """An optional part (the service, PostgreSQL, charts) whose extra is not installed: names the
    extra and how to install it."""
