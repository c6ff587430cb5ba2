"""The desk's defences, tried against a real server as an attacker would: forged and replayed forms,
fixed and stolen sessions, framing, script in every free-text field, and personal data looked for
in URLs and in the server's log."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from browser_pages import context, launch, needs_browser, sign_in
from desk_site import (
    ACCOUNTS,
    PASSWORD,
    STATES,
    DeskSite,
    Form,
    add_account,
    case_in,
    form_with,
    forms,
)
from fastapi.testclient import TestClient
from starlette.routing import Mount

import complaintflow as cf
from complaintflow.dates import london_today
from complaintflow.desk.sessions import IDLE_SECONDS
from complaintflow.service import create_app

#: Script in every form it could take: an element, an attribute broken out of, a URL.
PAYLOAD = "<script>alert('xss-1')</script>\"><img src=x onerror=alert('xss-2')>"
#: A reference has no slash: the same attack without the closing tag.
REFERENCE_PAYLOAD = "\"><img src=x onerror=alert('xss-3')>"
RAW = re.compile(r"<script>alert|<img src=x onerror", re.IGNORECASE)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeskSite]:
    live = DeskSite(tmp_path_factory.mktemp("desk-security"), cases=3)
    live.start()
    yield live
    live.stop()


@pytest.fixture
def officer(site: DeskSite) -> Iterator[httpx.Client]:
    with site.client() as client:
        site.sign_in(client, "officer")
        yield client


def version(site: DeskSite, case_id: str) -> int:
    with cf.open_store(site.url) as store:
        return store.version(case_id)


def record_form(client: httpx.Client, case_id: str, event_type: str) -> tuple[str, dict[str, str]]:
    page = client.get(f"/desk/cases/{case_id}/record/{event_type}")
    assert page.status_code == 200, page.status_code
    form = form_with(page.text, "csrf_token", action=f"/record/{event_type}")
    return form.action, form.fields


# -- CSRF ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("forgery", ["missing", "wrong", "another session's"])
def test_a_form_without_this_session_s_csrf_token_is_refused_and_stores_nothing(
    site: DeskSite, officer: httpx.Client, forgery: str
) -> None:
    action, fields = record_form(officer, "EX-0001", "Acknowledged")
    name = "csrf_token"
    if forgery == "missing":
        del fields[name]
    elif forgery == "wrong":
        fields[name] = "0" * len(fields[name])
    else:
        with site.client() as other:
            site.sign_in(other, "manager")
            _, theirs = record_form(other, "EX-0001", "Acknowledged")
            fields[name] = theirs[name]
    before = version(site, "EX-0001")
    answer = officer.post(action, data=fields)
    assert answer.status_code == 403
    assert version(site, "EX-0001") == before


def test_signing_in_needs_the_sign_in_page_s_csrf_token(site: DeskSite) -> None:
    """A site elsewhere cannot sign a browser in to an account of its choosing (login CSRF)."""
    with site.client() as client:
        page = client.get("/desk/sign-in")
        form = form_with(page.text, "csrf_token", action="/sign-in")
        del form.fields["csrf_token"]
        password = next(name for name in form.fields if "password" in name)
        login = next(name for name in form.fields if name != password)
        answer = client.post("/desk/sign-in", data={login: ACCOUNTS["officer"], password: "x" * 20})
        assert answer.status_code == 403


# -- sessions --------------------------------------------------------------------------------------


def session_cookies(client: httpx.Client) -> dict[str, str]:
    return {cookie.name: cookie.value or "" for cookie in client.cookies.jar}


def test_a_session_cookie_set_before_signing_in_is_not_the_one_after(site: DeskSite) -> None:
    with site.client() as client:
        client.get("/desk/sign-in")
        before = session_cookies(client)
        site.sign_in(client, "officer")
        after = session_cookies(client)
        assert after and all(after[name] != value for name, value in before.items() if name in after)
        # The cookie from before signing in does not carry the signed-in session.
        with site.client() as attacker:
            attacker.cookies.update(before)
            assert attacker.get("/desk/cases").status_code in (302, 303)


def test_a_session_id_planted_by_an_attacker_is_worth_nothing_after_the_victim_signs_in(
    site: DeskSite,
) -> None:
    """The attacker opens the sign-in page for a session id of their own and plants it in the
    victim's browser; the victim signs in; the attacker's id is still not signed in."""
    with site.client() as attacker:
        attacker.get("/desk/sign-in")
        planted = session_cookies(attacker)
        assert planted
        with site.client() as victim:
            for name, value in planted.items():
                victim.cookies.set(name, value, domain="127.0.0.1", path="/desk")
            site.sign_in(victim, "officer")
            assert set(session_cookies(victim).values()).isdisjoint(planted.values())
            assert victim.get("/desk/cases").status_code == 200
        assert attacker.get("/desk/cases").status_code in (302, 303)


def test_signing_out_ends_the_session_on_the_server(site: DeskSite) -> None:
    with site.client() as client:
        site.sign_in(client, "officer")
        stolen = session_cookies(client)
        page = client.get("/desk/cases")
        assert page.status_code == 200
        sign_out = form_with(page.text, "csrf_token", action="/desk/sign-out")
        assert client.post(sign_out.action, data=sign_out.fields).status_code in (302, 303)
    with site.client() as thief:
        thief.cookies.update(stolen)
        assert thief.get("/desk/cases").status_code in (302, 303)


# -- headers on every page -------------------------------------------------------------------------


def every_page(site: DeskSite, client: httpx.Client) -> list[str]:
    """Every desk page an admin reaches by following links from the daily list, at most 60."""
    seen: list[str] = []
    queue = ["/desk/", "/desk/sign-in", "/desk/accessibility"]
    while queue and len(seen) < 60:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.append(path)
        answer = client.get(path, follow_redirects=True)
        if "text/html" not in answer.headers.get("content-type", ""):
            continue
        for link in re.findall(r'href="(/desk/[^"#]*)"', answer.text):
            link = link.replace("&amp;", "&")
            if link not in seen and "/static/" not in link and not link.endswith(".csv"):
                queue.append(link)
    return seen


def test_every_page_forbids_framing_and_inline_script(site: DeskSite) -> None:
    with site.client() as client:
        site.sign_in(client, "admin")
        pages = every_page(site, client)
        assert len(pages) >= 10
        for path in pages:
            answer = client.get(path, follow_redirects=True)
            policy = answer.headers.get("content-security-policy", "")
            assert "frame-ancestors 'none'" in policy, path
            assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
            assert re.search(r"(script-src|default-src) [^;]*'self'", policy), path
            if "x-frame-options" in answer.headers:
                assert answer.headers["x-frame-options"].upper() == "DENY", path
            if "text/html" in answer.headers.get("content-type", ""):
                assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", answer.text), path
                assert not re.search(r"\son[a-z]+\s*=", answer.text), path


#: The only fields a form may send in its address: a case reference, filters, an officer reference.
ADDRESS_FIELDS = {"reference", "show", "procedure", "stage", "service", "owner", "page"}


def test_free_text_is_sent_only_in_a_post_body_never_in_an_address(site: DeskSite) -> None:
    """Whatever a person types that could be about someone (a reason, a name) goes in the body of a
    POST: an address is kept in the browser's history, in proxies' logs and in Referer headers."""
    with site.client() as client:
        site.sign_in(client, "admin")
        pages = every_page(site, client) + [
            f"/desk/cases/{site_case}/record/DeadlineExtended" for site_case in ("EX-0001",)
        ]
        asked = 0
        for path in pages:
            for form in forms(client.get(path, follow_redirects=True).text):
                if form.method == "get":
                    assert set(form.fields) | set(form.choices) <= ADDRESS_FIELDS, (path, form.action)
                else:
                    asked += len(form.free_text)
        assert asked >= 3  # the new-case form's reference and service area, the extension's reason


# -- stored script ---------------------------------------------------------------------------------

NEXT = re.compile(r'href="/desk/cases/[^"/]+/record/([A-Za-z]+)"')


def seed(site: DeskSite, case_id: str, state: str) -> None:
    with cf.open_store(site.url) as store:
        store.append(case_id, case_in(case_id, state))


def hostile_answers(form: Form) -> dict[str, str]:
    """Script in every free-text field (the short form in one-line fields, which take references),
    the first choice of every radio group."""
    answers = {name: choices[0] for name, choices in form.choices.items() if choices}
    for name in form.free_text:
        answers[name] = PAYLOAD if name in form.textareas else REFERENCE_PAYLOAD
    return answers


@pytest.fixture(scope="module")
def scripted(site: DeskSite) -> dict[str, list[str]]:
    """Every event form of every state, sent with script in each free-text field, on a case of its
    own; the events stored, by case."""
    stored: dict[str, list[str]] = {}
    with site.client() as client:
        site.sign_in(client, "officer")
        fill = form_with(client.get("/desk/cases/new").text, "csrf_token", action="/desk/cases/new")
        answer = client.post(
            fill.action,
            data=fill.fields
            | {
                "case_id": REFERENCE_PAYLOAD,
                "kind": "ComplaintReceived",
                "procedure": "children-2006",
                "service_area": PAYLOAD,
            },
        )
        assert answer.status_code == 303, answer.text[-1500:]
        stored[REFERENCE_PAYLOAD] = ["ComplaintReceived"]
        for n, state in enumerate(STATES):
            probe = f"XSS-{n}-probe"
            seed(site, probe, state)
            offered = sorted(set(NEXT.findall(client.get(f"/desk/cases/{probe}").text)))
            assert offered, state
            for event_type in offered:
                case_id = f"XSS-{n}-{event_type}"
                seed(site, case_id, state)
                path = f"/desk/cases/{case_id}/record/{event_type}"
                page = client.get(path)
                if "<form" not in page.text or f"/record/{event_type}" not in page.text:
                    continue  # recorded through the case system: no form
                form = form_with(page.text, "csrf_token", action=f"/record/{event_type}")
                if not form.free_text:
                    continue
                answer = client.post(form.action, data=form.fields | hostile_answers(form))
                assert answer.status_code in (303, 422), (event_type, answer.status_code)
                if answer.status_code == 303:
                    stored[case_id] = [event_type]
    return stored


def test_script_sent_in_every_free_text_field_is_stored_and_shown_escaped_on_every_page(
    site: DeskSite, scripted: dict[str, list[str]]
) -> None:
    # Most free-text forms stored the text as sent (some refuse a reference with these characters).
    assert len(scripted) >= 8, scripted
    with site.client() as client:
        site.sign_in(client, "admin")
        shown = 0
        pages = [f"/desk/cases/{quote(case_id, safe='')}" for case_id in scripted]
        pages += ["/desk/cases?show=all", "/desk/find?reference=" + quote(REFERENCE_PAYLOAD, safe="")]
        pages += [f"/desk/cases?show=all&page={n}" for n in range(2, 4)]
        pages += ["/desk/reports", f"/desk/reports/children-2006/{london_today().year - 1}"]
        pages += [f"/desk/reports/children-2006/{london_today().year}"]
        for path in pages:
            answer = client.get(path, follow_redirects=True)
            assert not RAW.search(answer.text), path
            shown += answer.text.count("&lt;script&gt;") + answer.text.count("&lt;img src=x")
        assert shown >= len(scripted)


@needs_browser
def test_the_stored_script_runs_in_no_browser(site: DeskSite, scripted: dict[str, list[str]]) -> None:
    """Escaped, it is text; and were it not, the Content-Security-Policy would refuse to run it."""
    dialogs: list[str] = []
    pages = [f"/desk/cases/{quote(case_id, safe='')}" for case_id in list(scripted)[:6]]
    pages += ["/desk/cases?show=all"]
    for browser in launch():
        made = context(browser)
        page = made.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        sign_in(page, site.base, ACCOUNTS["admin"], PASSWORD)
        for path in pages:
            page.goto(f"{site.base}{path}")
            assert "alert(" in page.locator("main").inner_text(), path
        made.close()
    assert dialogs == []


# -- the session cookie and the idle timeout, in the desk as shipped (over HTTPS) ---------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def shipped(tmp_path: Path) -> Iterator[tuple[TestClient, Clock]]:
    """The service as `complaintflow serve` makes it, in this process, with the desk's clock in hand."""
    with cf.open_store(f"sqlite:{tmp_path / 'store.db'}") as store:
        add_account(store, ACCOUNTS["officer"], "officer")
        app = create_app(store)
        desk = next(route.app for route in app.routes if isinstance(route, Mount) and route.path == "/desk")
        clock = Clock()
        desk.state.desk_sessions.clock = clock
        with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
            yield client, clock


