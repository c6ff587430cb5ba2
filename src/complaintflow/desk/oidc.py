"""Signing in to the desk through the council's own identity provider (OpenID Connect; most councils
use Microsoft Entra ID), with Authlib.

The authorization code flow with PKCE (S256): Authlib makes the state, the nonce and the code
verifier, checks the state and the nonce on the way back, and checks the id_token's signature
against the provider's published keys (JWKS), its issuer and its audience (our client id). The
person must then have an account here, added by an admin with `users add NAME --oidc`, found by a
claim of the token (by default `preferred_username`, else `email`), and not disabled; the desk's
own `sign_in` then starts their session.

What Authlib keeps between the redirect and the callback (state, nonce, code verifier) travels in a
cookie of its own, signed with a key derived from the client secret, so that any process serving
the desk can finish a flow another began, and valid for `FLOW_SECONDS` only. It is SameSite=Lax,
not Strict: the callback is a navigation from the provider's site, which a Strict cookie never
reaches. For the same reason the callback answers with a page that moves on to the desk itself,
rather than a redirect, so that the desk's Strict session cookie is sent with the next request.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from complaintflow.errors import ComplaintflowError
from complaintflow.extras import require_extra
from complaintflow.store.base import EventStore
from complaintflow.store.users import User, get_user

SECRET_VARIABLE = "COMPLAINTFLOW_OIDC_CLIENT_SECRET"
SCOPES = "openid profile email"
#: The claims an account is looked up by, in turn, unless `serve --oidc-claim` names one.
DEFAULT_CLAIMS = ("preferred_username", "email")
COOKIE = "complaintflow_oidc"
#: How long a person may take at the provider between leaving the desk and coming back, in seconds.
FLOW_SECONDS = 600
_PROVIDER = "council"
_CALLBACK = "oidc_callback"

log = logging.getLogger("complaintflow.desk")


class OidcError(ComplaintflowError):
    """Signing in through an identity provider that is not set up as it must be."""


@dataclass(frozen=True)
class OidcSettings:
    """The provider the desk trusts, and this desk's registration with it."""

    issuer: str
    client_id: str
    client_secret: str
    claims: tuple[str, ...] = DEFAULT_CLAIMS
    #: The callback's address as registered with the provider, where the desk cannot tell it from
    #: the request (behind a proxy that does not pass on the scheme and host).
    redirect_uri: str | None = None
    #: Secure cookies; off only for plain-http use on one's own machine.
    secure: bool = True

    def __post_init__(self) -> None:
        if not self.issuer.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise OidcError("--oidc-issuer is the provider's https:// address")
        if not self.client_id or len(self.client_id) > 200:
            raise OidcError("--oidc-client-id is the desk's application (client) id at the provider")
        if not self.client_secret:
            raise OidcError(f"signing in through a provider needs its client secret in {SECRET_VARIABLE}")

    @classmethod
    def from_environment(cls, issuer: str, client_id: str, **options: Any) -> OidcSettings:
        """Settings with the client secret read from COMPLAINTFLOW_OIDC_CLIENT_SECRET, never argv."""
        return cls(issuer.rstrip("/"), client_id, os.environ.get(SECRET_VARIABLE, ""), **options)

    def cookie_key(self) -> bytes:
        """The key that signs the flow's cookie: derived from the client secret, which every process
        serving the desk has, and used for nothing else."""
        return hmac.new(
            self.client_secret.encode(), b"complaintflow oidc flow cookie", hashlib.sha256
        ).digest()


SignIn = Callable[[Request, Response, User], None]
Refusal = Callable[[Request, str], Response]


def plain_refusal(request: Request, message: str) -> Response:
    """A page that says why signing in did not work, for a desk that has no page of its own for it."""
    body = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign-in refused</title></head>'
        f"<body><main><h1>You cannot sign in</h1><p>{html.escape(message)}</p>"
        '<p><a href="../sign-in">Back to signing in</a></p></main></body></html>'
    )
    return HTMLResponse(body, status_code=403)


def _moving_on(to: str) -> HTMLResponse:
    """A page that takes the browser on to the desk as a navigation from the desk's own site."""
    to = html.escape(to)
    return HTMLResponse(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0;url={to}"><title>Signed in</title></head>'
        f'<body><main><p>You are signed in. <a href="{to}">Continue to the complaints desk</a></p></main>'
        "</body></html>"
    )


