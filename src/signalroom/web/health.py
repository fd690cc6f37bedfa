"""``GET /api/health``: is the node up, what does the store hold, how are the pipeline and
the alert engine doing.

The pipeline part is whatever the composition root's ``health()`` reports; this module only
adds the store's counts. Must not do anything slow: load balancers poll it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from signalroom import __version__
from signalroom.clock import to_iso
from signalroom.web.deps import WebDeps


def add_routes(app: FastAPI, deps: WebDeps) -> None:

    @app.get("/api/health", tags=["health"])
    async def health() -> dict[str, Any]:
        stats = await run_in_threadpool(deps.store.stats)
        return {
            "status": "ok",
            "version": __version__,
            "server_time": to_iso(deps.clock.now()),
            "store": {
                "posts": stats.posts,
                "rejects": stats.rejects,
                "topics": stats.topics,
                "newest_post_at": to_iso(stats.newest_post_at)
                if stats.newest_post_at is not None
                else None,
            },
            # Called on the event loop: the pipeline's counters live there.
            "pipeline": deps.health(),
            "alerting": _alerting(deps),
        }


def _alerting(deps: WebDeps) -> Mapping[str, object] | None:
    """None when alerting is switched off; else the engine's state: ``warming_up`` while
    it replays history after a start (detection waits, nothing is lost), then ``running``."""
    if deps.alerting is None:
        return None
    if deps.alerting.status is None:
        return {"state": "running"}
    return deps.alerting.status()
