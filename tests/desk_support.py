"""What the desk's tests share: a store with a desk over it, accounts of each role, and a browser
that has signed in (httpx through Starlette's TestClient, over https so Secure cookies are sent)."""

from __future__ import annotations

import importlib
import re
import sys
import types
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from complaintflow.errors import ComplaintflowError
from complaintflow.service import create_app
from complaintflow.store.base import EventStore

PASSWORD = "correct horse battery staple"
TODAY = date(2026, 11, 20)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _users_module() -> types.ModuleType:
    """The store's accounts module; until it is in this tree, a stand-in with its interface."""
    try:
        return importlib.import_module("complaintflow.store.users")
    except ImportError:
        pass
    stand_in = types.ModuleType("complaintflow.store.users")

    @dataclass(frozen=True)
    class User:
        name: str
        role: str
        team: str | None
        disabled: bool

    class SignInRefused(ComplaintflowError):
        pass

    kept: dict[int, dict[str, tuple[User, str]]] = {}

    def add_user(store: EventStore, name: str, role: str, password: str, team: str | None = None) -> User:
        user = User(name, role, team, False)
        kept.setdefault(id(store), {})[name] = (user, password)
        return user

    def get_user(store: EventStore, name: str) -> User | None:
        found = kept.get(id(store), {}).get(name)
        return None if found is None else found[0]

    def check_password(store: EventStore, name: str, password: str, **_: Any) -> User:
        found = kept.get(id(store), {}).get(name)
        if found is None or found[1] != password or found[0].disabled:
            raise SignInRefused("sign-in refused")
        return found[0]

    def list_users(store: EventStore) -> list[User]:
        return [user for user, _ in kept.get(id(store), {}).values()]

    def disable_user(store: EventStore, name: str) -> None:
        user, password = kept[id(store)][name]
        kept[id(store)][name] = (replace(user, disabled=True), password)

    stand_in.__dict__.update(
        User=User,
        SignInRefused=SignInRefused,
        GRANTS_BY_ROLE={
            "officer": frozenset({"read", "write"}),
            "manager": frozenset({"read", "write", "report"}),
            "admin": frozenset({"read", "write", "report", "admin"}),
        },
        add_user=add_user,
        get_user=get_user,
        check_password=check_password,
        list_users=list_users,
        disable_user=disable_user,
    )
    sys.modules["complaintflow.store.users"] = stand_in
    return stand_in


users = _users_module()


def add_account(store: EventStore, name: str, role: str, team: str | None = None) -> None:
    users.add_user(store, name, role, PASSWORD, team)


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