def oidc_router(
    settings: OidcSettings,
    store: Callable[[Request], EventStore],
    sign_in: SignIn,
    refused: Refusal = plain_refusal,
) -> APIRouter:
    """The routes GET /sign-in/oidc and GET /sign-in/oidc/callback, for the desk to include.

    `store` finds the store of a request; `sign_in` starts the person's session on the response;
    `refused` makes the page that says why someone cannot sign in.
    """
    require_extra("service", "authlib", "itsdangerous", needed_by="signing in through an identity provider")
    import httpx
    from authlib.common.errors import AuthlibBaseError
    from authlib.integrations.starlette_client import OAuth
    from itsdangerous import BadSignature, URLSafeTimedSerializer
    from joserfc.errors import JoseError

    oauth = OAuth()
    provider = oauth.register(
        _PROVIDER,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        server_metadata_url=f"{settings.issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPES, "code_challenge_method": "S256", "timeout": 10},
    )
    flows = URLSafeTimedSerializer(settings.cookie_key(), salt=COOKIE)
    # Authlib checks the audience only when told to: the token must be for this desk, from this issuer.
    checked_claims = {
        "iss": {"essential": True, "values": [settings.issuer]},
        "aud": {"essential": True, "values": [settings.client_id]},
    }
    router = APIRouter()

    def restore(request: Request) -> None:
        """Give Authlib the flow kept in the cookie, as the session it reads and writes."""
        try:
            kept = flows.loads(request.cookies.get(COOKIE, ""), max_age=FLOW_SECONDS)
        except BadSignature:
            kept = {}
        request.scope["session"] = kept if isinstance(kept, dict) else {}

    def keep(request: Request, response: Response) -> None:
        response.set_cookie(
            COOKIE,
            flows.dumps(request.scope["session"]),
            max_age=FLOW_SECONDS,
            path=request.scope.get("root_path", "") + "/sign-in/oidc",
            httponly=True,
            secure=settings.secure,
            samesite="lax",
        )

    @router.get("/sign-in/oidc", name="oidc_sign_in", include_in_schema=False)
    async def start(request: Request) -> Response:
        restore(request)
        callback = settings.redirect_uri or str(request.url_for(_CALLBACK))
        try:
            response: Response = await provider.authorize_redirect(request, callback)
        except (AuthlibBaseError, JoseError, httpx.HTTPError, ValueError) as error:
            log.warning("desk: the identity provider could not be reached (%s)", type(error).__name__)
            page = refused(request, "Your council's sign-in service cannot be reached. Try again later.")
            page.status_code = 503
            return page
        keep(request, response)
        return response

    @router.get("/sign-in/oidc/callback", name=_CALLBACK, include_in_schema=False)
    async def finish(request: Request) -> Response:
        restore(request)
        try:
            token = await provider.authorize_access_token(request, claims_options=checked_claims)
        except (AuthlibBaseError, JoseError, httpx.HTTPError, ValueError) as error:
            log.warning("desk: a sign-in through the identity provider failed (%s)", type(error).__name__)
            return _forgetting(
                request,
                refused(request, "Signing in through your council account did not work. Try again."),
            )
        user = _account(store(request), settings.claims, token.get("userinfo") or {})
        if user is None:
            log.info("desk: someone the identity provider vouched for has no enabled desk account")
            return _forgetting(
                request,
                refused(
                    request,
                    "There is no complaints desk account for your council account, or it is disabled. "
                    "Ask an administrator of the desk to add or enable it.",
                ),
            )
        response = _moving_on(request.scope.get("root_path", "") + "/")
        sign_in(request, response, user)
        return _forgetting(request, response)

    return router


def _forgetting(request: Request, response: Response) -> Response:
    """The response, with the flow's cookie removed: a code and its state are used once."""
    response.delete_cookie(COOKIE, path=request.scope.get("root_path", "") + "/sign-in/oidc")
    return response


def _account(store: EventStore, claims: tuple[str, ...], userinfo: dict[str, Any]) -> User | None:
    """The local account the token's claims name: one added to sign in through the provider, and
    not disabled."""
    for claim in claims:
        value = userinfo.get(claim)
        user = get_user(store, value) if isinstance(value, str) and value else None
        if user is not None and user.sign_in == "oidc":
            return None if user.disabled else user
    return None
