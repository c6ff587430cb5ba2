"""The GOV.UK Notify example receiver, end to end on loopback: complaintflow delivers signed notices
to it, and it emails them through `notifications-python-client` to a local stand-in of Notify's
API, which checks each request's token as Notify does. The real Notify is never called."""

from __future__ import annotations

import importlib.util
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import jwt
from notifications_python_client.notifications import NotificationsAPIClient
from standardwebhooks.webhooks import Webhook
from store_contract import RECEIVED

import complaintflow as cf
from complaintflow.notices import add_subscription, deliver_once, list_notices, notify

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "notify-receiver" / "receiver.py"
SERVICE_ID = str(uuid.uuid4())
SECRET = str(uuid.uuid4())
API_KEY = f"test_key-{SERVICE_ID}-{SECRET}"
TEMPLATE = str(uuid.uuid4())


def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("notify_receiver", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def notify_stand_in() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """POST /v2/notifications/email as Notify answers it, for requests whose JWT the key signed."""
    emails: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            try:
                claims = jwt.decode(token, SECRET, algorithms=["HS256"])
            except jwt.InvalidTokenError:
                self.answer(403, {"errors": [{"error": "AuthError", "message": "Invalid token"}]})
                return
            if claims["iss"] != SERVICE_ID or self.path != "/v2/notifications/email":
                self.answer(403, {"errors": [{"error": "AuthError", "message": "wrong service"}]})
                return
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            emails.append(request)
            self.answer(201, {"id": str(uuid.uuid4()), "reference": request.get("reference"), "content": {}})

        def answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", emails
    finally:
        server.shutdown()
        server.server_close()


def test_each_notice_is_emailed_through_notify_once_with_its_letter_facts(tmp_path: Path) -> None:
    store = cf.open_store(f"sqlite:{tmp_path / 'store.db'}")
    receiving = example()
    with notify_stand_in() as (notify_url, emails):
        client = NotificationsAPIClient(API_KEY, base_url=notify_url)
        book = {"O-7": "officer7@council.example", "default": "complaints@council.example"}
        receiver = receiving.NotifyReceiver("whsec_" + "A" * 44, client, TEMPLATE, book)
        server = receiving.serve(receiver, 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/notices"
        _, secret = add_subscription(store, url, ["approaching", "missed"])
        receiver.webhook = Webhook(secret)  # the council configures the secret it was shown
        store.append(
            "A", [RECEIVED, {"type": "Assigned", "case_id": "A", "on": "2024-04-03", "officer": "O-7"}]
        )
        store.append("B", [{**RECEIVED, "case_id": "B"}])
        notify(store, date(2024, 4, 12))
        assert deliver_once(store) == 2
        with store._writing() as db:  # the answers were lost: complaintflow sends both again
            db.execute("UPDATE complaintflow_deliveries SET status = 'pending', next_try = first_try")
        assert deliver_once(store) == 2
        server.shutdown()
        server.server_close()
    assert len(emails) == 2  # the same notice id is emailed once
    by_address = {email["email_address"]: email for email in emails}
    assert set(by_address) == {"officer7@council.example", "complaints@council.example"}
    mine = by_address["officer7@council.example"]
    assert mine["template_id"] == TEMPLATE
    assert mine["personalisation"]["reference"] == "A"
    assert mine["personalisation"]["due"] == "Tuesday 16 April 2024"
    assert mine["personalisation"]["ombudsman"] == "Local Government and Social Care Ombudsman"
    assert mine["reference"] in {n.notice.notice_id for n in list_notices(store)}


def test_a_forged_webhook_is_refused_and_emails_nothing() -> None:
    receiving = example()
    with notify_stand_in() as (notify_url, emails):
        client = NotificationsAPIClient(API_KEY, base_url=notify_url)
        receiver = receiving.NotifyReceiver("whsec_" + "A" * 44, client, TEMPLATE, {"default": "x@y.example"})
        headers = {"webhook-id": "ntc_1", "webhook-timestamp": "1", "webhook-signature": "v1,AAAA"}
        assert receiver.receive(b'{"data": {}}', headers) == 401
    assert emails == []
