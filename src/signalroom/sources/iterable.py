"""A source over an in-memory sequence of payloads, yielded as fast as the pipeline takes
them. Used by ``signalroom bench pipeline`` and by tests that need an exact, finite input.

The checkpoint is the count of payloads yielded so far, so a restart resumes after the last
committed one. Must not sleep or do I/O.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Sequence

from signalroom.clock import Clock
from signalroom.models import RawItem
from signalroom.sources.base import SourceCheck


class IterableSource:
    def __init__(
        self,
        name: str,
        kind: str,
        payloads: Sequence[bytes] | Callable[[int], Iterable[bytes]],
        clock: Clock,
    ) -> None:
        """``payloads`` is a sequence, or a function from a start index to an iterable."""
        self._name = name
        self._kind = kind
        self._payloads = payloads
        self._clock = clock

    @property
    def name(self) -> str:
        return self._name

    @property
    def kind(self) -> str:
        return self._kind

    async def check(self) -> SourceCheck:
        return SourceCheck(ok=True, detail="in-memory payloads")

    async def stream(self, since: str | None) -> AsyncIterator[RawItem]:
        start = int(since) if since else 0
        if callable(self._payloads):
            payloads: Iterable[bytes] = self._payloads(start)
        else:
            payloads = self._payloads[start:]
        for index, payload in enumerate(payloads, start=start + 1):
            yield RawItem(
                source=self._kind,
                payload=payload,
                received_at=self._clock.now(),
                checkpoint=str(index),
            )
            if index % 256 == 0:
                # Let the rest of the loop run: a finite source must not starve the writer.
                await asyncio.sleep(0)
