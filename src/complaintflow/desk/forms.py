"""Event forms built from a case view's `next_events` schemas, and the form's answers read back
into an event's payload for the library to check.

Each property of an event's JSON Schema becomes one GOV.UK form control: a date as the date input,
a choice of words as radios, yes or no as radios, a number as a text input, a short reference as a
text input, longer text as a textarea with its character count, a list of references as a textarea
of one per line. Fields the case fixes, and those the store fills in, are not asked. A value that
cannot be read (a date that is no date, a number that is no number) is an error on its field; every
other rule is the library's, checked when the event is appended.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from complaintflow.desk.templating import words

#: Fields every event has that a person never fills in: the case, the type, the version of the
#: contract, an id the store gives, and the day it was entered (the store knows it).
NOT_ASKED = frozenset({"case_id", "type", "schema_version", "event_id", "recorded_on", "by"})
#: Text longer than this is asked in a textarea.
SHORT_TEXT = 200

Control = Literal["date", "radios", "yes-no", "number", "input", "textarea", "lines"]


@dataclass(frozen=True)
class Field:
    """One control of a form."""

    name: str
    label: str
    control: Control
    required: bool
    hint: str = ""
    options: tuple[str, ...] = ()
    max_length: int | None = None


@dataclass(frozen=True)
class EventForm:
    """The form for one event: its controls, and the fields it cannot ask (objects, such as a
    response's points one by one), which a host records through the API."""

    event_type: str
    description: str
    fields: tuple[Field, ...]
    not_asked: tuple[str, ...]

    def rules(self, conditions: list[str]) -> list[str]:
        """The rules of law (`field: rule`) about the fields this form asks."""
        asked = {field.name for field in self.fields}
        return [rule for rule in conditions if rule.partition(":")[0] in asked]

    @property
    def complete(self) -> bool:
        """Whether the form asks every field the event requires."""
        return not self.not_asked


class FieldErrors(Exception):
    """Answers that cannot be read, by field: the form is shown again with each error."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _alternatives(prop: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """A property without its `null` alternative, and whether it had one."""
    options = prop.get("anyOf")
    if isinstance(options, list):
        kept = [option for option in options if option.get("type") != "null"]
        if len(kept) == 1:
            return {**prop, **kept[0]}, len(kept) < len(options)
    return prop, False


#: Labels that say more than the field's name.
LABELS = {"on": "Date it happened", "amount_pence": "Amount in pence", "to_stage": "To stage"}


def _field(name: str, prop: dict[str, Any], required: bool) -> Field | None:
    prop, _ = _alternatives(prop)
    label = LABELS.get(name) or words(name)
    hint = str(prop.get("description") or "")
    kind = prop.get("type")
    if "enum" in prop:
        return Field(name, label, "radios", required, hint, tuple(str(v) for v in prop["enum"]))
    if kind == "boolean":
        return Field(name, label, "yes-no", required, hint)
    if kind == "integer":
        return Field(name, label, "number", required, hint)
    if kind == "string" and prop.get("format") == "date":
        return Field(name, label, "date", required, hint or "For example, 27 3 2026")
    if kind == "string":
        longest = prop.get("maxLength")
        control: Control = "textarea" if longest is None or longest > SHORT_TEXT else "input"
        return Field(name, label, control, required, hint, max_length=longest)
    if kind == "array" and prop.get("items", {}).get("type") == "string":
        lines_hint = "One on each line." + (f" {hint}" if hint else "")
        return Field(name, label, "lines", required, lines_hint)
    return None


def event_form(event_type: str, schema: dict[str, Any], fixed: dict[str, Any]) -> EventForm:
    """The form for an event, from its schema as the case view offers it."""
    required = set(schema.get("required", ()))
    fields, not_asked = [], []
    properties: dict[str, Any] = schema.get("properties", {})
    for name, prop in properties.items():
        if name in NOT_ASKED or name in fixed or "const" in prop:
            continue
        field = _field(name, prop, name in required)
        if field is not None:
            fields.append(field)
        elif name in required:
            not_asked.append(name)
    fields.sort(key=lambda field: field.name != "on")  # the date it happened first
    return EventForm(event_type, str(schema.get("description") or ""), tuple(fields), tuple(not_asked))


_WHOLE = re.compile(r"-?[0-9]{1,15}")


def read_date(answers: dict[str, str], name: str) -> str | None:
    """A GOV.UK date input's three answers as an ISO date; None if all are empty."""
    parts = [answers.get(f"{name}-{part}", "").strip() for part in ("day", "month", "year")]
    if not any(parts):
        return None
    if not all(part.isdigit() for part in parts):
        raise ValueError("must be a real date, with a day, a month and a year in numbers")
    day, month, year = (int(part) for part in parts)
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        raise ValueError("must be a real date") from None


def payload(form: EventForm, answers: dict[str, str], fixed: dict[str, Any]) -> dict[str, Any]:
    """The event's payload from a form's answers: empty answers are left out, for the library to
    say which it needs. A value that cannot be read raises `FieldErrors`."""
    event: dict[str, Any] = {"type": form.event_type, **fixed}
    errors: dict[str, str] = {}
    for field in form.fields:
        try:
            value = _value(field, answers)
        except ValueError as error:
            errors[field.name] = f"{field.label} {error}"
            continue
        if value is not None:
            event[field.name] = value
    if errors:
        raise FieldErrors(errors)
    return event


def _value(field: Field, answers: dict[str, str]) -> Any:
    if field.control == "date":
        return read_date(answers, field.name)
    text = answers.get(field.name, "")
    if field.control == "lines":
        items = [line.strip() for line in text.splitlines() if line.strip()]
        return items or None
    if not text.strip():
        return None
    if field.control == "yes-no":
        if text not in ("yes", "no"):
            raise ValueError("must be yes or no")
        return text == "yes"
    if field.control == "number":
        if not _WHOLE.fullmatch(text.strip().replace(",", "")):
            raise ValueError("must be a whole number")
        return int(text.strip().replace(",", ""))
    if field.control == "radios" and text not in field.options:
        raise ValueError("must be one of the choices given")
    return text.strip() if field.control == "input" else text
