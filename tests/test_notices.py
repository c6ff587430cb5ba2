"""Delivering notices: receivers that fail, a worker killed mid-delivery, endpoints that are slow or
hostile, and the command line. The outbox itself is in the store contract (tests/store_contract.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from cli_runner import run
from store_contract import RECEIVED, subprocess_env
from webhook_receiver import Receiver, receiving

import complaintflow as cf
from complaintflow.notices import (
    DeliveryFailed,
    Limits,
    SubscriptionError,
    add_subscription,
    deliver_once,
    failed_deliveries,
    list_notices,
    notify,
    resend,
    schedule,
)
from complaintflow.notices.delivery import RETRY_FOR
from complaintflow.notices.outbox import utc_now
from complaintflow.notices.sending import post
from complaintflow.notices.signing import new_secret
from complaintflow.store import EventStore

CASES = 6


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:{tmp_path / 'store.db'}"


@pytest.fixture
def store(url: str) -> Iterator[EventStore]:
    store = cf.open_store(url)
    for number in range(CASES):
        case_id = f"C-{number}"
        store.append(case_id, [{**RECEIVED, "case_id": case_id}])
    notify(store, date(2024, 4, 17))  # each case's stage 1 response was due the day before: missed
    yield store
    store.close()


def subscribe(store: EventStore, receiver: Receiver) -> None:
    _, receiver.secret = add_subscription(store, receiver.url, ["approaching", "due", "missed"])


def test_notices_made_before_a_subscription_are_not_sent_to_it(store: EventStore) -> None:
    with receiving() as receiver:
        subscribe(store, receiver)
        assert deliver_once(store) == 0
        store.append("C-0", [{"type": "Withdrawn", "case_id": "C-0", "on": "2024-04-18"}])
        notify(store, date(2024, 4, 18))
        assert deliver_once(store) == 0
    assert receiver.received == {}
    assert [n.status for n in list_notices(store, case_id="C-0")] == ["withdrawn"]
    assert len(list_notices(store, status="pending")) == CASES - 1


def test_notices_made_after_subscribing_arrive_at_least_once_after_failures(tmp_path: Path) -> None:
    store = cf.open_store(f"sqlite:{tmp_path / 'store.db'}")
    with receiving() as receiver:
        subscribe(store, receiver)
        for number in range(CASES):
            store.append(f"C-{number}", [{**RECEIVED, "case_id": f"C-{number}"}])
        for day in (12, 16, 17):  # approaching, due, missed
            notify(store, date(2024, 4, day))
        receiver.behaviour = "fail"
        start = utc_now()
        for minutes in range(0, 61, 5):
            assert deliver_once(store, clock=lambda m=minutes: start + timedelta(minutes=m)) == 0
        tried = dict(receiver.received)
        receiver.behaviour = "ok"
        assert deliver_once(store, clock=lambda: start + timedelta(hours=2)) == 3 * CASES
    notices = list_notices(store)
    assert {n.notice.notice_id for n in notices} == set(receiver.received) == set(tried)
    assert all(count >= 2 for count in receiver.received.values())  # failed tries, then the one kept
    assert {n.status for n in notices} == {"sent"} and receiver.bad_signatures == 0


def test_a_delivery_failing_for_a_day_is_held_as_failed_listed_and_sent_again_when_asked(
    tmp_path: Path,
) -> None:
    store = cf.open_store(f"sqlite:{tmp_path / 'store.db'}")
    with receiving() as receiver:
        subscribe(store, receiver)
        store.append("A", [RECEIVED])
        notify(store, date(2024, 4, 12))
        receiver.behaviour = "fail"
        start = utc_now()
        deliver_once(store, clock=lambda: start)
        deliver_once(store, clock=lambda: start + RETRY_FOR + timedelta(minutes=1))
        [failed] = failed_deliveries(store)
        assert failed.last_error == "answered 500" and failed.attempts == 2
        assert deliver_once(store, clock=lambda: start + timedelta(days=3)) == 0  # held, not retried
        receiver.behaviour = "ok"
        assert resend(store, failed.notice_id) == 1
        assert deliver_once(store) == 1
    assert failed_deliveries(store) == []
    assert receiver.received[failed.notice_id] == 3
    with pytest.raises(cf.ComplaintflowError, match="no failed delivery"):
        resend(store, failed.notice_id)


WORKER = textwrap.dedent(
    """
    import sys
    import complaintflow as cf
    from complaintflow.notices import deliver_once
    deliver_once(cf.open_store(sys.argv[1]))
    """
)


def test_a_worker_killed_mid_delivery_loses_nothing(tmp_path: Path) -> None:
    url = f"sqlite:{tmp_path / 'store.db'}"
    store = cf.open_store(url)
    with receiving() as receiver:
        subscribe(store, receiver)
        store.append("A", [RECEIVED])
        notify(store, date(2024, 4, 17))
        receiver.behaviour = "silent"  # the worker is left waiting for an answer
        worker = subprocess.Popen([sys.executable, "-c", WORKER, url], env=subprocess_env())
        try:
            while not _claimed(store) or not silent_holds(receiver):
                time.sleep(0.01)
        finally:
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
        receiver.behaviour = "ok"
        assert deliver_once(store) == 0  # claimed by the killed worker until its lease runs out
        later = utc_now() + timedelta(minutes=2)
        assert deliver_once(store, clock=lambda: later) == 1
    assert {n.status for n in list_notices(store)} == {"sent"}
    assert set(receiver.received) == {n.notice.notice_id for n in list_notices(store)}


def silent_holds(receiver: Receiver) -> bool:
    """Whether the receiver is holding a request unanswered (the worker is mid-delivery)."""
    return receiver.holding > 0


def _claimed(store: EventStore) -> bool:
    with store._reading() as db:
        db.execute("SELECT count(*) FROM complaintflow_deliveries WHERE next_try > first_try")
        return bool(db.fetchone()[0])


def test_one_endpoint_that_never_answers_does_not_hold_up_another(tmp_path: Path) -> None:
    store = cf.open_store(f"sqlite:{tmp_path / 'store.db'}")
    with receiving() as silent, receiving() as answering:
        silent.behaviour = "silent"
        subscribe(store, silent)
        subscribe(store, answering)
        store.append("A", [RECEIVED])
        notify(store, date(2024, 4, 12))
        finished = threading.Event()
        landed: list[int] = []

        def deliver() -> None:
            landed.append(deliver_once(store, Limits(timeout=30)))
            finished.set()

        threading.Thread(target=deliver, daemon=True).start()
        while not answering.received:  # arrives while the other endpoint still holds its request
            assert not finished.is_set()
        assert not finished.is_set()
        silent.release.set()
        finished.wait(60)
    assert landed == [1] and len(answering.received) == 1


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("http://example.org/hooks", "HTTPS is required"),
        ("ftp://127.0.0.1/hooks", "starts https://"),
        ("https://user:pass@example.org/hooks", "no user name or password"),
        ("https://exa mple.org/\n", "printable"),
        ("https://" + "a" * 3000 + ".org/", "printable characters"),
    ],
)
def test_a_subscription_that_could_never_be_delivered_safely_is_refused(
    store: EventStore, address: str, reason: str
) -> None:
    with pytest.raises(SubscriptionError, match=reason):
        add_subscription(store, address, ["missed"])


def test_a_redirect_is_not_followed() -> None:
    with receiving() as receiver:
        receiver.behaviour = "redirect"
        with pytest.raises(DeliveryFailed, match="redirects are not followed"):
            post(receiver.url, b"{}", {}, Limits())


def test_an_endpoint_that_never_answers_is_given_up_on() -> None:
    with receiving() as receiver:
        receiver.behaviour = "silent"
        with pytest.raises(DeliveryFailed, match=r"no answer within 0\.5 seconds"):
            post(receiver.url, b"{}", {}, Limits(timeout=0.5))


def test_an_endpoint_answering_a_gigabyte_is_read_no_further_than_the_limit() -> None:
    with receiving() as receiver:
        receiver.behaviour = "huge"
        assert post(receiver.url, b"{}", {}, Limits(max_answer_bytes=1024)) == 200


def test_private_addresses_are_refused_when_the_council_forbids_them() -> None:
    with receiving(new_secret()[0]) as receiver:
        with pytest.raises(DeliveryFailed, match="private or internal address"):
            post(receiver.url, b"{}", {}, Limits(allow_private=False))
        assert post(receiver.url, b"{}", {}, Limits(allow_private=True)) == 401  # reached: unsigned


def test_the_command_line_subscribes_notifies_and_delivers(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cf.open_store(url).append("A", [RECEIVED])
    with receiving() as receiver:
        status, out, _ = run(
            capsys, "webhooks", "add", receiver.url, "--kinds", "approaching,due", "--store", url
        )
        assert status == 0
        secret = json.loads(out)["secret"]
        assert secret.startswith("whsec_")
        receiver.secret = secret
        listed = run(capsys, "webhooks", "list", "--store", url)[1]
        assert receiver.url in listed and secret not in listed
        first = run(capsys, "notify", "--store", url, "--as-of", "2024-04-16")[1]
        again = run(capsys, "notify", "--store", url, "--as-of", "2024-04-16")[1]
        assert first.strip() == "2024-04-16: 2 notices made, 0 withdrawn"
        assert again.strip() == "2024-04-16: 0 notices made, 0 withdrawn"
        assert run(capsys, "deliver", "--once", "--store", url)[1].strip() == "2 deliveries landed"
    assert len(receiver.received) == 2 and receiver.bad_signatures == 0
    status, _, err = run(capsys, "webhooks", "add", "http://example.org/", "--kinds", "due", "--store", url)
    assert status == 2 and "HTTPS is required" in err


def test_the_daily_list_on_the_command_line_is_cut_by_team(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = cf.open_store(url)
    store.append("A", [RECEIVED, {"type": "Assigned", "case_id": "A", "on": "2024-04-03", "team": "T-1"}])
    store.append("B", [{**RECEIVED, "case_id": "B"}])
    out = run(capsys, "due", "--store", url, "--as-of", "2024-04-10", "--team", "T-1", "--format", "json")[1]
    assert [r["case_id"] for r in json.loads(out)] == ["A"]


def test_serve_notify_makes_todays_notices_and_delivers_them_in_the_background(tmp_path: Path) -> None:
    store = cf.open_store(f"sqlite:{tmp_path / 'store.db'}")
    store.append("A", [RECEIVED])  # its stage 1 response was missed long before today
    with receiving() as receiver:
        subscribe(store, receiver)
        stop = schedule.start(store)
        try:
            for _ in range(1_200):  # at most a minute, in case nothing ever arrives
                if receiver.received:
                    break
                time.sleep(0.05)
        finally:
            stop.set()
    [notice] = list_notices(store)
    assert notice.notice.kind == "missed" and set(receiver.received) == {notice.notice.notice_id}


def test_an_ombudsman_s_compliance_date_is_noticed_before_on_and_after_it_like_any_deadline(
    store: EventStore,
) -> None:
    store.append(
        "A",
        [
            RECEIVED,
            {"type": "Withdrawn", "case_id": "A", "on": "2024-04-03"},
            {"type": "OmbudsmanReferred", "case_id": "A", "on": "2024-05-01"},
            {"type": "OmbudsmanDecided", "case_id": "A", "on": "2024-09-02", "outcome": "upheld"},
            {
                "type": "OmbudsmanRecommendation",
                "case_id": "A",
                "on": "2024-09-02",
                "recommendation_id": "R-1",
                "kind": "apology",
                "comply_by": "2024-10-02",
            },
        ],
    )
    for day in (date(2024, 9, 27), date(2024, 9, 30), date(2024, 10, 2), date(2024, 10, 3)):
        notify(store, day)
    made = [(n.notice.kind, n.notice.deadline, n.notice.due) for n in list_notices(store, case_id="A")]
    assert made == [
        ("approaching", "recommendation:R-1", date(2024, 10, 2)),  # two working days before
        ("due", "recommendation:R-1", date(2024, 10, 2)),
        ("missed", "recommendation:R-1", date(2024, 10, 2)),
    ]