def sign_in_shipped(client: TestClient) -> httpx.Response:
    page = client.get("/desk/sign-in")
    form = form_with(page.text, "csrf_token", action="/desk/sign-in")
    answer = client.post(form.action, data=form.fields | {"name": ACCOUNTS["officer"], "password": PASSWORD})
    assert answer.status_code == 303
    return answer


def test_the_session_cookie_is_httponly_secure_samesite_strict_and_kept_to_the_desk(
    shipped: tuple[TestClient, Clock],
) -> None:
    client, _ = shipped
    cookie = sign_in_shipped(client).headers["set-cookie"]
    flags = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert "httponly" in flags and "secure" in flags
    assert flags["samesite"].lower() == "samesite=strict"
    assert flags["path"] == "Path=/desk"
    assert "expires" not in flags and "max-age" not in flags  # gone when the browser closes


def test_a_session_left_idle_past_the_timeout_is_over(shipped: tuple[TestClient, Clock]) -> None:
    client, clock = shipped
    sign_in_shipped(client)
    clock.now += IDLE_SECONDS - 1
    assert client.get("/desk/cases").status_code == 200  # used: the idle time starts again
    clock.now += IDLE_SECONDS - 1
    assert client.get("/desk/cases").status_code == 200
    clock.now += IDLE_SECONDS + 1
    answer = client.get("/desk/cases")
    assert answer.status_code == 303 and answer.headers["location"].endswith("/desk/sign-in")
    clock.now -= 10 * IDLE_SECONDS  # the session was ended, not only hidden: going back does not revive it
    assert client.get("/desk/cases").status_code == 303
