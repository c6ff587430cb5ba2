"""The desk's event forms: built from a case view's `next_events` schemas, and read back into the
payload that was meant, for every event any procedure offers."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from test_forms import DATES

import complaintflow as cf
from complaintflow.desk.forms import EventForm, Field, FieldErrors, event_form, payload
from complaintflow.procedure import built_in_names
from complaintflow.testing import event_sequences


def _answer(field: Field, value: Any) -> dict[str, str]:
    """What a person types into the field's control to mean `value`."""
    if field.control == "date":
        day = date.fromisoformat(value)
        return {
            f"{field.name}-day": str(day.day),
            f"{field.name}-month": str(day.month),
            f"{field.name}-year": str(day.year),
        }
    if field.control == "yes-no":
        return {field.name: "yes" if value else "no"}
    if field.control == "lines":
        return {field.name: "\n".join(value)}
    return {field.name: str(value)}


def _meant(field: Field, value: Any) -> Any:
    """The value a form keeps of what was typed: references and lists without the spaces around
    them, nothing for nothing."""
    if field.control == "input":
        value = value.strip()
    if field.control == "lines":
        value = [item.strip() for item in value if item.strip()]
    return value if value not in ("", []) else None


def _round_trip(form: EventForm, drawn: dict[str, Any], fixed: dict[str, Any]) -> None:
    answers: dict[str, str] = {}
    expected: dict[str, Any] = {"type": form.event_type, **fixed}
    for field in form.fields:
        value = drawn.get(field.name)
        if value is None:
            continue
        answers.update(_answer(field, value))
        if _meant(field, value) is not None:
            expected[field.name] = _meant(field, value)
    assert payload(form, answers, fixed) == expected


@pytest.mark.filterwarnings("ignore:Overriding standard format:hypothesis.errors.HypothesisWarning")
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
@given(data=st.data(), name=st.sampled_from(built_in_names()), later=st.integers(0, 40))
def test_what_a_form_is_told_is_the_payload_that_was_meant(
    data: st.DataObject, name: str, later: int
) -> None:
    """For every event a case offers next, any payload valid against its schema, typed into the
    form the desk builds from that schema, is read back as that payload (less what the form does
    not ask)."""
    events = data.draw(event_sequences(cf.load_procedure(name), max_events=8))
    case = cf.Case.replay(events)
    view = case.view(as_of=date.fromisoformat(events[-1]["on"]) + timedelta(days=later))
    for entry in view.next_events:
        form = event_form(entry.type, entry.schema, entry.fixed)
        asked = {field.name for field in form.fields}
        assert asked.isdisjoint(entry.fixed) and "case_id" not in asked
        assert set(form.not_asked) <= set(entry.required)
        drawn: dict[str, Any] = data.draw(from_schema(entry.schema, custom_formats=DATES), label=entry.type)
        _round_trip(form, drawn, {"case_id": case.case_id, **entry.fixed})


def test_an_answer_that_cannot_be_read_is_an_error_on_its_field_and_only_there() -> None:
    view = cf.Case.replay(
        [{"type": "ComplaintReceived", "case_id": "C-1", "on": "2026-11-02", "procedure": "lgsco-2026"}]
    ).view(as_of=date(2026, 11, 20))
    [offered] = [entry for entry in view.next_events if entry.type == "CompensationOffered"]
    form = event_form(offered.type, offered.schema, offered.fixed)
    with pytest.raises(FieldErrors) as refused:
        payload(
            form,
            {"on-day": "30", "on-month": "2", "on-year": "2026", "amount_pence": "ten", "accepted": "maybe"},
            {},
        )
    assert set(refused.value.errors) == {"on", "amount_pence", "accepted"}
    assert payload(form, {"on-day": "", "on-month": "", "on-year": ""}, {}) == {"type": "CompensationOffered"}
