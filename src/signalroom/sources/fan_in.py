"""Reading what a streaming connector's background tasks put on its bounded queue (Bluesky's
reader, Mastodon's channels): the next item, or the bug that killed a task, and the tasks
cancelled when the reader stops.

Network failures are the tasks' own business (they retry with backoff); a task that ends
anyway has a bug, and it must surface in ``stream()`` rather than leave it waiting forever.
Must not start tasks or swallow a task's exception.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import TypeVar

from signalroom.errors import SourceError

T = TypeVar("T")


async def next_item(
    queue: asyncio.Queue[T], tasks: Sequence[asyncio.Task[None]], *, stopped: str
) -> T:
    """The next queued item; re-raises the exception of a task that died, or raises
    SourceError(``stopped``) when a task ended without one."""
    with contextlib.suppress(asyncio.QueueEmpty):
        return queue.get_nowait()
    getter = asyncio.ensure_future(queue.get())
    try:
        await asyncio.wait([getter, *tasks], return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not getter.done():
            getter.cancel()
    if getter.done() and not getter.cancelled():
        return getter.result()
    for task in tasks:
        if task.done():
            task.result()
    raise SourceError(stopped)


async def cancel_all(tasks: Sequence[asyncio.Task[None]]) -> None:
    """Cancel the tasks and wait until every one has ended."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
