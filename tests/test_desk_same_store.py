"""One house, two front doors: a complaint recorded, extended, answered and escalated through the desk's
forms, and the same complaint through the JSON API, leave the same stored events.

Each store is exported (`EventStore.export`, what `complaintflow export` writes) and compared line
by line. Only `event_id` is left out: the store gives an event without one an id of its own (a
random UUID), and a desk form, like an API caller that sends none, leaves it to the store. Who
recorded each event is the same: the desk records the signed-in account's name, the API the token's,
and the API's token here has the officer's name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from desk_site import ACCOUNTS, DeskSite, form_with

import complaintflow as cf
from complaintflow.dates import london_today
from complaintflow.store.tokens import create_token

CASE = "SAME-1"
REASON = "The family asked for a meeting first"


@pytest.fixture
def two_sites(tmp_path: Path) -> Iterator[tuple[DeskSite, DeskSite]]:
    (tmp_path / "desk").mkdir()
    (tmp_path / "api").mkdir()
    desk, api = DeskSite(tmp_path / "desk"), DeskSite(tmp_path / "api")
    desk.start()
    api.start()
    yield desk, api
    desk.stop()
    api.stop()


def fill(client: httpx.Client, path: str, answers: dict[str, str]) -> httpx.Response:
    """Open a form's page, fill in the answers over what it shows, and send it."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    form = form_with(page.text, "csrf_token", action=path)
    answer = client.post(form.action, data=form.fields | answers)
    assert answer.status_code == 303, answer.text[-2000:]
    return answer


def through_the_desk(site: DeskSite) -> None:
    with site.client() as client:
        site.sign_in(client, "officer")
        fill(
            client,
            "/desk/cases/new",
            {
                "case_id": CASE,
                "kind": "ComplaintReceived",
                "procedure": "children-2006",
                "service_area": "Children's services",
            },
        )
        fill(
            client,
            f"/desk/cases/{CASE}/record/DeadlineExtended",
            {"total_working_days": "20", "reason": REASON},
        )
        fill(client, f"/desk/cases/{CASE}/record/Responded", {"outcome": "not_upheld"})
        fill(client, f"/desk/cases/{CASE}/record/EscalationRequested", {})


def through_the_api(site: DeskSite) -> None:
    with cf.open_store(site.url) as store:
        token = create_token(store, ACCOUNTS["officer"], "write")
    today = london_today().isoformat()
    events: list[dict[str, Any]] = [
        {
            "type": "ComplaintReceived",
            "case_id": CASE,
            "on": today,
            "procedure": "children-2006",
            "service_area": "Children's services",
        },
        {
            "type": "DeadlineExtended",
            "case_id": CASE,
            "on": today,
            "stage": 1,
            "total_working_days": 20,
            "reason": REASON,
        },
        {"type": "Responded", "case_id": CASE, "on": today, "stage": 1, "outcome": "not_upheld"},
        {"type": "EscalationRequested", "case_id": CASE, "on": today, "to_stage": 2},
    ]
    with httpx.Client(base_url=site.base, headers=site.headers(token)) as client:
        for version, event in enumerate(events):
            answer = client.post(f"/cases/{CASE}/events", json=event, headers={"If-Match": str(version)})
            assert answer.status_code == 200, answer.text


def exported(site: DeskSite) -> list[dict[str, Any]]:
    with cf.open_store(site.url) as store:
        lines = [json.loads(line) for line in store.export()]
        recorded_by = [entry.recorded_by for entry in store.subject_access(CASE).events]
    for line, by in zip(lines, recorded_by, strict=True):
        del line["event_id"]
        line["recorded by"] = by
    return lines


def test_the_same_journey_through_the_desk_and_the_api_leaves_the_same_stored_events(
    two_sites: tuple[DeskSite, DeskSite],
) -> None:
    desk, api = two_sites
    through_the_desk(desk)
    through_the_api(api)
    stored = exported(desk)
    assert [line["type"] for line in stored] == [
        "ComplaintReceived",
        "DeadlineExtended",
        "Responded",
        "EscalationRequested",
    ]
    assert stored == exported(api)
    with cf.open_store(desk.url) as store:
        assert store.load(CASE).view().stage == 2
