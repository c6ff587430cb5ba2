"""The desk's defences, tried against a real server as an attacker would: forged and replayed forms,
fixed and stolen sessions, framing, script in every free-text field, and personal data looked for
in URLs and in the server's log."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from desk_site import ACCOUNTS, DeskSite, form_with

import complaintflow as cf

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
