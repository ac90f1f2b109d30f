"""The explorer (/explorer/) and GraphiQL's assets: static files bundled from `web/` (npm packages) into
`web/dist` by `make web`; nothing is loaded from a CDN at run time."""

from __future__ import annotations

import os
from pathlib import Path

from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

ROOT = Path(__file__).resolve().parent.parent


def dist() -> Path:
    return Path(os.environ.get("CRM_WEB_DIST") or ROOT / "web" / "dist")


def graphiql_html() -> str | None:
    """GraphiQL's page from the local build, or None when the front end is not built."""
    page = dist() / "graphiql.html"
    return page.read_text(encoding="utf-8") if page.is_file() else None


class WebFiles:
    """Serves web/dist; answers 503 with a hint while it is not built (the API works without it)."""

    def __init__(self) -> None:
        self.directory = dist()
        self.files = StaticFiles(directory=self.directory, html=True, check_dir=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (self.directory / "index.html").is_file():
            response: Response = PlainTextResponse("the explorer is not built: run `make web`", status_code=503)
            await response(scope, receive, send)
            return
        # Chunks carry a content hash in their name: kept for a year. Pages and entry bundles are revalidated
        # (ETag), so an upgrade is seen at once and an unchanged file costs a 304.
        immutable = str(scope.get("path", "")).startswith("/explorer/chunks/")
        cache = b"public, max-age=31536000, immutable" if immutable else b"no-cache"

        async def send_cached(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"cache-control", cache))
            await send(message)

        await self.files(scope, receive, send_cached)


async def _to_explorer(_: object) -> Response:
    return RedirectResponse("/explorer/", status_code=308)


def routes() -> list[BaseRoute]:
    return [Route("/explorer", _to_explorer, methods=["GET", "HEAD"]), Mount("/explorer", app=WebFiles())]
