"""Events: parsing, idempotent ids, JSON round trips and upcasting of older stored events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

import complaintflow as cf
from complaintflow import events
from complaintflow.events import event_to_json

RECEIVED = {
    "type": "ComplaintReceived",
    "case_id": "C-1",
    "on": "2024-04-02",
    "procedure": "children-2006",
    "event_id": "E-1",
}


def test_parse_event_accepts_dicts_json_text_and_models_alike() -> None:
    from_dict = cf.parse_event(RECEIVED)
    assert cf.parse_event(json.dumps(RECEIVED)) == from_dict
    assert cf.parse_event(json.dumps(RECEIVED).encode()) == from_dict
    assert cf.parse_event(from_dict) is from_dict
    assert from_dict.on == date(2024, 4, 2) and from_dict.type == "ComplaintReceived"


def test_events_are_frozen() -> None:
    event = cf.parse_event(RECEIVED)
    with pytest.raises(ValueError, match="frozen"):
        event.on = date(2024, 4, 3)  # type: ignore[misc]


def test_re_applying_the_identical_event_is_a_no_op() -> None:
    case = cf.Case.replay([RECEIVED, RECEIVED, json.dumps(RECEIVED)])
    assert len(case.events) == 1


def test_a_different_event_with_the_same_id_is_refused() -> None:
    case = cf.Case.replay([RECEIVED])
    with pytest.raises(cf.InvalidEvent, match="already used") as refused:
        case.apply({"type": "Withdrawn", "case_id": "C-1", "on": "2024-04-03", "event_id": "E-1"})
    assert refused.value.field == "event_id"
    assert len(case.events) == 1


def test_event_json_round_trips() -> None:
    event = cf.parse_event(
        {**RECEIVED, "service_user": {"gender": "female", "disability": True}, "categories": ["Delay"]}
    )
    assert cf.parse_event(event_to_json(event)) == event


def test_replay_notes_which_event_failed() -> None:
    with pytest.raises(cf.InvalidEvent) as refused:
        cf.Case.replay([RECEIVED, {"type": "Withdrawn", "case_id": "C-1", "on": "2024-13-01"}])
    assert "while replaying event 2" in refused.value.__notes__


@pytest.fixture
def version_zero_withdrawals() -> Iterator[None]:
    """A stored schema in which Withdrawn called its reason `why`."""

    def upcast(old: dict[str, Any]) -> dict[str, Any]:
        new = {key: value for key, value in old.items() if key != "why"}
        if "why" in old:
            new["reason"] = old["why"]
        return new

    cf.register_upcaster("Withdrawn", 0, upcast)
    yield
    del events._UPCASTERS[("Withdrawn", 0)]


@pytest.mark.usefixtures("version_zero_withdrawals")
def test_older_stored_events_are_upcast_when_read() -> None:
    stored = {
        "type": "Withdrawn",
        "case_id": "C-1",
        "on": "2024-04-03",
        "why": "resolved",
        "schema_version": 0,
    }
    event = cf.parse_event(json.dumps(stored))
    assert isinstance(event, events.Withdrawn)
    assert event.reason == "resolved" and event.schema_version == 1


def test_an_old_event_without_an_upcaster_is_refused_naming_the_version() -> None:
    stored = {
        "type": "Responded",
        "case_id": "C-1",
        "on": "2024-04-03",
        "stage": 1,
        "outcome": "upheld",
        "schema_version": 0,
    }
    with pytest.raises(cf.InvalidEvent, match="no upcaster from schema version 0") as refused:
        cf.parse_event(stored)
    assert refused.value.field == "schema_version"


def test_a_future_schema_version_is_refused() -> None:
    with pytest.raises(cf.InvalidEvent) as refused:
        cf.parse_event({**RECEIVED, "schema_version": 2})
    assert refused.value.field == "schema_version"
