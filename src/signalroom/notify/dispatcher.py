"""The dispatcher: take the outbox messages that are due, send them, record what happened.

Each call of :meth:`Dispatcher.deliver_due` reads up to ``limit`` due messages, sends them
with at most ``concurrency`` in flight, and records every outcome before it returns:
sent, to be retried at a time the retry policy picks, or failed with the reason (a
non-retryable error, or the last attempt). Delivery is at least once: a crash between a
send and its record sends that message again, and receivers deduplicate on the message
key. Run one dispatcher per outbox; overlapping calls on one dispatcher wait for each
other. The outbox is any object with the four methods of :class:`Outbox` (the store
implements them; they are blocking, so they run in a worker thread).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from signalroom.alerting.outbox import OutboxMessage
from signalroom.clock import Clock
from signalroom.notify.channels import ChannelFactory, DeliveryError
from signalroom.notify.retry import RetryPolicy

DeliveryOutcome = Literal["sent", "retry", "failed"]

DEFAULT_LIMIT: Final = 50
logger = logging.getLogger(__name__)


class Outbox(Protocol):
    """Where messages wait to be delivered. Each ``mark_*`` counts one attempt."""

    def due_messages(self, now: float, limit: int) -> list[OutboxMessage]:
        """Pending messages whose ``next_attempt_at`` is at or before ``now``, oldest first."""
        ...

    def mark_sent(self, message_id: int, now: float) -> None: ...

    def mark_retry(self, message_id: int, error: str, next_attempt_at: float) -> None: ...

    def mark_failed(self, message_id: int, error: str, now: float) -> None: ...


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """What happened to one message in one round."""

    message_id: int
    key: str
    outcome: DeliveryOutcome
    error: str = ""
    next_attempt_at: float | None = None


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """Every message one round took, in the order the outbox gave them."""

    results: tuple[DeliveryResult, ...] = ()

    @property
    def sent(self) -> int:
        return self._count("sent")

    @property
    def retrying(self) -> int:
        return self._count("retry")

    @property
    def failed(self) -> int:
        return self._count("failed")

    def _count(self, outcome: DeliveryOutcome) -> int:
        return sum(1 for result in self.results if result.outcome == outcome)


class Dispatcher:
    """Sends due outbox messages through their channels and records the outcomes."""

    def __init__(
        self,
        outbox: Outbox,
        channels: ChannelFactory,
        retry: RetryPolicy,
        clock: Clock,
        *,
        concurrency: int = 4,
        send_timeout_s: float = 60.0,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be 1 or more, got {concurrency}")
        self._outbox = outbox
        self._channels = channels
        self._retry = retry
        self._clock = clock
        self._slots = asyncio.Semaphore(concurrency)
        self._send_timeout_s = send_timeout_s
        self._round = asyncio.Lock()

    async def deliver_due(self, limit: int = DEFAULT_LIMIT) -> DeliveryReport:
        """Send up to ``limit`` due messages and record each outcome."""
        async with self._round:
            now = self._clock.now()
            messages = await asyncio.to_thread(self._outbox.due_messages, now, limit)
            if not messages:
                return DeliveryReport()
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(self._deliver(message)) for message in messages]
            return DeliveryReport(tuple(task.result() for task in tasks))

    async def _deliver(self, message: OutboxMessage) -> DeliveryResult:
        async with self._slots:
            error = await self._send(message)
        now = self._clock.now()
        if error is None:
            await asyncio.to_thread(self._outbox.mark_sent, message.id, now)
            return DeliveryResult(message.id, message.key, "sent")
        attempt = message.attempts + 1
        next_at = (
            self._retry.next_attempt_at(attempt, now, retry_after_s=error.retry_after_s)
            if error.retryable
            else None
        )
        if next_at is not None:
            logger.warning(
                "notification %s for team %s failed (attempt %d), retrying: %s",
                message.key,
                message.team,
                attempt,
                error.reason,
            )
            await asyncio.to_thread(self._outbox.mark_retry, message.id, error.reason, next_at)
            return DeliveryResult(message.id, message.key, "retry", error.reason, next_at)
        reason = error.reason
        if error.retryable:
            reason = f"{reason} (gave up after {attempt} attempts)"
        logger.error(
            "notification %s for team %s failed for good: %s", message.key, message.team, reason
        )
        await asyncio.to_thread(self._outbox.mark_failed, message.id, reason, now)
        return DeliveryResult(message.id, message.key, "failed", reason)

    async def _send(self, message: OutboxMessage) -> DeliveryError | None:
        try:
            channel = self._channels.channel_for(message.channel)
            async with asyncio.timeout(self._send_timeout_s):
                await channel.send(message)
        except DeliveryError as err:
            return err
        except TimeoutError:
            return DeliveryError(f"no answer within {self._send_timeout_s:g} s", retryable=True)
        except Exception as err:
            # One broken channel must not stop the others; the message is retried and
            # the bug is logged with its traceback.
            logger.exception("notification %s: the channel failed unexpectedly", message.key)
            return DeliveryError(f"unexpected error: {type(err).__name__}", retryable=True)
        return None
