"""WebSocket ``/api/live``: the live events of ``signalroom.wire``, one JSON text frame each.

On connect the client gets ``hello``; then every event published on ``LIVE_CHANNEL`` after it
subscribed, through a bounded backlog. A client that falls behind gets ``gap`` (and should
refetch its snapshot). When the client goes away, the subscription and both tasks end: a
connection must never leave a task or a subscriber behind. Must not build events itself
beyond hello and gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import FastAPI, WebSocket
from starlette.websockets import WebSocketDisconnect

from signalroom.bus.base import LIVE_CHANNEL, Gap, Subscription
from signalroom.web.deps import WebDeps
from signalroom.wire import gap_event, hello_event

log = logging.getLogger(__name__)


def add_routes(app: FastAPI, deps: WebDeps) -> None:
    @app.websocket("/api/live")
    async def live(websocket: WebSocket) -> None:
        await websocket.accept()
        # Subscribe before hello: a client that refetches its snapshot on hello then misses
        # nothing published in between.
        subscription = await deps.broadcaster.subscribe(LIVE_CHANNEL, deps.live_backlog)
        try:
            await websocket.send_text(hello_event(deps.clock.now()).decode())
            await _pump_until_closed(websocket, subscription)
        except (WebSocketDisconnect, OSError):
            pass
        finally:
            await subscription.close()


async def _pump_until_closed(websocket: WebSocket, subscription: Subscription) -> None:
    forward = asyncio.create_task(_forward(websocket, subscription), name="live-forward")
    watch = asyncio.create_task(_watch_client(websocket), name="live-watch")
    try:
        await asyncio.wait({forward, watch}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (forward, watch):
            task.cancel()
        for result in await asyncio.gather(forward, watch, return_exceptions=True):
            # A cancelled task yields CancelledError here, which is not an Exception.
            if isinstance(result, Exception) and not _is_disconnect(result):
                log.error("live connection failed: %r", result)
    # Closing an already-closed socket is harmless to the client and tells the server's
    # protocol we are done when the forwarder was the one that stopped.
    with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
        await websocket.close()


async def _forward(websocket: WebSocket, subscription: Subscription) -> None:
    async for item in subscription:
        if isinstance(item, Gap):
            await websocket.send_text(gap_event(item.dropped).decode())
        else:
            await websocket.send_text(item.data.decode())


async def _watch_client(websocket: WebSocket) -> None:
    """Return when the client disconnects; what it sends is ignored (pings, for instance)."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return


def _is_disconnect(error: BaseException) -> bool:
    return isinstance(error, WebSocketDisconnect | OSError)
