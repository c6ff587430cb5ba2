"""Bad input gets a clear ComplaintflowError naming the field, and nothing is applied."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given

import complaintflow as cf
from complaintflow.testing import MINIMAL_PAYLOADS, malformed_events

RECEIVED = {"type": "ComplaintReceived", "case_id": "C-1", "on": "2024-04-02", "procedure": "children-2006"}
EVENT_TYPES = sorted(MINIMAL_PAYLOADS)


def minimal(event_type: str, **changes: Any) -> dict[str, Any]:
    return {
        "type": event_type,
        "case_id": "C-1",
        "on": "2024-04-03",
        **MINIMAL_PAYLOADS[event_type],
        **changes,
    }


def assert_refused_unchanged(event: object, error: type[Exception], field: str | None) -> None:
    case = cf.Case.replay([RECEIVED])
    before = (case.events, case.view(as_of=date(2024, 4, 3)))
    with pytest.raises(error) as refused:
        case.apply(event)
    assert isinstance(refused.value, cf.ComplaintflowError)
    if field is not None:
        assert isinstance(refused.value, cf.InvalidEvent)
        assert refused.value.field is not None and refused.value.field.split(".")[0] == field
        assert field in str(refused.value)
    assert (case.events, case.view(as_of=date(2024, 4, 3))) == before


@pytest.mark.parametrize(
    ("event_type", "field"),
    [(t, f) for t in EVENT_TYPES for f in minimal(t) if f != "type"],
)
def test_every_event_with_a_missing_field_is_refused(event_type: str, field: str) -> None:
    event = minimal(event_type)
    del event[field]
    if event_type == "DeadlineExtended" and field == "total_working_days":
        assert_refused_unchanged(event, cf.InvalidEvent, "total_working_days")
    elif event_type == "Responded" and field == "outcome":
        assert_refused_unchanged(event, cf.InvalidEvent, "outcome")
    else:
        assert_refused_unchanged(event, cf.InvalidEvent, field)


@pytest.mark.parametrize(
    ("event_type", "field"),
    [(t, f) for t in EVENT_TYPES for f in minimal(t) if f != "type"],
)
def test_every_event_with_a_wrong_type_is_refused(event_type: str, field: str) -> None:
    assert_refused_unchanged(minimal(event_type, **{field: [1, 2]}), cf.InvalidEvent, field)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_event_with_an_unknown_field_is_refused(event_type: str) -> None:
    assert_refused_unchanged(minimal(event_type, child_name="never stored"), cf.InvalidEvent, "child_name")


@pytest.mark.parametrize("event_type", EVENT_TYPES)
@pytest.mark.parametrize("on", ["2024-04-03T10:00:00", "2024-04-03 10:00", datetime(2024, 4, 3, 10)])
def test_every_event_with_a_datetime_is_refused(event_type: str, on: object) -> None:
    assert_refused_unchanged(minimal(event_type, on=on), cf.InvalidEvent, "on")


BAD_DATES = ["2024-02-30", "2023-02-29", "2024-04-31", "2024-13-01", "03/04/2024", "2024-W14-3", "2024-094"]


@pytest.mark.parametrize("event_type", EVENT_TYPES)
@pytest.mark.parametrize("on", BAD_DATES)
def test_every_event_with_an_impossible_date_is_refused(event_type: str, on: str) -> None:
    assert_refused_unchanged(minimal(event_type, on=on), cf.InvalidEvent, "on")


@pytest.mark.parametrize("on", [*BAD_DATES, "2024-04-03T10:00:00"])
def test_a_bad_date_is_refused_in_the_same_words_in_json_and_in_a_dict(on: str) -> None:
    event = minimal("Withdrawn", on=on)
    with pytest.raises(cf.InvalidEvent) as from_dict:
        cf.parse_event(event)
    with pytest.raises(cf.InvalidEvent) as from_json:
        cf.parse_event(json.dumps(event))
    assert from_json.value.field == from_dict.value.field == "on"
    assert str(from_json.value) == str(from_dict.value)
    assert on not in str(from_json.value)  # never repeats payload text


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_event_is_refused_in_json_with_a_wrong_type(event_type: str) -> None:
    event = minimal(event_type, case_id=12)
    assert_refused_unchanged(json.dumps(event), cf.InvalidEvent, "case_id")


def test_an_unknown_event_type_is_refused() -> None:
    assert_refused_unchanged(minimal("Withdrawn", type="ComplaintEscalated"), cf.InvalidEvent, "type")


def test_an_event_without_a_type_is_refused() -> None:
    event = minimal("Withdrawn")
    del event["type"]
    assert_refused_unchanged(event, cf.InvalidEvent, "type")


def test_malformed_json_is_refused() -> None:
    assert_refused_unchanged('{"type": "Withdrawn", ', cf.InvalidEvent, None)
    assert_refused_unchanged("[1, 2]", cf.InvalidEvent, None)


def test_an_unknown_procedure_is_refused_naming_the_field() -> None:
    with pytest.raises(cf.InvalidEvent) as refused:
        cf.Case.replay([{**RECEIVED, "procedure": "children-1989"}])
    assert refused.value.field == "procedure"
    assert "children-2006" in str(refused.value)  # says what is available


def test_an_event_for_another_case_is_refused() -> None:
    assert_refused_unchanged(minimal("Withdrawn", case_id="C-2"), cf.InvalidEvent, "case_id")


def test_an_event_dated_before_the_previous_one_is_refused() -> None:
    assert_refused_unchanged(minimal("Withdrawn", on="2024-04-01"), cf.InvalidEvent, "on")


@pytest.mark.parametrize(
    "event_type",
    sorted(
        set(EVENT_TYPES)
        - {
            "OmbudsmanReferred",
            "OmbudsmanDecided",
            "LearningActionAgreed",
            "LearningActionCompleted",
            "CompensationOffered",
            "RemedyAgreed",  # a remedy may be agreed after the complaint ends
            "Assigned",
            "Unassigned",
            "LegalHoldPlaced",
            "LegalHoldLifted",
        }
    ),
)
def test_events_for_a_closed_case_are_refused(event_type: str) -> None:
    case = cf.Case.replay([RECEIVED, minimal("Withdrawn")])
    event = minimal(event_type, on="2024-04-05")
    before = case.events
    with pytest.raises(cf.TransitionNotAllowed) as refused:
        case.apply(event)
    assert refused.value.state == "withdrawn"
    assert "OmbudsmanReferred" in refused.value.allowed
    assert case.events == before


def test_a_refusal_names_the_state_and_what_is_allowed() -> None:
    case = cf.Case.replay([RECEIVED])
    with pytest.raises(cf.TransitionNotAllowed) as refused:
        case.apply(minimal("PanelHeld"))
    message = str(refused.value)
    assert "PanelHeld is not allowed in state 'stage1'" in message
    assert "Responded" in message and "Withdrawn" in message


@given(malformed_events())
def test_parse_event_names_the_field_of_any_malformed_event(case: tuple[dict[str, Any], str]) -> None:
    event, field = case
    with pytest.raises(cf.InvalidEvent) as refused:
        cf.parse_event(event)
    assert refused.value.field is not None and refused.value.field.split(".")[0] == field


def test_the_view_refuses_a_datetime() -> None:
    case = cf.Case.replay([RECEIVED])
    with pytest.raises(cf.CalendarError, match="not a datetime"):
        case.view(as_of=datetime(2024, 4, 3, 12))  # type: ignore[arg-type]


def test_a_complaint_received_before_its_procedure_applies_is_refused() -> None:
    with pytest.raises(cf.InvalidEvent, match="before children-2006 applies") as refused:
        cf.Case.replay([{**RECEIVED, "on": "2006-08-31"}])
    assert refused.value.field == "on"
    assert cf.Case.replay([{**RECEIVED, "on": "2006-09-01"}]).state == "stage1"


def test_a_refusal_names_what_moves_the_state_on_before_what_any_stage_allows() -> None:
    case = cf.Case.replay([RECEIVED])
    with pytest.raises(cf.TransitionNotAllowed) as refused:
        case.apply(minimal("PanelHeld"))
    here, anywhere = str(refused.value).split("allowed here: ")[1].split("; at any stage: ")
    assert "Responded" in here and "Withdrawn" in here and "Assigned" not in here
    assert "Assigned" in anywhere and "OmbudsmanReferred" in anywhere and "Responded" not in anywhere
    at_any_stage = {name for name in refused.value.allowed if name not in here.split(", ")}
    assert {"Assigned", "LegalHoldPlaced", "OmbudsmanReferred"} <= at_any_stage
