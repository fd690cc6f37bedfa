"""The alert runtime as the service runs it: commits observed off the loop, the scheduler
tick, and delivery through Apprise to a real local receiver with a signed ack link."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import httpx

from signalroom.alerting.escalation import EscalationLevel, EscalationPolicy
from signalroom.alerting.signing import verify_ack
from signalroom.alerting.teams import Team
from signalroom.monitor.engine import AlertEngine
from signalroom.monitor.runtime import AlertRuntime, TeamWebhooks, signed_renderer
from signalroom.notify.channels import ChannelDirectory
from signalroom.notify.dispatcher import Dispatcher
from signalroom.notify.retry import RetryPolicy
from signalroom.secrets import SecretResolver
from signalroom.store.base import WriteBatch
from tests.monitor.harness import MIN, open_system
from tests.monitor.test_warm_up import SlowStore
from tests.notify.receivers import HttpReceiver

KEY = b"k" * 32


def test_runtime_observes_ticks_and_delivers_with_a_signed_ack_link(tmp_path: Path) -> None:
    s = open_system(tmp_path)
    with HttpReceiver() as receiver:
        hook = receiver.url("/hooks/social").replace("http://", "json://")
        s.alerts.put_team(Team(name="social", channels=("env:SOCIAL_HOOK",)))
        s.alerts.put_policy(
            EscalationPolicy(
                name="crisis", levels=(EscalationLevel(targets=("social",), timeout_s=900),)
            )
        )
        s.engine = AlertEngine(
            s.store,
            s.alerts,
            s.clock,
            render=signed_renderer(key=KEY, public_url="https://sr.example", ttl_s=3600),
        )
        s.engine.warm_up()
        changed: list[str] = []

        async def scenario() -> None:
            async with httpx.AsyncClient() as client:
                directory = ChannelDirectory(
                    SecretResolver({"SOCIAL_HOOK": hook}), client, TeamWebhooks(s.alerts), s.clock
                )
                dispatcher = Dispatcher(s.alerts, directory, RetryPolicy(), s.clock)

                async def announce(ids: list[str]) -> None:
                    changed.extend(ids)

                runtime = AlertRuntime(
                    s.engine,
                    dispatcher,
                    s.clock,
                    on_changed=announce,  # type: ignore[arg-type]
                    tick_s=0.02,
                    deliver_s=0.02,
                )
                task = asyncio.create_task(runtime.run())
                moment = s.clock.now() + 2 * MIN
                s.clock.advance(2 * MIN + 10)
                posts = [
                    s.post(s.risk, moment, handle=f"user{i}", text=f"acme recall {i}")
                    for i in range(5)
                ]
                runtime.on_commit(s.store.write_batch(WriteBatch(posts=tuple(posts))), moment)
                s.clock.advance(4 * MIN)

                def delivered() -> bool:
                    sent = [m.state for m in s.alerts.list_outbox()] == ["sent"]
                    return bool(receiver.received) and sent

                async with asyncio.timeout(20):
                    # The receiver records from its own thread, and the dispatcher marks the
                    # message sent after the receiver answered: nothing here to await on.
                    while not await asyncio.to_thread(delivered):  # noqa: ASYNC110
                        await asyncio.sleep(0.02)
                task.cancel()

        asyncio.run(scenario())

    (record,) = s.alerts.list_alerts()
    assert changed[0] == record.alert.id
    (request,) = receiver.received
    payload = json.loads(request.body)
    assert payload["title"] == "[WARNING] Keyword alert in Acme recalls"
    link = re.search(r"https://sr\.example/ack/([A-Za-z0-9_\-.]+)", payload["message"])
    assert link is not None
    claim = verify_ack(link[1], key=KEY, now=s.clock.now())
    assert (claim.alert_id, claim.trigger) == (record.alert.id, record.alert.trigger)
    assert [m.state for m in s.alerts.list_outbox()] == ["sent"]
    s.close()


def test_runtime_warms_up_in_the_background_and_keeps_the_commits_meanwhile(
    tmp_path: Path,
) -> None:
    s = open_system(tmp_path)
    slow = SlowStore(s.store)
    s.engine = AlertEngine(slow, s.alerts, s.clock)  # type: ignore[arg-type]

    async def announce(ids: list[str]) -> None:
        pass

    runtime = AlertRuntime(s.engine, None, s.clock, on_changed=announce, tick_s=0.02)  # type: ignore[arg-type]

    async def scenario() -> None:
        task = asyncio.create_task(runtime.run())
        assert await asyncio.to_thread(slow.entered.wait, 10)
        assert runtime.status()["state"] == "warming_up"
        moment = s.clock.now() + 5
        post = s.post(s.risk, moment, handle="big", followers=2_000_000, reach=2_000_000)
        runtime.on_commit(s.store.write_batch(WriteBatch(posts=(post,))), moment)
        assert runtime.status()["queued_commits"] == 1
        slow.release.set()
        async with asyncio.timeout(10):
            # The status is read state, with nothing to await on.
            while runtime.status()["state"] != "running" or runtime.status()["queued_commits"]:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        status = runtime.status()
        assert status["warm_up"]["topics"] == 2  # type: ignore[index]
        task.cancel()

    asyncio.run(scenario())
    # The post committed during the warm-up was either replayed or observed, once.
    assert [r.alert.detector for r in s.alerts.list_alerts()] == ["influencer"]
    s.close()
