"""The interactive API page, `/docs`, drawn by Swagger UI from files shipped in the package
(`swagger-ui/`), never from a CDN, so that it works on a council network without internet access.

The page and `/openapi.json` describe the API and hold no data, so they need no token. ReDoc,
which would need a second bundle of its own, is not served.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

#: The files the page loads, by the name it loads them under, with their media types. Only these
#: are served: a request names one of them, never a path.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}


def add_api_docs(app: FastAPI) -> None:
    """Serve `/docs` and the files it loads from the package."""
    shipped = resources.files("complaintflow.service") / "swagger-ui"
    contents = {name: (shipped / name).read_bytes() for name in ASSETS}

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title}: API",
            swagger_js_url="/docs/swagger-ui-bundle.js",
            swagger_css_url="/docs/swagger-ui.css",
            swagger_favicon_url="/docs/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from elsewhere
        )

    for name, media_type in ASSETS.items():
        app.add_api_route(
            f"/docs/{name}",
            _asset(contents[name], media_type),
            methods=["GET"],
            include_in_schema=False,
        )


def _asset(content: bytes, media_type: str) -> Callable[[], Awaitable[Response]]:
    async def asset() -> Response:
        return Response(content, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"})

    return asset
