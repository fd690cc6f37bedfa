"""The in-process Broadcaster (the single-node default): fan-out to bounded per-subscriber
backlogs inside one event loop.

A slow subscriber never slows the publisher: when its backlog is full, the oldest pending
message is dropped and the subscriber is told with a :class:`Gap` before the next message
it receives. Must not block, and must not be used across event loops.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator

from signalroom.bus.base import Gap, Message


class MemorySubscription:
    def __init__(self, owner: MemoryBroadcaster, channel: str, max_backlog: int) -> None:
        if max_backlog < 1:
            raise ValueError("max_backlog must be at least 1")
        self._owner = owner
        self.channel = channel
        self._backlog: deque[Message] = deque()
        self._max_backlog = max_backlog
        self._dropped = 0
        self._wakeup = asyncio.Event()
        self._closed = False

    def deliver(self, message: Message) -> None:
        if len(self._backlog) >= self._max_backlog:
            self._backlog.popleft()
            self._dropped += 1
        self._backlog.append(message)
        self._wakeup.set()

    async def __aiter__(self) -> AsyncIterator[Message | Gap]:
        while not self._closed:
            if self._dropped:
                dropped, self._dropped = self._dropped, 0
                yield Gap(channel=self.channel, dropped=dropped)
                continue
            if self._backlog:
                yield self._backlog.popleft()
                continue
            self._wakeup.clear()
            await self._wakeup.wait()

    async def close(self) -> None:
        self._closed = True
        self._wakeup.set()
        self._owner.forget(self)


class MemoryBroadcaster:
    def __init__(self) -> None:
        self._subscribers: dict[str, list[MemorySubscription]] = {}
        self._closed = False

    async def publish(self, channel: str, data: bytes) -> None:
        message = Message(channel=channel, data=data)
        for subscription in self._subscribers.get(channel, ()):
            subscription.deliver(message)

    async def subscribe(self, channel: str, max_backlog: int = 256) -> MemorySubscription:
        subscription = MemorySubscription(self, channel, max_backlog)
        self._subscribers.setdefault(channel, []).append(subscription)
        return subscription

    def forget(self, subscription: MemorySubscription) -> None:
        subscribers = self._subscribers.get(subscription.channel, [])
        if subscription in subscribers:
            subscribers.remove(subscription)

    def subscriber_count(self, channel: str) -> int:
        return len(self._subscribers.get(channel, ()))

    async def close(self) -> None:
        for subscribers in list(self._subscribers.values()):
            for subscription in list(subscribers):
                await subscription.close()
        self._subscribers.clear()
