"""Recording what happened through the desk's forms: the form built from the case view, the
library's checks and refusals shown in the error summary, a stale page caught, and the same
journey through the desk and through the JSON API leaving the same record."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from desk_support import TODAY, add_account, desk_client, post_form, received, signed_in

from complaintflow.store import open_store
from complaintflow.store.base import EventStore
from complaintflow.store.tokens import create_token


@pytest.fixture
def store(tmp_path: Path) -> EventStore:
    store = open_store(f"sqlite:{tmp_path / 'desk.db'}")
    add_account(store, "amira", "officer", "housing")
    received(store, "C-1")
    return store


def _day(day: int, month: int = 11, field: str = "on") -> dict[str, str]:
    return {f"{field}-day": str(day), f"{field}-month": str(month), f"{field}-year": "2026"}


def test_a_form_round_trip_records_the_event_as_the_signed_in_user(store: EventStore) -> None:
    client = signed_in(store, "amira")
    answer = post_form(client, "/desk/cases/C-1/record/Acknowledged", _day(3))
    assert answer.status_code == 303
    assert answer.headers["location"] == "/desk/cases/C-1?recorded=Acknowledged"
    event = store.events("C-1")[-1]
    assert event.model_dump(include={"type", "on", "stage"}, mode="json") == {
        "type": "Acknowledged",
        "on": "2026-11-03",
        "stage": 1,
    }
    assert store.subject_access("C-1").events[-1].recorded_by == "amira"
    page = client.get(answer.headers["location"]).text
    assert "Acknowledged was recorded." in page
    assert re.search(r"3 November 2026</td>\s*<th[^>]*>Acknowledged", page)


def test_every_form_the_case_offers_renders_with_labels(store: EventStore) -> None:
    client = signed_in(store, "amira")
    case_page = client.get("/desk/cases/C-1").text
    links = re.findall(r'href="(/desk/cases/C-1/record/[A-Za-z]+)"', case_page)
    assert len(links) >= 10
    for link in links:
        page = client.get(link)
        assert page.status_code == 200, link
        for control in re.findall(r'<(?:input|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', page.text):
            assert f'for="{control}"' in page.text, f"{link}: {control} has no label"
        assert 'name="version" value="1"' in page.text


def test_choices_are_radios_dates_are_date_inputs_and_long_text_counts_characters(store: EventStore) -> None:
    client = signed_in(store, "amira")
    declined = client.get("/desk/cases/C-1/record/ComplaintDeclined").text
    assert (
        'class="govuk-radios__input" id="reason" name="reason" type="radio" value="out_of_time"' in declined
    )
    assert 'id="on-day" name="on-day"' in declined and 'id="on-year" name="on-year"' in declined
    hold = client.get("/desk/cases/C-1/record/LegalHoldPlaced").text
    assert 'data-module="govuk-character-count"' in hold and 'data-maxlength="10000"' in hold
    assert "You can enter up to 10,000 characters" in hold


def test_a_refusal_shows_the_laws_reason_in_the_error_summary_linked_to_its_field(store: EventStore) -> None:
    client = signed_in(store, "amira")
    answer = post_form(client, "/desk/cases/C-1/record/Acknowledged", _day(1, 10))
    assert answer.status_code == 422
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', answer.text, re.S)
    assert summary is not None
    assert "dated before the complaint was received on 2026-11-02" in summary.group(0)
    assert 'href="#on-day"' in summary.group(0)
    assert 'id="on-error"' in answer.text
    assert store.version("C-1") == 1


def test_a_response_without_an_outcome_is_refused_at_the_outcome(store: EventStore) -> None:
    answer = post_form(signed_in(store, "amira"), "/desk/cases/C-1/record/Responded", _day(10))
    assert answer.status_code == 422
    assert 'href="#outcome"' in answer.text and "give an outcome" in answer.text
    assert store.version("C-1") == 1


def test_an_answer_that_is_no_date_is_an_error_on_its_field(store: EventStore) -> None:
    answer = post_form(signed_in(store, "amira"), "/desk/cases/C-1/record/Acknowledged", _day(31, 2))
    assert answer.status_code == 422
    assert "Date it happened must be a real date" in answer.text and 'href="#on-day"' in answer.text
    assert 'value="31"' in answer.text, "the answers are kept"
    assert store.version("C-1") == 1


def test_a_stale_page_is_caught_and_explained_never_a_lost_update(store: EventStore) -> None:
    client = signed_in(store, "amira")
    page = client.get("/desk/cases/C-1/record/LegalHoldPlaced").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    store.append("C-1", [{"type": "Assigned", "case_id": "C-1", "on": "2026-11-04", "officer": "ben"}])
    answer = client.post(
        "/desk/cases/C-1/record/LegalHoldPlaced",
        data={"csrf_token": token, "version": "1", **_day(5), "reason": "judicial review claim"},
    )
    assert answer.status_code == 409
    assert "Someone else recorded something on this case" in answer.text
    assert 'name="version" value="2"' in answer.text, "the form is over the case as it is now"
    assert "judicial review claim" in answer.text, "the answers are kept"
    assert [event.type for event in store.events("C-1")] == ["ComplaintReceived", "Assigned"]


def test_a_stale_page_for_an_event_no_longer_allowed_says_so(store: EventStore) -> None:
    client = signed_in(store, "amira")
    page = client.get("/desk/cases/C-1/record/Withdrawn").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    store.append("C-1", [{"type": "Withdrawn", "case_id": "C-1", "on": "2026-11-04"}])
    answer = client.post(
        "/desk/cases/C-1/record/Withdrawn", data={"csrf_token": token, "version": "1", **_day(5)}
    )
    assert answer.status_code == 409
    assert "Someone else changed this case first" in answer.text
    assert store.version("C-1") == 2


def test_an_event_the_case_does_not_offer_has_no_form(store: EventStore) -> None:
    client = signed_in(store, "amira")
    answer = client.get("/desk/cases/C-1/record/EscalationRequested")
    assert answer.status_code == 409 and "This cannot be recorded now" in answer.text


def test_the_timeline_marks_late_entries_and_voids(store: EventStore) -> None:
    store.append(
        "C-1",
        [{"type": "Assigned", "case_id": "C-1", "on": "2026-11-06", "officer": "amira", "event_id": "a-2"}],
    )
    store.append(
        "C-1", [{"type": "Acknowledged", "case_id": "C-1", "on": "2026-11-03", "stage": 1, "event_id": "ack"}]
    )
    store.append(
        "C-1",
        [
            {
                "type": "EventVoided",
                "case_id": "C-1",
                "on": "2026-11-07",
                "voids": "a-2",
                "reason": "wrong case",
            }
        ],
    )
    page = signed_in(store, "amira").get("/desk/cases/C-1").text
    assert "Late entry" in page
    assert "<del>Assigned</del>" in page and "wrong case" in page


#: A journey: a complaint received, acknowledged, answered, then taken to stage 2 by the complainant.
JOURNEY: list[tuple[str, dict[str, str], dict[str, Any]]] = [
    ("Acknowledged", _day(3), {"type": "Acknowledged", "on": "2026-11-03", "stage": 1}),
    (
        "Responded",
        {**_day(12), "outcome": "not_upheld"},
        {"type": "Responded", "on": "2026-11-12", "stage": 1, "outcome": "not_upheld"},
    ),
    (
        "EscalationRequested",
        {**_day(16), "to_stage": "2"},
        {"type": "EscalationRequested", "on": "2026-11-16", "to_stage": 2},
    ),
]


def _record(store: EventStore) -> list[dict[str, Any]]:
    return [
        event.model_dump(mode="json", exclude={"event_id", "recorded_on"}, exclude_none=True)
        for event in store.events("C-1")
    ]


def test_the_same_journey_through_the_desk_and_the_api_leaves_the_same_record(tmp_path: Path) -> None:
    through_desk = open_store(f"sqlite:{tmp_path / 'desk.db'}")
    add_account(through_desk, "amira", "officer")
    client = signed_in(through_desk, "amira")
    first = {"case_id": "C-1", "kind": "ComplaintReceived", "procedure": "lgsco-2026", **_day(2)}
    assert post_form(client, "/desk/cases/new", first).status_code == 303
    for event_type, answers, _ in JOURNEY:
        answer = post_form(client, f"/desk/cases/C-1/record/{event_type}", answers)
        assert answer.status_code == 303, re.findall(r"govuk-error-message.*?</p>", answer.text, re.S)

    through_api = open_store(f"sqlite:{tmp_path / 'api.db'}")
    api = desk_client(through_api)
    headers = {"Authorization": f"Bearer {create_token(through_api, 'case-system', 'write')}"}
    events = [{"type": "ComplaintReceived", "on": "2026-11-02", "procedure": "lgsco-2026"}] + [
        e for *_, e in JOURNEY
    ]
    for event in events:
        answer = api.post(
            f"/cases/C-1/events?as_of={TODAY.isoformat()}", json={**event, "case_id": "C-1"}, headers=headers
        )
        assert answer.status_code == 200, answer.text

    assert _record(through_desk) == _record(through_api)
    assert through_desk.load("C-1").view(as_of=TODAY) == through_api.load("C-1").view(as_of=TODAY)
