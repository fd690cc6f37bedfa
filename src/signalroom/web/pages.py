"""The HTML pages (the console at ``/``, ``/moderation``, ``/alerts``, wall screens at
``/screen/{name}``) and the static files they load (``/static``: CSS, JavaScript modules,
the vendored ECharts).

Pages are plain HTML templates whose ``{{placeholders}}`` are filled here, always
HTML-escaped. The browser code does the rest through the API and the live WebSocket.
Must not embed data: a page shows only what it fetches, so a reload and a reconnect look
the same.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from signalroom import __version__

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATES_DIR = WEB_DIR / "templates"
MAX_SCREEN_NAME_CHARS = 80

# Post text is untrusted: beyond rendering it as text, forbid any script or connection the
# page did not come with. ECharts sets element styles, hence 'unsafe-inline' for styles only.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class RevalidatedStaticFiles(StaticFiles):
    """Static files the browser must revalidate (cheap, by ETag) so an upgrade is seen at
    once by screens that never reload by hand."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def screen_title(name: str) -> str:
    """``exec-floor`` → ``Exec Floor``: the URL's name, as a person would write it."""
    words = name.replace("-", " ").replace("_", " ").split()
    return " ".join(word[:1].upper() + word[1:] for word in words) or name


_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def render(template: str, values: dict[str, str]) -> str:
    """Fill ``{{key}}`` placeholders in one pass (a value is never re-read as a template)."""
    return _PLACEHOLDER.sub(lambda m: html.escape(values[m.group(1)], quote=True), template)


def add_routes(app: FastAPI) -> None:
    console = (TEMPLATES_DIR / "console.html").read_text(encoding="utf-8")
    screen = (TEMPLATES_DIR / "screen.html").read_text(encoding="utf-8")
    moderation = (TEMPLATES_DIR / "moderation.html").read_text(encoding="utf-8")
    alerts = (TEMPLATES_DIR / "alerts.html").read_text(encoding="utf-8")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def console_page() -> HTMLResponse:
        page = render(console, {"version": __version__})
        return HTMLResponse(page, headers=PAGE_HEADERS)

    @app.get("/moderation", response_class=HTMLResponse, include_in_schema=False)
    async def moderation_page() -> HTMLResponse:
        page = render(moderation, {"version": __version__})
        return HTMLResponse(page, headers=PAGE_HEADERS)

    @app.get("/alerts", response_class=HTMLResponse, include_in_schema=False)
    async def alerts_page() -> HTMLResponse:
        page = render(alerts, {"version": __version__})
        return HTMLResponse(page, headers=PAGE_HEADERS)

    @app.get("/screen/{name}", response_class=HTMLResponse, include_in_schema=False)
    async def screen_page(name: str) -> HTMLResponse:
        name = name.strip()[:MAX_SCREEN_NAME_CHARS]
        page = render(screen, {"name": name, "title": screen_title(name), "version": __version__})
        return HTMLResponse(page, headers=PAGE_HEADERS)

    app.mount("/static", RevalidatedStaticFiles(directory=STATIC_DIR), name="static")
