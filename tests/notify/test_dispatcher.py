"""The dispatcher end to end: an in-memory outbox, real channels, a real receiver on
127.0.0.1, a manual clock and a random source whose every draw is known."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator

import httpx
import msgspec
import pytest

from signalroom.alerting.outbox import OutboxMessage
from signalroom.alerting.signing import verify_webhook_signature
from signalroom.alerting.teams import SignedWebhook
from signalroom.clock import ManualClock
from signalroom.notify.channels import Channel, ChannelDirectory, DeliveryError
from signalroom.notify.dispatcher import DeliveryReport, Dispatcher
from signalroom.notify.retry import RetryPolicy
from signalroom.secrets import SecretResolver
from tests.alerting.factory import T0
from tests.notify.builders import outbox_message
from tests.notify.receivers import HttpReceiver, Reply

SECRET = "ops-webhook-secret-0123456789"


class MidpointRandom(random.Random):
    """Every draw is the middle of its range: a full-jitter wait is half its ceiling."""

    def random(self) -> float:
        return 0.5


class MemoryOutbox:
    """The Outbox protocol over a dict, recording every call in order."""

    def __init__(self, *messages: OutboxMessage) -> None:
        self.messages = {message.id: message for message in messages}
        self.calls: list[tuple[str, int]] = []

    def due_messages(self, now: float, limit: int) -> list[OutboxMessage]:
        due = [
            m for m in self.messages.values() if m.state == "pending" and m.next_attempt_at <= now
        ]
        return sorted(due, key=lambda m: (m.next_attempt_at, m.id))[:limit]

    def mark_sent(self, message_id: int, now: float) -> None:
        self._update(message_id, "sent", state="sent", sent_at=now)

    def mark_retry(self, message_id: int, error: str, next_attempt_at: float) -> None:
        self._update(message_id, "retry", last_error=error, next_attempt_at=next_attempt_at)

    def mark_failed(self, message_id: int, error: str, now: float) -> None:
        self._update(message_id, "failed", state="failed", last_error=error)

    def _update(self, message_id: int, call: str, **changes: object) -> None:
        self.calls.append((call, message_id))
        message = self.messages[message_id]
        self.messages[message_id] = msgspec.structs.replace(
            message, attempts=message.attempts + 1, **changes
        )


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with HttpReceiver() as server:
        yield server


class Harness:
    def __init__(
        self, receiver: HttpReceiver, outbox: MemoryOutbox, *, max_attempts: int = 8
    ) -> None:
        self.receiver = receiver
        self.outbox = outbox
        self.clock = ManualClock(T0)
        self.retry = RetryPolicy(
            base_s=30.0, cap_s=1800.0, max_attempts=max_attempts, rng=MidpointRandom()
        )

    def directory(self, client: httpx.AsyncClient) -> ChannelDirectory:
        return ChannelDirectory(
            resolver=SecretResolver(
                {"OPS_KEY": SECRET, "OPS_JSON": self.receiver.url("/json").replace("http", "json")}
            ),
            client=client,
            webhooks={"ops": SignedWebhook(url=self.receiver.url("/hook"), key="env:OPS_KEY")},
            clock=self.clock,
            webhook_timeout_s=5.0,
            apprise_timeout_s=5.0,
        )

    def rounds(self, *instants: float) -> list[DeliveryReport]:
        """One ``deliver_due`` at each instant, in one event loop."""

        async def run() -> list[DeliveryReport]:
            async with httpx.AsyncClient(trust_env=False) as client:
                dispatcher = Dispatcher(self.outbox, self.directory(client), self.retry, self.clock)
                reports = []
                for instant in instants:
                    self.clock.set(instant)
                    reports.append(await dispatcher.deliver_due())
                return reports

        return asyncio.run(run())


def test_dispatcher_retries_503_twice_then_sends_with_backoff(receiver: HttpReceiver) -> None:
    receiver.script("/hook", Reply(503), Reply(503), Reply(200))
    outbox = MemoryOutbox(outbox_message("webhook:ops", message_id=7))
    harness = Harness(receiver, outbox)
    # Full jitter at the midpoint: 30 s ceiling -> 15 s, then 60 s ceiling -> 30 s.
    first_retry, second_retry = T0 + 15.0, T0 + 15.0 + 30.0

    reports = harness.rounds(T0, first_retry - 1, first_retry, second_retry - 1, second_retry)

    assert [(r.sent, r.retrying, r.failed) for r in reports] == [
        (0, 1, 0),
        (0, 0, 0),
        (0, 1, 0),
        (0, 0, 0),
        (1, 0, 0),
    ]
    assert reports[0].results[0].next_attempt_at == first_retry
    assert reports[2].results[0].next_attempt_at == second_retry
    assert "HTTP 503" in reports[0].results[0].error
    message = outbox.messages[7]
    assert (message.state, message.attempts, message.sent_at) == ("sent", 3, second_retry)
    assert outbox.calls == [("retry", 7), ("retry", 7), ("sent", 7)]
    deliveries = [json.loads(request.body) for request in receiver.received]
    assert [d["attempt"] for d in deliveries] == [1, 2, 3]
    assert {d["id"] for d in deliveries} == {message.key}
    for request, sent_at in zip(receiver.received, (T0, first_retry, second_retry), strict=True):
        verify_webhook_signature(
            request.body,
            timestamp=request.headers["x-signalroom-timestamp"],
            signature=request.headers["x-signalroom-signature"],
            key=SECRET.encode(),
            now=sent_at,
        )


def test_dispatcher_fails_a_400_at_once_with_the_reason(receiver: HttpReceiver) -> None:
    receiver.script("/hook", Reply(400, b"payload version 1 is not supported"))
    outbox = MemoryOutbox(outbox_message("webhook:ops", message_id=3))

    [report] = Harness(receiver, outbox).rounds(T0)

    assert (report.sent, report.retrying, report.failed) == (0, 0, 1)
    message = outbox.messages[3]
    assert (message.state, message.attempts) == ("failed", 1)
    assert message.last_error == (
        "webhook:ops: HTTP 400 Bad Request: payload version 1 is not supported"
    )
    assert len(receiver.received) == 1


def test_dispatcher_honours_retry_after(receiver: HttpReceiver) -> None:
    receiver.script("/hook", Reply(429, headers={"Retry-After": "300"}))
    outbox = MemoryOutbox(outbox_message("webhook:ops"))

    [report] = Harness(receiver, outbox).rounds(T0)

    assert report.results[0].next_attempt_at == T0 + 300.0
    assert outbox.messages[1].next_attempt_at == T0 + 300.0


def test_dispatcher_gives_up_after_max_attempts(receiver: HttpReceiver) -> None:
    receiver.script("/hook", Reply(503), Reply(503))
    outbox = MemoryOutbox(outbox_message("webhook:ops"))

    reports = Harness(receiver, outbox, max_attempts=2).rounds(T0, T0 + 15.0)

    assert [(r.retrying, r.failed) for r in reports] == [(1, 0), (0, 1)]
    message = outbox.messages[1]
    assert (message.state, message.attempts) == ("failed", 2)
    assert message.last_error.endswith("(gave up after 2 attempts)")
    assert "HTTP 503" in message.last_error


def test_dispatcher_sends_each_message_to_its_own_channel(receiver: HttpReceiver) -> None:
    receiver.script("/hook", Reply(500))
    outbox = MemoryOutbox(
        outbox_message("webhook:ops", message_id=1, team="ops"),
        outbox_message("env:OPS_JSON", message_id=2, team="ops"),
        outbox_message("webhook:nobody", message_id=3, team="nobody"),
        outbox_message("env:MISSING", message_id=4, team="comms"),
        outbox_message("webhook:ops", message_id=5, next_attempt_at=T0 + 60.0),
    )

    [report] = Harness(receiver, outbox).rounds(T0)

    outcomes = {result.message_id: result.outcome for result in report.results}
    assert outcomes == {1: "retry", 2: "sent", 3: "failed", 4: "failed"}
    assert "no webhook is configured for team 'nobody'" in outbox.messages[3].last_error
    assert "MISSING is not set" in outbox.messages[4].last_error
    assert outbox.messages[5].attempts == 0
    assert sorted(request.path for request in receiver.received) == ["/hook", "/json"]


def test_dispatcher_does_nothing_when_nothing_is_due(receiver: HttpReceiver) -> None:
    outbox = MemoryOutbox(outbox_message("webhook:ops", next_attempt_at=T0 + 1.0))

    [report] = Harness(receiver, outbox).rounds(T0)

    assert report == DeliveryReport()
    assert outbox.calls == []
    assert receiver.received == []


class BrokenChannel:
    async def send(self, message: OutboxMessage) -> None:
        raise KeyError("a bug in a channel")


class SlowChannel:
    def __init__(self, entered: asyncio.Event) -> None:
        self.entered = entered

    async def send(self, message: OutboxMessage) -> None:
        self.entered.set()
        await asyncio.Event().wait()


class FixedChannels:
    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    def channel_for(self, reference: str) -> Channel:
        return self.channel


def test_dispatcher_turns_a_channel_bug_into_a_retry(caplog: pytest.LogCaptureFixture) -> None:
    outbox = MemoryOutbox(outbox_message("env:ANY"))
    retry = RetryPolicy(rng=MidpointRandom())
    dispatcher = Dispatcher(outbox, FixedChannels(BrokenChannel()), retry, ManualClock(T0))

    report = asyncio.run(dispatcher.deliver_due())

    assert report.results[0].outcome == "retry"
    assert outbox.messages[1].last_error == "unexpected error: KeyError"
    assert "the channel failed unexpectedly" in caplog.text


def test_dispatcher_times_out_a_channel_that_never_answers() -> None:
    outbox = MemoryOutbox(outbox_message("env:ANY"))

    async def run() -> DeliveryReport:
        channel = SlowChannel(asyncio.Event())
        dispatcher = Dispatcher(
            outbox,
            FixedChannels(channel),
            RetryPolicy(rng=MidpointRandom()),
            ManualClock(T0),
            send_timeout_s=0.05,
        )
        return await dispatcher.deliver_due()

    report = asyncio.run(run())

    assert report.results[0].outcome == "retry"
    assert outbox.messages[1].last_error == "no answer within 0.05 s"


def test_delivery_error_carries_its_fields() -> None:
    error = DeliveryError("HTTP 503", retryable=True, retry_after_s=5.0)

    assert (str(error), error.reason, error.retryable, error.retry_after_s) == (
        "HTTP 503",
        "HTTP 503",
        True,
        5.0,
    )


class GatedChannel:
    """Holds every send until the gate opens, counting how many are in flight."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.peak = 0
        self.gate = asyncio.Event()
        self.busy = asyncio.Event()

    async def send(self, message: OutboxMessage) -> None:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        if self.in_flight >= 2:
            self.busy.set()
        await self.gate.wait()
        self.in_flight -= 1


def test_dispatcher_bounds_sends_in_flight() -> None:
    outbox = MemoryOutbox(*(outbox_message("env:ANY", message_id=n) for n in range(1, 7)))

    async def run() -> tuple[DeliveryReport, int]:
        channel = GatedChannel()
        dispatcher = Dispatcher(
            outbox,
            FixedChannels(channel),
            RetryPolicy(rng=MidpointRandom()),
            ManualClock(T0),
            concurrency=2,
        )
        delivering = asyncio.create_task(dispatcher.deliver_due())
        await channel.busy.wait()
        # Give every other send the chance to start, were it not bounded.
        for _ in range(20):
            await asyncio.sleep(0)
        peak = channel.peak
        channel.gate.set()
        return await delivering, peak

    report, peak = asyncio.run(run())

    assert peak == 2
    assert report.sent == 6
    assert [result.message_id for result in report.results] == [1, 2, 3, 4, 5, 6]
