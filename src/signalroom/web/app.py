"""The web application: ``create_app(deps)`` builds the FastAPI app the composition root serves.

Wires the routers (health, topics, posts and their sentiment corrections, rollups, query
check/preview, live WebSocket, pages), the static files and the one error shape. Must not
pick backends: everything concrete arrives in :class:`WebDeps`.
"""

from __future__ import annotations

from fastapi import FastAPI

from signalroom import __version__
from signalroom.web import (
    alerts,
    corrections,
    health,
    live,
    moderation,
    pages,
    posts,
    query_check,
    rollups,
    sources,
    topics,
)
from signalroom.web.deps import WebDeps
from signalroom.web.errors import install_error_handlers
from signalroom.web.ingest import ingest_router

__all__ = ["WebDeps", "create_app"]


def create_app(deps: WebDeps) -> FastAPI:
    app = FastAPI(
        title="Signalroom",
        version=__version__,
        summary="Social media command center: topics, posts, rollups and live events.",
        # Swagger UI would load its assets from a CDN; screens and consoles fetch nothing
        # from the internet, so only the machine-readable schema is served.
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    install_error_handlers(app)
    # Routes are added to the app itself, not through included routers, so that
    # ``app.routes`` lists every endpoint (the docs test walks it).
    health.add_routes(app, deps)
    topics.add_routes(app, deps)
    posts.add_routes(app, deps)
    corrections.add_routes(app, deps)
    moderation.add_routes(app, deps)
    rollups.add_routes(app, deps)
    sources.add_routes(app, deps)
    query_check.add_routes(app, deps)
    live.add_routes(app, deps)
    alerts.add_routes(app, deps)
    if deps.ingest is not None:
        app.include_router(ingest_router(deps.ingest, deps.webhooks, deps.secrets, deps.clock))
    pages.add_routes(app)
    return app
