"""A stand-in for a council's identity provider (as Microsoft Entra ID answers an OpenID Connect
client), on 127.0.0.1 at a free port: it approves whoever it is told to, at once, and can be told to
misbehave the ways a provider or an attacker in between might."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from live_server import free_port
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CLIENT_ID = "desk-client-id"
CLIENT_SECRET = "desk-client-secret-for-tests"


@dataclass
class Provider:
    """What the provider will do: whom it approves, and any mischief."""

    base: str
    #: The claims of the person who approves the sign-in.
    person: dict[str, Any] = field(default_factory=lambda: {"preferred_username": "jo@council.example"})
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    #: Signs id_tokens instead of `key`, keeping its key id (a forged token).
    forger: RSAKey | None = None
    #: Claims put in every id_token over the right ones (a wrong nonce, issuer or audience).
    overrides: dict[str, Any] = field(default_factory=dict)
    #: The state sent back to the desk instead of the one it sent.
    state: str | None = None
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: What each token request sent, for the tests to read.
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.configuration),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/jwks", self.jwks),
            ]
        )

    async def configuration(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.base,
                "authorization_endpoint": f"{self.base}/authorize",
                "token_endpoint": f"{self.base}/token",
                "jwks_uri": f"{self.base}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "scopes_supported": ["openid", "profile", "email"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            }
        )

    async def authorize(self, request: Request) -> Response:
        asked = request.query_params
        if asked.get("client_id") != CLIENT_ID or asked.get("response_type") != "code":
            return JSONResponse({"error": "unauthorized_client"}, status_code=400)
        if asked.get("code_challenge_method") != "S256" or not asked.get("code_challenge"):
            return JSONResponse({"error": "invalid_request", "error_description": "PKCE required"}, 400)
        if set(asked.get("scope", "").split()) != {"openid", "profile", "email"}:
            return JSONResponse({"error": "invalid_scope"}, status_code=400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = dict(asked)
        back = {"code": code, "state": self.state or asked.get("state", "")}
        return RedirectResponse(f"{asked['redirect_uri']}?{urlencode(back)}", status_code=302)

    async def token(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode()))
        self.token_requests.append(form)
        if request.headers.get("authorization") != "Basic " + base64.b64encode(
            f"{CLIENT_ID}:{CLIENT_SECRET}".encode()
        ).decode() and (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        asked = self.codes.pop(form.get("code", ""), None)
        if asked is None or form.get("redirect_uri") != asked["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
        if challenge.decode() != asked["code_challenge"]:
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE"}, status_code=400)
        now = int(time.time())
        claims = {
            "iss": self.base,
            "aud": CLIENT_ID,
            "sub": "subject-1",
            "iat": now,
            "exp": now + 300,
            "nonce": asked.get("nonce"),
            **self.person,
            **self.overrides,
        }
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.forger or self.key)
        access_token = secrets.token_urlsafe(16)
        return JSONResponse({"access_token": access_token, "token_type": "Bearer", "id_token": id_token})

    async def jwks(self, request: Request) -> Response:
        return JSONResponse(KeySet([self.key]).as_dict(private=False))


@contextmanager
def serving(app: Any, port: int) -> Iterator[None]:
    """An ASGI app served by uvicorn on 127.0.0.1:port in a thread, until the block ends."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def provider() -> Iterator[Provider]:
    """The stand-in provider, running."""
    port = free_port()
    standing_in = Provider(f"http://127.0.0.1:{port}")
    with serving(standing_in.app(), port):
        yield standing_in
