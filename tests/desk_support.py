"""What the desk's tests share: a store with a desk over it, accounts of each role, and a browser
that has signed in (httpx through Starlette's TestClient, over https so Secure cookies are sent)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from complaintflow.service import create_app
from complaintflow.store.base import EventStore
from complaintflow.store.users import Role, add_user

PASSWORD = "correct horse battery staple"
TODAY = date(2026, 11, 20)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_account(store: EventStore, name: str, role: Role, team: str | None = None) -> None:
    add_user(store, name, role, PASSWORD, team)


def desk_client(store: EventStore, **options: Any) -> TestClient:
    """A browser on the service with its desk, counting deadlines to TODAY; the desk itself is
    `client.desk`."""
    app = create_app(store, desk=False)
    from complaintflow.desk import create_desk

    desk = create_desk(store, today=lambda: TODAY, **options)
    app.mount("/desk", desk)
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    client.desk = desk  # type: ignore[attr-defined]
    return client


def csrf_of(page: str) -> str:
    found = _CSRF.search(page)
    assert found is not None, "the page has no form token"
    return found.group(1)


def signed_in(store: EventStore, name: str, client: TestClient | None = None) -> TestClient:
    """A browser signed in as `name` (an account added with add_account)."""
    client = client or desk_client(store)
    page = client.get("/desk/sign-in")
    answer = client.post(
        "/desk/sign-in", data={"name": name, "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    )
    assert answer.status_code == 303, answer.text
    return client


def received(store: EventStore, case_id: str, on: str = "2026-11-02", **fields: Any) -> None:
    """A complaint under the LGSCO's Complaint Handling Code, received on `on`."""
    event = {"type": "ComplaintReceived", "case_id": case_id, "on": on, "procedure": "lgsco-2026"}
    store.append(case_id, [{**event, **fields}])


def post_form(client: TestClient, page_url: str, fields: dict[str, str], action: str | None = None) -> Any:
    """Open a page, and send its form with these answers and the page's own token and hidden fields."""
    page = client.get(page_url)
    assert page.status_code == 200, page.text
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    return client.post(action or page_url, data={**hidden, **fields})


def plant(client: TestClient, session_id: str) -> None:
    """Give a browser a session id of someone else's choosing, as a fixation attack would."""
    client.cookies.clear()
    client.cookies.set("complaintflow_desk", session_id, domain="testserver.local", path="/desk")
