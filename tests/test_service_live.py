"""A real server under bounded load, and killed in the middle of it: nothing acknowledged is lost,
nothing is stored twice, and the feed lists every event once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_server import LiveServer

import complaintflow as cf

CLIENTS = 8
CASES = 400
EVENTS_PER_CASE = 10


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path)
    live.start()
    yield live
    live.stop()


def case_events(case_id: str) -> list[dict[str, Any]]:
    """Ten events of one case, each with its own event_id."""
    events: list[dict[str, Any]] = [
        {
            "type": "ComplaintReceived",
            "case_id": case_id,
            "on": "2024-04-02",
            "procedure": "children-2006",
            "event_id": f"{case_id}-0",
        }
    ]
    events += [
        {
            "type": "AdvocacyArranged",
            "case_id": case_id,
            "on": "2024-04-03",
            "provider": f"P{n}",
            "event_id": f"{case_id}-{n}",
        }
        for n in range(1, EVENTS_PER_CASE)
    ]
    return events


def test_eight_clients_under_load_store_each_accepted_event_once(server: LiveServer) -> None:
    statuses: dict[int, int] = {}
    expected_stale = expected_refused = 0
    lock = threading.Lock()
    failures: list[str] = []

    def client(number: int) -> None:
        nonlocal expected_stale, expected_refused
        with httpx.Client(base_url=server.base, headers=server.headers(), timeout=60) as http:
            for case in range(number, CASES, CLIENTS):
                case_id = f"L-{case}"
                for version, event in enumerate(case_events(case_id)):
                    body = json.dumps(event)
                    answer = http.post(
                        f"/cases/{case_id}/events", content=body, headers={"If-Match": str(version)}
                    )
                    seen = [answer.status_code]
                    if version % 3 == 1:  # sent again, as after a timeout: a success storing nothing new
                        seen.append(http.post(f"/cases/{case_id}/events", content=body).status_code)
                    if version == 5:  # an event the case does not allow: refused, nothing stored
                        refused = http.post(
                            f"/cases/{case_id}/events",
                            content=json.dumps(
                                {
                                    "type": "PanelHeld",
                                    "case_id": case_id,
                                    "on": "2024-04-03",
                                    "members": ["A", "B", "C"],
                                    "chair": "A",
                                }
                            ),
                        )
                        seen.append(refused.status_code)
                        with lock:
                            expected_refused += 1
                    if version % 4 == 2:  # an officer who had not reloaded: stale
                        stale = http.post(
                            f"/cases/{case_id}/events",
                            content=json.dumps({**event, "event_id": f"{event['event_id']}-stale"}),
                            headers={"If-Match": str(version)},
                        )
                        seen.append(stale.status_code)
                        with lock:
                            expected_stale += 1
                    with lock:
                        for status in seen:
                            statuses[status] = statuses.get(status, 0) + 1
                    if answer.status_code != 200:
                        failures.append(f"{case_id} {version}: {answer.status_code} {answer.text[:200]}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert statuses.get(412) == expected_stale and statuses.get(422) == expected_refused == CASES
    assert set(statuses) == {200, 412, 422}
    with cf.open_store(server.url) as store:
        feed = store.feed(after=0, limit=10_000)
        ids = [event.event_id for _, event in feed]
        assert len(feed) == CASES * EVENTS_PER_CASE == len(set(ids))
        assert [position for position, _ in feed] == sorted(position for position, _ in feed)
        assert store.check() == []
    with httpx.Client(base_url=server.base, headers=server.headers(), timeout=60) as http:
        seen_ids, after = [], 0
        while page := http.get("/feed", params={"after": after, "limit": 500}).json()["events"]:
            seen_ids += [entry["event"]["event_id"] for entry in page]
            after = page[-1]["position"]
        assert sorted(seen_ids) == sorted(ids)


def test_a_server_killed_mid_load_loses_nothing_acknowledged_and_stores_nothing_twice(tmp_path: Path) -> None:
    live = LiveServer(tmp_path)
    live.start()
    acknowledged: set[str] = set()
    lock = threading.Lock()
    killed = threading.Event()

    def client(number: int) -> None:
        with httpx.Client(base_url=live.base, headers=live.headers(), timeout=10) as http:
            for case in range(number, 80, 4):
                case_id = f"K-{case}"
                for event in case_events(case_id):
                    while True:  # retry until acknowledged: the same event_id each time
                        try:
                            answer = http.post(f"/cases/{case_id}/events", content=json.dumps(event))
                        except httpx.TransportError:
                            killed.wait(timeout=30)
                            continue
                        if answer.status_code == 200:
                            with lock:
                                acknowledged.add(event["event_id"])
                            break
                        raise AssertionError(f"{answer.status_code}: {answer.text[:200]}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    while len(acknowledged) < 150:
        threading.Event().wait(0.05)
    live.kill()
    live.start()
    killed.set()
    for thread in threads:
        thread.join(timeout=300)
    live.stop()
    with cf.open_store(live.url) as store:
        stored = [event.event_id for _, event in store.feed(after=0, limit=10_000)]
        assert len(stored) == len(set(stored)) == 80 * EVENTS_PER_CASE
        assert acknowledged <= set(stored)
        assert store.check() == []


def test_the_curl_examples_of_the_service_page_work_against_a_real_server(server: LiveServer) -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "service.md").read_text(encoding="utf-8")
    commands = [line.removeprefix("$ ") for line in page.splitlines() if line.startswith("$ curl")]
    assert len(commands) >= 7
    env = {**os.environ, "URL": server.base, "TOKEN": server.write_token}
    for command in commands:
        done = subprocess.run(
            ["bash", "-c", command], capture_output=True, text=True, env=env, timeout=60, check=False
        )
        assert done.returncode == 0, (command, done.stderr)
        answer = json.loads(done.stdout)
        if " -sf " not in command:  # the example of a refusal
            assert answer["kind"] == "refused" and answer["state"] == "stage1"


def test_retries_after_a_timeout_with_the_same_if_match_store_each_event_exactly_once(
    server: LiveServer,
) -> None:
    """Clients that give up waiting (a timeout shorter than the server takes under load) and send
    the same event with the same If-Match again, as the docs advise, until it is acknowledged."""
    cases, events_per_case, clients = 60, 5, 4
    acknowledged: list[str] = []
    gave_up = [0]
    lock = threading.Lock()

    def client(number: int) -> None:
        with httpx.Client(base_url=server.base, headers=server.headers()) as http:
            for case in range(number, cases, clients):
                case_id = f"T-{case}"
                for version, event in enumerate(case_events(case_id)[:events_per_case]):
                    for attempt in range(100):
                        try:
                            answer = http.post(
                                f"/cases/{case_id}/events",
                                content=json.dumps(event),
                                headers={"If-Match": str(version)},
                                timeout=0.005 if attempt == 0 else 30,  # the first try gives up early
                            )
                        except httpx.TimeoutException:
                            with lock:
                                gave_up[0] += 1
                            continue
                        assert answer.status_code == 200, answer.text[:300]
                        assert answer.json()["version"] == version + 1
                        with lock:
                            acknowledged.append(event["event_id"])
                        break

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(acknowledged) == cases * events_per_case
    with cf.open_store(server.url) as store:
        stored = [event.event_id for _, event in store.feed(after=0, limit=10_000)]
        assert sorted(stored) == sorted(acknowledged)  # every acknowledged event, exactly once
        assert all(store.version(f"T-{case}") == events_per_case for case in range(cases))
        assert store.check() == []


BROWSER = next((found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None)
if BROWSER is None and os.environ.get("CI"):
    raise RuntimeError("CI needs Chromium: .ci/run installs it")


@pytest.mark.skipif(BROWSER is None, reason="no headless browser: apt-get install chromium")
def test_the_api_page_draws_every_route_in_a_browser_from_the_package_alone(server: LiveServer) -> None:
    """Swagger UI, from the files shipped with the service, reads the OpenAPI 3.1 document and draws
    its routes; the server's log shows that the page loaded nothing but the service's own files."""
    assert BROWSER is not None
    headless = ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000"]
    drawn = subprocess.run(
        [BROWSER, *headless, "--dump-dom", f"{server.base}/docs"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert "OAS 3.1" in drawn and "Unable to render" not in drawn
    assert (
        'data-path="/cases/{case_id}/events"' in drawn and 'data-path="/reports/{procedure}/{year}"' in drawn
    )
    served = server.log.read_text(encoding="utf-8")
    assert "GET /docs/swagger-ui-bundle.js case=- status=200" in served
    assert "GET /docs/swagger-ui.css case=- status=200" in served
