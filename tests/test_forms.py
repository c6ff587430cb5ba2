"""The forms of the case view: what the law allows on the view's day, and each event's JSON Schema."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

import complaintflow as cf
from complaintflow.procedure import built_in_names
from complaintflow.testing import event_sequences

#: Dates as a form's date picker offers them: hypothesis-jsonschema's own dates span years 1 to 9999,
#: which the schemas' pattern then refuses nearly always.
DATES = {"date": st.dates(date(1900, 1, 1), date(2199, 12, 31)).map(date.isoformat)}


def _named_fields(conditions: list[str]) -> set[str]:
    return {condition.split(":", 1)[0] for condition in conditions}


@pytest.mark.filterwarnings("ignore:Overriding standard format:hypothesis.errors.HypothesisWarning")
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
@given(data=st.data(), name=st.sampled_from(built_in_names()), later=st.integers(0, 40))
def test_a_payload_valid_against_a_next_event_schema_is_refused_only_for_a_rule_the_view_names(
    data: st.DataObject, name: str, later: int
) -> None:
    """Any payload valid against a next_events schema, applied on the view's day, is accepted, or
    refused for a rule of law relating its values that the view named in `conditions`."""
    events = data.draw(event_sequences(cf.load_procedure(name), max_events=8))
    case = cf.Case.replay(events)
    day = date.fromisoformat(events[-1]["on"]) + timedelta(days=later)
    view = case.view(as_of=day)
    if not view.next_events:
        return
    for entry in view.next_events:  # each form, filled in on a copy of the case
        payload: dict[str, Any] = data.draw(from_schema(entry.schema, custom_formats=DATES), label=entry.type)
        payload["on"] = day.isoformat()
        jsonschema.validate(payload, entry.schema)
        assert payload["type"] == entry.type and payload.get("case_id", case.case_id) == case.case_id
        try:
            copy.copy(case).apply(payload)
        except cf.InvalidEvent as refused:
            assert refused.field in _named_fields(entry.conditions), (str(refused), entry.conditions)
        except cf.TransitionNotAllowed as refused:
            given = {key for key, value in payload.items() if value is not None}
            assert refused.reason and _named_fields(entry.conditions) & given, (
                str(refused),
                entry.conditions,
            )


def test_an_adult_social_care_complaint_made_in_writing_is_never_offered_next_day_resolution() -> None:
    """SI 2009/309 reg 8(1)(c): only an oral complaint, and only until the next working day."""
    written = {"type": "ComplaintReceived", "case_id": "A", "on": "2024-04-05", "procedure": "adults-2009"}
    assert "ConcernResolved" not in cf.Case.replay([written]).view(as_of=date(2024, 4, 5)).allowed
    oral = cf.Case.replay([{**written, "oral": True}])
    assert "ConcernResolved" in oral.view(as_of=date(2024, 4, 8)).allowed  # Monday, the next working day
    assert "ConcernResolved" not in oral.view(as_of=date(2024, 4, 9)).allowed
    assert "ConcernResolved" not in [e.type for e in oral.view(as_of=date(2024, 4, 9)).next_events]


def test_a_form_carries_the_either_or_rules_of_its_event() -> None:
    """Responded needs an outcome or points; DeadlineExtended one of its two targets, within the cap."""
    received = {"type": "ComplaintReceived", "case_id": "C", "on": "2024-04-02", "procedure": "children-2006"}
    view = cf.Case.replay([received]).view(as_of=date(2024, 4, 3))
    forms = {entry.type: entry.schema for entry in view.next_events}
    responded, extended = forms["Responded"], forms["DeadlineExtended"]
    base = {"type": "Responded", "case_id": "C", "on": "2024-04-03", "stage": 1}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(base, responded)
    jsonschema.validate({**base, "outcome": "upheld"}, responded)
    jsonschema.validate({**base, "points": [{"id": "1", "finding": "upheld"}]}, responded)
    ask = {"type": "DeadlineExtended", "case_id": "C", "on": "2024-04-03", "stage": 1, "reason": "complex"}
    for wrong in (
        ask,
        {**ask, "total_working_days": 20, "until": "2024-04-30"},
        {**ask, "total_working_days": 21},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(wrong, extended)
    jsonschema.validate({**ask, "total_working_days": 20}, extended)
    assert "OmbudsmanDecided" not in forms  # not referred: nothing for the Ombudsman to decide
    decided = cf.Case.replay([received, {"type": "OmbudsmanReferred", "case_id": "C", "on": "2024-04-03"}])
    outcome = next(
        e for e in decided.view(as_of=date(2024, 4, 3)).next_events if e.type == "OmbudsmanDecided"
    )
    assert "closed_after_initial_enquiries" in outcome.schema["properties"]["outcome"]["enum"]
    assert "maladministration" not in outcome.schema["properties"]["outcome"]["enum"]
