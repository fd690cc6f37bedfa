"""``/api/sources``: how each source is doing, and sources added or changed at run time.

A quiet chart must never be mistaken for no chatter: every source says whether it is
connected, rate-limited, refused, failing or stale, since when, its last item, its rate
over the last minute and its recent errors (the health records the composition root hands
in). With a :class:`~signalroom.pipeline.roster.SourceRoster`, sources can also be added,
changed, removed and tried from the console: a body is one ``[[sources]]`` table as JSON,
checked like the configuration file's (secrets only as ``env:``/``file:`` references).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from fastapi import Body, FastAPI, Response

from signalroom.clock import to_iso
from signalroom.pipeline.roster import RosterEntry, SourceRoster
from signalroom.sources.health import HealthSnapshot
from signalroom.sources.registry import CONNECTORS
from signalroom.sources.settings_doc import COMMON, describe
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


Table = Annotated[dict[str, Any], Body()]
"""One ``[[sources]]`` table, as a JSON object."""


def entry_json(entry: RosterEntry) -> dict[str, Any]:
    """A source as the console lists it: its health when it runs, else why not."""
    if entry.health is not None:
        item = snapshot_json(entry.health.snapshot())
    else:
        status = "invalid" if entry.problem else "off" if not entry.enabled else "ingest"
        item = {"name": entry.name, "kind": entry.kind, "status": status, "detail": entry.problem}
    item["origin"] = entry.origin
    item["enabled"] = entry.enabled
    if entry.origin == "console":
        item["table"] = dict(entry.table or {})
        item["updated_at"] = None if entry.updated_at is None else to_iso(entry.updated_at)
    return item


def add_routes(app: FastAPI, deps: WebDeps) -> None:
    roster = deps.roster

    @app.get("/api/sources/kinds", tags=["sources"])
    async def source_kinds() -> dict[str, Any]:
        """Every kind of source, with what its table takes (for the console's editor)."""
        return {
            "common": msgspec.to_builtins(COMMON),
            "items": [
                {
                    "kind": kind,
                    "summary": connector.summary,
                    "settings": msgspec.to_builtins(describe(connector.settings)),
                }
                for kind, connector in CONNECTORS.items()
            ],
        }

    @app.get("/api/sources", tags=["sources"])
    async def list_sources() -> dict[str, Any]:
        if roster is None:
            return {
                "items": [snapshot_json(health) for health in deps.sources()],
                "editable": False,
            }
        return {"items": [entry_json(entry) for entry in roster.entries()], "editable": True}

    if roster is not None:
        _add_changes(app, roster)


def _add_changes(app: FastAPI, roster: SourceRoster) -> None:
    @app.post("/api/sources/check", tags=["sources"])
    async def check_source(table: Table) -> dict[str, Any]:
        verdict = await roster.check(table)
        return {"ok": verdict.ok, "detail": verdict.detail}

    @app.post("/api/sources", status_code=201, tags=["sources"])
    async def add_source(table: Table) -> dict[str, Any]:
        return entry_json(await roster.add(table))

    @app.put("/api/sources/{name}", tags=["sources"])
    async def replace_source(name: str, table: Table) -> dict[str, Any]:
        return entry_json(await roster.replace(name, table))

    @app.delete("/api/sources/{name}", status_code=204, tags=["sources"])
    async def remove_source(name: str) -> Response:
        await roster.remove(name)
        return Response(status_code=204)
