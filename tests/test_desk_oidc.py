"""Signing in to the desk through an identity provider: the whole flow, over real sockets, against a
stand-in provider (tests/oidc_provider.py), driven by an HTTP client that follows the redirects."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_runner import run
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient
from joserfc.jwk import RSAKey
from live_server import free_port
from oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, provider, serving

import complaintflow as cf
from complaintflow.cli import build_parser
from complaintflow.cli.serve import oidc_settings
from complaintflow.desk.oidc import COOKIE, SECRET_VARIABLE, OidcError, OidcSettings, SignIn, oidc_router
from complaintflow.store import EventStore
from complaintflow.store.users import User, add_user, disable_user


@dataclass
class Desk:
    """A desk with only the sign-in routes, its provider, and who it signed in."""

    base: str
    provider: Provider
    store: EventStore
    signed_in: list[User] = field(default_factory=list)

    def browser(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base,
            follow_redirects=True,
            timeout=20,
        )

    def sign_in(self, browser: httpx.Client | None = None) -> httpx.Response:
        with browser or self.browser() as client:
            return client.get("/desk/sign-in/oidc")


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    store = cf.open_store(f"sqlite:{tmp_path / 'store.db'}")
    port = free_port()
    with provider() as standing_in:
        desk = Desk(f"http://127.0.0.1:{port}", standing_in, store)

        def sign_in(request: Request, response: Response, user: User) -> None:
            desk.signed_in.append(user)
            response.set_cookie("desk_session", "new", httponly=True, samesite="strict")

        # Plain http here (an HTTP client sends no Secure cookie over it); see the test of the
        # flow cookie's attributes for the Secure one.
        settings = OidcSettings(standing_in.base, CLIENT_ID, CLIENT_SECRET, secure=False)
        with serving(desk_app(settings, store, sign_in), port):
            yield desk
    store.close()


def desk_app(settings: OidcSettings, store: EventStore, sign_in: SignIn) -> FastAPI:
    """The sign-in routes in a desk mounted at /desk, as the service mounts it."""
    pages = FastAPI()
    pages.include_router(oidc_router(settings, lambda request: store, sign_in))
    app = FastAPI()
    app.mount("/desk", pages)
    return app


def test_a_person_with_an_account_signs_in_and_lands_on_the_desk(desk: Desk) -> None:
    add_user(desk.store, "Jo@Council.example", "officer", sign_in="oidc")
    with desk.browser() as browser:
        started = browser.get("/desk/sign-in/oidc", follow_redirects=False)
        assert started.status_code == 302 and started.headers["location"].startswith(desk.provider.base)
        landed = browser.get(started.headers["location"])
    assert landed.status_code == 200 and landed.url.path == "/desk/sign-in/oidc/callback"
    assert 'http-equiv="refresh" content="0;url=/desk/"' in landed.text
    assert [user.name for user in desk.signed_in] == ["jo@council.example"]
    assert any("desk_session=new" in cookie for cookie in landed.headers.get_list("set-cookie"))
    assert any(f'{COOKIE}=""' in cookie for cookie in landed.headers.get_list("set-cookie"))
    asked = desk.provider.token_requests[0]
    assert asked["grant_type"] == "authorization_code" and len(asked["code_verifier"]) >= 43


def test_the_email_claim_finds_the_account_where_the_user_name_does_not(desk: Desk) -> None:
    desk.provider.person = {"preferred_username": "JBloggs", "email": "jo@council.example"}
    add_user(desk.store, "jo@council.example", "manager", sign_in="oidc")
    assert desk.sign_in().status_code == 200
    assert [user.role for user in desk.signed_in] == ["manager"]


def test_the_flow_cookie_is_secure_http_only_lax_and_kept_to_the_sign_in_path(desk: Desk) -> None:
    settings = OidcSettings(desk.provider.base, CLIENT_ID, CLIENT_SECRET)
    with TestClient(desk_app(settings, desk.store, lambda request, response, user: None)) as client:
        started = client.get("/desk/sign-in/oidc", follow_redirects=False)
    flow = started.headers["set-cookie"]
    assert started.status_code == 302 and flow.startswith(f"{COOKIE}=")
    assert all(part in flow for part in ("HttpOnly", "Secure", "SameSite=lax", "Path=/desk/sign-in/oidc"))
    assert "Max-Age=600" in flow


@pytest.mark.parametrize(
    ("account", "why"),
    [
        (None, "no account"),
        ("password", "an account that signs in with a password here"),
        ("disabled", "a disabled account"),
    ],
)
def test_a_person_without_an_enabled_provider_account_is_refused_with_a_page_that_says_so(
    desk: Desk, account: str | None, why: str
) -> None:
    if account == "password":
        add_user(desk.store, "jo@council.example", "admin", "correct horse battery staple")
    elif account == "disabled":
        add_user(desk.store, "jo@council.example", "officer", sign_in="oidc")
        disable_user(desk.store, "jo@council.example")
    refused = desk.sign_in()
    assert refused.status_code == 403, why
    assert "There is no complaints desk account for your council account, or it is disabled" in refused.text
    assert desk.signed_in == []


@pytest.mark.parametrize(
    ("mischief", "caught"),
    [
        ({"overrides": {"nonce": "replayed-nonce"}}, "InvalidClaimError"),
        ({"state": "someone-elses-state"}, "MismatchingStateError"),
        ({"forger": RSAKey.generate_key(2048, parameters={"kid": "k1"})}, "BadSignatureError"),
        ({"overrides": {"iss": "http://127.0.0.1:1"}}, "InvalidClaimError"),
        ({"overrides": {"aud": "another-application", "azp": CLIENT_ID}}, "InvalidClaimError"),
        ({"overrides": {"exp": 1_000_000_000, "iat": 999_999_000}}, "ExpiredTokenError"),
    ],
    ids=["wrong nonce", "wrong state", "signed by another key", "wrong issuer", "wrong audience", "expired"],
)
def test_a_token_or_answer_that_does_not_check_out_signs_nobody_in(
    desk: Desk, mischief: dict[str, Any], caught: str, caplog: pytest.LogCaptureFixture
) -> None:
    add_user(desk.store, "jo@council.example", "admin", sign_in="oidc")
    for name, value in mischief.items():
        setattr(desk.provider, name, value)
    refused = desk.sign_in()
    assert refused.status_code == 403
    assert "Signing in through your council account did not work" in refused.text
    assert desk.signed_in == []
    assert f"({caught})" in caplog.text and "jo@council.example" not in caplog.text


def test_a_callback_without_the_flow_cookie_signs_nobody_in(desk: Desk) -> None:
    add_user(desk.store, "jo@council.example", "officer", sign_in="oidc")
    with desk.browser() as browser:
        started = browser.get("/desk/sign-in/oidc", follow_redirects=False)
        at_provider = browser.get(started.headers["location"], follow_redirects=False)
    with desk.browser() as stranger:  # a code sent to another browser, as in a login CSRF
        refused = stranger.get(at_provider.headers["location"])
    assert refused.status_code == 403 and desk.signed_in == []


def test_a_provider_that_cannot_be_reached_is_said_so_on_a_page(desk: Desk) -> None:
    settings = OidcSettings(f"http://127.0.0.1:{free_port()}", CLIENT_ID, CLIENT_SECRET, secure=False)
    with TestClient(desk_app(settings, desk.store, lambda request, response, user: None)) as client:
        refused = client.get("/desk/sign-in/oidc", follow_redirects=False)
    assert refused.status_code == 503 and "cannot be reached" in refused.text
    assert "set-cookie" not in refused.headers


def test_the_client_secret_comes_from_the_environment_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_VARIABLE, raising=False)
    with pytest.raises(OidcError, match=SECRET_VARIABLE):
        OidcSettings.from_environment("https://login.example/tenant/v2.0", CLIENT_ID)
    monkeypatch.setenv(SECRET_VARIABLE, "s3cret")
    settings = OidcSettings.from_environment("https://login.example/tenant/v2.0/", CLIENT_ID)
    assert settings.client_secret == "s3cret" and settings.issuer == "https://login.example/tenant/v2.0"
    with pytest.raises(OidcError, match="https://"):
        OidcSettings.from_environment("http://login.example/tenant", CLIENT_ID)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--oidc-issuer", "https://login.example/tenant/v2.0"],
            "give both --oidc-issuer and --oidc-client-id",
        ),
        (["--oidc-client-id", CLIENT_ID], "give both --oidc-issuer and --oidc-client-id"),
        (["--oidc-claim", "upn"], "need --oidc-issuer"),
        (
            ["--oidc-issuer", "https://login.example/tenant/v2.0", "--oidc-client-id", CLIENT_ID],
            SECRET_VARIABLE,
        ),
    ],
)
def test_serve_refuses_a_provider_half_given_in_one_line_before_serving(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    options: list[str],
    message: str,
) -> None:
    monkeypatch.delenv(SECRET_VARIABLE, raising=False)
    status, _, err = run(capsys, "serve", "--store", f"sqlite:{tmp_path / 'store.db'}", *options)
    assert status == 2 and message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "store.db").exists()


def test_serve_reads_the_provider_from_its_options_and_the_secret_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SECRET_VARIABLE, CLIENT_SECRET)
    words = ["serve", "--oidc-issuer", "https://login.example/t/v2.0/", "--oidc-client-id", CLIENT_ID]
    settings = oidc_settings(build_parser().parse_args([*words, "--oidc-claim", "upn"]))
    assert settings == OidcSettings("https://login.example/t/v2.0", CLIENT_ID, CLIENT_SECRET, claims=("upn",))
    assert oidc_settings(build_parser().parse_args(["serve"])) is None
