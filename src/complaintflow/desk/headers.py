"""The headers every desk response carries: a Content-Security-Policy that allows no inline script
or style and no framing, and the headers that keep a page's address and type to itself.

Pages are never cached (they show personal data); GOV.UK Frontend's files under /desk/assets/ are
cached for a year, their links carrying the version that changes when they do.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
ASSETS_CACHE = "public, max-age=31536000, immutable"
PAGES_CACHE = "no-store"


class SecurityHeaders:
    """Adds `HEADERS` and a Cache-Control to every response of the app it wraps."""

    def __init__(self, app: ASGIApp, assets_prefix: str = "/assets/") -> None:
        self.app = app
        self.assets_prefix = assets_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        root = scope.get("root_path", "")
        asset = path.removeprefix(root).startswith(self.assets_prefix)

        async def adding(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
                asset_found = asset and message["status"] in (200, 304)
                headers["Cache-Control"] = ASSETS_CACHE if asset_found else PAGES_CACHE
            await send(message)

        await self.app(scope, receive, adding)
