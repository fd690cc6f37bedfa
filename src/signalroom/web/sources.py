"""``GET /api/sources``: how each configured source is doing, for the console and screens.

A quiet chart must never be mistaken for no chatter: every source says whether it is
connected, rate-limited, refused, failing or stale, since when, its last item, its rate
over the last minute and its recent errors. Reads the health records the composition root
hands in; must not touch a connector.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from signalroom.clock import to_iso
from signalroom.sources.health import HealthSnapshot
from signalroom.web.deps import WebDeps


def snapshot_json(health: HealthSnapshot) -> dict[str, Any]:
    return {
        "name": health.name,
        "kind": health.kind,
        "status": health.status,
        "detail": health.detail,
        "since": to_iso(health.since),
        "last_item_at": None if health.last_item_at is None else to_iso(health.last_item_at),
        "items_per_minute": round(health.items_per_minute, 2),
        "items_total": health.items_total,
        "errors_total": health.errors_total,
        "recent_errors": [
            {"at": to_iso(note.at), "detail": note.detail} for note in health.recent_errors
        ],
        "rate_limited_until": None
        if health.rate_limited_until is None
        else to_iso(health.rate_limited_until),
    }


def add_routes(app: FastAPI, deps: WebDeps) -> None:
    @app.get("/api/sources", tags=["sources"])
    async def list_sources() -> dict[str, Any]:
        return {"items": [snapshot_json(health) for health in deps.sources()]}
