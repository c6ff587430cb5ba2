"""A council's webhook receiver that emails each notice through GOV.UK Notify.

complaintflow posts a signed webhook for each notice (`complaintflow webhooks add URL --kinds ...`).
This receiver checks the signature with the `standardwebhooks` package, skips a notice it has
emailed already (the webhook id is the notice id), looks up the owning officer's or team's email
address in the council's own address book (notices carry references, never names or addresses),
and sends a Notify email with the notice's letter facts as the template's personalisation.

Run it with:

    WEBHOOK_SECRET=whsec_... NOTIFY_API_KEY=... NOTIFY_TEMPLATE_ID=... \\
        ADDRESS_BOOK=addresses.json python examples/notify-receiver/receiver.py 8025

`addresses.json` maps officer and team references to email addresses, with a `default` for cases
nobody owns. `NOTIFY_BASE_URL` points the client at another Notify API (the tests use a local
stand-in). Needs `standardwebhooks` and `notifications-python-client`.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from notifications_python_client.notifications import NotificationsAPIClient
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

#: The largest webhook body read: a notice is a few kilobytes.
MAX_BODY_BYTES = 256 * 1024


def personalisation(notice: dict[str, Any]) -> dict[str, str]:
    """The notice's facts as a Notify template's fields: text only, one field each."""
    facts = notice["letter_facts"]
    steps = [
        f"ask for stage {step['to_stage']} by {step['by_in_words']}"
        if step["action"] == "escalate"
        else f"go to the {step['to']} {step['time_limit']}"
        for step in facts["next_steps"]
    ]
    ombudsman = facts.get("ombudsman") or {}
    due = next((d["due_in_words"] for d in facts["deadlines"] if d["deadline"] == notice["deadline"]), "")
    return {
        "reference": notice["case_id"],
        "notice": notice["kind"],
        "deadline": notice["deadline"].replace("_", " "),
        "due": due or notice["due"],
        "stage": str(notice["stage"]),
        "procedure": facts.get("procedure_title") or notice["procedure"],
        "next_steps": "; ".join(steps) or "none",
        "ombudsman": ombudsman.get("name", ""),
        "ombudsman_time_limit": ombudsman.get("time_limit", ""),
    }


class NotifyReceiver:
    """What the receiver needs: the secret, a Notify client, a template and an address book."""

    def __init__(
        self, secret: str, client: NotificationsAPIClient, template_id: str, addresses: dict[str, str]
    ) -> None:
        self.webhook = Webhook(secret)
        self.client = client
        self.template_id = template_id
        self.addresses = addresses
        self.sent: set[str] = set()  # a real receiver keeps these in its database
        self.lock = threading.Lock()

    def address_for(self, notice: dict[str, Any]) -> str:
        owner = notice.get("owner") or {}
        for reference in (owner.get("officer"), owner.get("team"), "default"):
            if reference in self.addresses:
                return self.addresses[reference]
        raise LookupError("no address for this case's owner, and no default")

    def receive(self, body: bytes, headers: dict[str, str]) -> int:
        """Handle one webhook; the HTTP status to answer with."""
        try:
            envelope = self.webhook.verify(body, headers)
        except WebhookVerificationError:
            return 401
        notice_id = headers.get("webhook-id") or headers.get("Webhook-Id") or ""
        with self.lock:
            if notice_id in self.sent:
                return 200  # delivered again after a lost answer: emailed already
            notice = envelope["data"]
            self.client.send_email_notification(
                email_address=self.address_for(notice),
                template_id=self.template_id,
                personalisation=personalisation(notice),
                reference=notice_id,
            )
            self.sent.add(notice_id)
        return 200


def serve(receiver: NotifyReceiver, port: int, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """An HTTP server handing each POST to the receiver (call `serve_forever` on it)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self.send_response(413)
                self.end_headers()
                return
            headers = {key.lower(): value for key, value in self.headers.items()}
            try:
                status = receiver.receive(self.rfile.read(length), headers)
            except Exception:  # Notify refused or was down: answer 503 and complaintflow tries again
                status = 503
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    return ThreadingHTTPServer((host, port), Handler)


def main() -> None:
    with open(os.environ["ADDRESS_BOOK"], encoding="utf-8") as book:
        addresses = json.load(book)
    client = NotificationsAPIClient(
        os.environ["NOTIFY_API_KEY"],
        base_url=os.environ.get("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"),
    )
    receiver = NotifyReceiver(
        os.environ["WEBHOOK_SECRET"], client, os.environ["NOTIFY_TEMPLATE_ID"], addresses
    )
    serve(receiver, int(sys.argv[1]) if len(sys.argv) > 1 else 8025).serve_forever()


if __name__ == "__main__":
    main()
