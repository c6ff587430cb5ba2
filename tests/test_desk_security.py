"""The desk's security, tried as an attacker would: forms from other sites, planted session ids,
framing, stored script in every free-text field, and accounts disabled while signed in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from desk_support import (
    PASSWORD,
    TODAY,
    add_account,
    csrf_of,
    desk_client,
    plant,
    post_form,
    received,
    signed_in,
)

from complaintflow.desk.sessions import COOKIE
from complaintflow.store import open_store
from complaintflow.store.base import EventStore
from complaintflow.store.users import disable_user

SCRIPT = '<script>alert("x")</script>'
PAGES = [
    "/desk/sign-in",
    "/desk/cases",
    "/desk/cases?show=all",
    "/desk/cases/new",
    "/desk/find",
    "/desk/cases/C-1",
    "/desk/cases/C-1/record/Acknowledged",
    "/desk/reports",
    "/desk/reports/lgsco-2026/2026-27",
    "/desk/admin/users",
    "/desk/admin/tokens",
    "/desk/admin/webhooks",
    "/desk/admin/deliveries",
    "/desk/accessibility",
    "/desk/no-such-page",
]


@pytest.fixture
def store(tmp_path: Path) -> EventStore:
    store = open_store(f"sqlite:{tmp_path / 'desk.db'}")
    add_account(store, "amira", "officer", "housing")
    add_account(store, "ben", "admin")
    received(store, "C-1")
    return store


@pytest.mark.parametrize("url", PAGES)
def test_every_page_forbids_inline_script_style_and_framing(store: EventStore, url: str) -> None:
    page = signed_in(store, "ben").get(url)
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "form-action 'self'" in policy and "unsafe-inline" not in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text) is None, "an inline script"
    assert "<style" not in page.text and " style=" not in page.text, "inline style"


def test_assets_are_cached_long_and_carry_the_headers_too(store: EventStore) -> None:
    client = desk_client(store)
    for asset in ("govuk-frontend.min.css", "govuk-frontend.min.js", "js-enabled.js", "images/favicon.svg"):
        answer = client.get(f"/desk/assets/{asset}")
        assert answer.status_code == 200
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_pages_ask_for_no_file_from_another_site(store: EventStore) -> None:
    page = signed_in(store, "ben").get("/desk/cases/C-1").text
    addresses = re.findall(r'(?:href|src|action)="([^"]*)"', page)
    assert addresses and all(not re.match(r"(?i)(https?:)?//", address) for address in addresses)


def test_the_session_cookie_is_httponly_secure_strict_and_kept_to_the_desk(store: EventStore) -> None:
    client = desk_client(store)
    page = client.get("/desk/sign-in")
    answer = client.post(
        "/desk/sign-in", data={"name": "amira", "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    )
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=strict", "path=/desk"} <= flags


def test_a_session_id_planted_before_sign_in_is_worthless_after_it(store: EventStore) -> None:
    attacker = desk_client(store)
    attacker.get("/desk/sign-in")
    planted = attacker.cookies[COOKIE]
    victim = desk_client(store)
    plant(victim, planted)
    signed_in(store, "amira", victim)
    assert victim.cookies[COOKIE] != planted
    assert victim.get("/desk/cases").status_code == 200
    assert attacker.get("/desk/cases").status_code == 303, "the planted id was not signed in"


def test_every_sign_in_starts_a_new_session(store: EventStore) -> None:
    client = signed_in(store, "amira")
    first = client.cookies[COOKIE]
    token = csrf_of(client.get("/desk/cases").text)
    answer = client.post("/desk/sign-in", data={"name": "ben", "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 303
    assert client.cookies[COOKIE] != first
    assert "Signed in as <strong>ben</strong>" in client.get("/desk/cases").text
    stale = desk_client(store)
    plant(stale, first)
    assert stale.get("/desk/cases").status_code == 303


def test_signing_out_ends_the_session_on_the_server(store: EventStore) -> None:
    client = signed_in(store, "amira")
    session_id = client.cookies[COOKIE]
    page = client.get("/desk/cases")
    assert client.post("/desk/sign-out", data={"csrf_token": csrf_of(page.text)}).status_code == 303
    again = desk_client(store)
    plant(again, session_id)
    assert again.get("/desk/cases").status_code == 303


def test_a_wrong_password_is_refused_with_one_message_and_no_session(store: EventStore) -> None:
    client = desk_client(store)
    texts = []
    for name, password in (("amira", "wrong password here"), ("nobody", PASSWORD)):
        page = client.get("/desk/sign-in")
        answer = client.post(
            "/desk/sign-in", data={"name": name, "password": password, "csrf_token": csrf_of(page.text)}
        )
        assert answer.status_code == 401
        assert 'class="govuk-error-summary"' in answer.text and 'href="#name"' in answer.text
        texts.append(re.search(r"govuk-error-summary__list.*?</ul>", answer.text, re.S).group(0))  # type: ignore[union-attr]
        assert client.get("/desk/cases").status_code == 303
    assert texts[0] == texts[1]


def test_a_disabled_account_is_out_at_once(store: EventStore) -> None:
    client = signed_in(store, "amira")
    assert client.get("/desk/cases").status_code == 200
    disable_user(store, "amira")
    answer = client.get("/desk/cases")
    assert answer.status_code == 303 and answer.headers["location"] == "/desk/sign-in"


def test_an_idle_session_ends(store: EventStore) -> None:
    now = [1000.0]
    client = desk_client(store, idle_seconds=60)
    client.desk.state.desk_sessions.clock = lambda: now[0]  # type: ignore[attr-defined]
    signed_in(store, "amira", client)
    now[0] += 59
    assert client.get("/desk/cases").status_code == 200
    now[0] += 61
    assert client.get("/desk/cases").status_code == 303


@pytest.mark.parametrize("token", [None, "", "forged-token"])
@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("/desk/cases/new", {"case_id": "C-2", "kind": "ComplaintReceived", "procedure": "lgsco-2026"}),
        ("/desk/cases/C-1/record/Acknowledged", {"version": "1", "on-day": "3", "on-month": "11"}),
    ],
)
def test_a_form_without_the_sessions_token_is_refused_and_changes_nothing(
    store: EventStore, url: str, fields: dict[str, str], token: str | None
) -> None:
    client = signed_in(store, "amira")
    data = {**fields, "on-day": "3", "on-month": "11", "on-year": "2026"}
    if token is not None:
        data["csrf_token"] = token
    before = (store.cases(), store.version("C-1"))
    answer = client.post(url, data=data)
    assert answer.status_code == 403
    assert "The form has expired" in answer.text
    assert (store.cases(), store.version("C-1")) == before


def test_another_sessions_token_is_refused(store: EventStore) -> None:
    mine, theirs = signed_in(store, "amira"), signed_in(store, "ben")
    their_token = csrf_of(theirs.get("/desk/cases/new").text)
    data = {
        "case_id": "C-2",
        "kind": "ComplaintReceived",
        "procedure": "lgsco-2026",
        "csrf_token": their_token,
    }
    assert (
        mine.post(
            "/desk/cases/new", data={**data, "on-day": "3", "on-month": "11", "on-year": "2026"}
        ).status_code
        == 403
    )
    assert store.cases() == ["C-1"]


def test_sign_in_itself_needs_the_pages_token(store: EventStore) -> None:
    client = desk_client(store)
    answer = client.post("/desk/sign-in", data={"name": "amira", "password": PASSWORD})
    assert answer.status_code == 403
    assert client.get("/desk/cases").status_code == 303


#: Every free-text field the desk's forms ask, by the event whose form asks it.
FREE_TEXT = {
    "AdvocacyArranged": {"provider": SCRIPT},
    "LegalHoldPlaced": {"reason": SCRIPT},
    "LearningActionAgreed": {"action_id": SCRIPT, "description": SCRIPT, "owner": SCRIPT},
    "Assigned": {"team": SCRIPT, "officer": SCRIPT},
}


def test_stored_script_in_every_free_text_field_comes_back_escaped(store: EventStore) -> None:
    client = signed_in(store, "amira")
    answer = post_form(
        client,
        "/desk/cases/new",
        {
            "case_id": "C-9",
            "kind": "ComplaintReceived",
            "procedure": "lgsco-2026",
            "on-day": "2",
            "on-month": "11",
            "on-year": "2026",
            "service_area": SCRIPT,
        },
    )
    assert answer.status_code == 303
    for event_type, fields in FREE_TEXT.items():
        day = {"on-day": "5", "on-month": "11", "on-year": "2026"}
        url = f"/desk/cases/C-9/record/{event_type}"
        answer = post_form(client, url, {**day, **fields})
        assert answer.status_code == 303, answer.text
    stored = [event.model_dump() for event in store.events("C-9")]
    assert sum(str(event).count(SCRIPT) for event in stored) >= 8, "the text was stored as written"
    for url in ("/desk/cases/C-9", "/desk/cases?show=all"):
        page = client.get(url).text
        assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in client.get("/desk/cases/C-9").text


def test_a_refused_form_shows_the_answers_escaped(store: EventStore) -> None:
    client = signed_in(store, "amira")
    answer = post_form(
        client,
        "/desk/cases/C-1/record/LegalHoldPlaced",
        {"on-day": "31", "on-month": "2", "on-year": "2026", "reason": SCRIPT},
    )
    assert answer.status_code == 422
    assert "<script>alert" not in answer.text and "&lt;script&gt;" in answer.text


def test_free_text_never_travels_in_an_address(store: EventStore) -> None:
    pages = [desk_client(store).get("/desk/sign-in").text]
    client = signed_in(store, "ben")
    pages += [client.get(url).text for url in ("/desk/cases/new", "/desk/cases/C-1/record/LegalHoldPlaced")]
    for page in pages:
        methods = re.findall(r'<form method="([a-z]+)"', page)
        assert methods and set(methods) == {"post"}


def test_the_daily_lists_day_is_the_desks(store: EventStore) -> None:
    assert (
        TODAY.isoformat()
        in signed_in(store, "amira").get("/desk/cases.csv?show=all").headers["content-disposition"]
    )


def test_a_flood_of_visitors_does_not_push_out_the_people_signed_in(store: EventStore) -> None:
    client = desk_client(store, max_sessions=5)
    signed_in(store, "amira", client)
    sessions = client.desk.state.desk_sessions  # type: ignore[attr-defined]
    for _ in range(20):  # visitors who never sign in
        sessions.start(None)
    assert len(sessions) == 5
    assert client.get("/desk/cases").status_code == 200
