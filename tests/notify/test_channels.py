"""Channels against real receivers on 127.0.0.1: Apprise's json/jsons/form/mailto targets and
the signed webhook."""

from __future__ import annotations

import asyncio
import json
import socket
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from signalroom.alerting.outbox import OutboxMessage
from signalroom.alerting.signing import verify_webhook_signature
from signalroom.alerting.teams import SignedWebhook
from signalroom.clock import ManualClock
from signalroom.notify.channels import (
    AppriseChannel,
    Channel,
    ChannelDirectory,
    DeliveryError,
    WebhookChannel,
    retry_after_s,
    scrub,
    secret_parts,
)
from signalroom.notify.message import markdown_to_text
from signalroom.secrets import SecretResolver
from tests.alerting.factory import T0
from tests.notify.builders import ACK_URL, outbox_message
from tests.notify.receivers import HttpReceiver, Reply, SmtpReceiver, self_signed_tls

WEBHOOK_SECRET = "whsec-test-0123456789abcdef"


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with HttpReceiver() as server:
        yield server


def send(channel: Channel, message: OutboxMessage) -> None:
    asyncio.run(channel.send(message))


def apprise_channel(url: str, **environ: str) -> AppriseChannel:
    return AppriseChannel(
        "env:TEAM_URL", resolver=SecretResolver({"TEAM_URL": url, **environ}), timeout_s=5.0
    )


def send_failure(channel: Channel, message: OutboxMessage) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        send(channel, message)
    return caught.value


def test_apprise_json_delivers_title_and_markdown_body(receiver: HttpReceiver) -> None:
    message = outbox_message("env:TEAM_URL")
    url = receiver.url("/hooks/comms").replace("http://", "json://")

    send(apprise_channel(url), message)

    [request] = receiver.received
    payload = json.loads(request.body)
    assert request.path == "/hooks/comms"
    assert payload["title"] == message.title
    assert payload["message"] == message.body
    assert f"**Acknowledge:** <{ACK_URL}>" in payload["message"]


def test_apprise_json_gets_plain_text_when_target_wants_text(receiver: HttpReceiver) -> None:
    message = outbox_message("env:TEAM_URL")
    url = receiver.url("/hooks/comms").replace("http://", "json://") + "?format=text"

    send(apprise_channel(url), message)

    body = json.loads(receiver.received[0].body)["message"]
    assert body == markdown_to_text(message.body)
    assert f"Acknowledge: {ACK_URL}" in body
    assert "**" not in body
    assert "\\" not in body


def test_apprise_jsons_delivers_over_verified_tls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = outbox_message("env:TEAM_URL")
    tls, certificate = self_signed_tls(tmp_path)
    # Apprise posts through requests, which trusts this bundle instead of certifi's.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificate))
    with HttpReceiver(tls=tls) as server:
        url = server.url("/secure").replace("https://", "jsons://")
        send(apprise_channel(url), message)

        [request] = server.received
    assert request.path == "/secure"
    assert ACK_URL in json.loads(request.body)["message"]


def test_apprise_form_delivers_fields(receiver: HttpReceiver) -> None:
    message = outbox_message("env:TEAM_URL")
    url = receiver.url("/form").replace("http://", "form://")

    send(apprise_channel(url), message)

    [request] = receiver.received
    fields = dict(urllib.parse.parse_qsl(request.body.decode()))
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert fields["title"] == message.title
    assert ACK_URL in fields["message"]


def test_apprise_mailto_delivers_mail_with_ack_link() -> None:
    message = outbox_message("env:TEAM_URL")
    with SmtpReceiver() as smtp:
        url = (
            f"mailto://127.0.0.1:{smtp.port}?mode=insecure"
            "&from=alerts@signalroom.example&to=oncall@kestrava.example"
        )
        send(apprise_channel(url), message)

        [mail] = smtp.messages
        [recipients] = smtp.recipients
    assert recipients == ["oncall@kestrava.example"]
    assert mail["Subject"] == message.title
    plain = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert ACK_URL in plain.get_content()
    assert f'<a href="{ACK_URL}">' in html.get_content()
    # The post said "<b>": it must arrive as text, not as markup.
    assert "&lt;b&gt;" in html.get_content()
    assert "<b>" not in html.get_content()


def test_apprise_failure_with_5xx_is_retryable(receiver: HttpReceiver) -> None:
    receiver.script("/hooks/comms", Reply(503))
    url = receiver.url("/hooks/comms").replace("http://", "json://")

    error = send_failure(apprise_channel(url), outbox_message("env:TEAM_URL"))

    assert error.retryable
    assert "503" in error.reason


def test_apprise_failure_with_4xx_is_final_and_keeps_tokens_out(receiver: HttpReceiver) -> None:
    receiver.script("/hooks/tok-SUPERSECRET99", Reply(400))
    url = receiver.url("/hooks/tok-SUPERSECRET99").replace("http://", "json://user:pw-HIDDEN77@")

    error = send_failure(apprise_channel(url), outbox_message("env:TEAM_URL"))

    assert not error.retryable
    assert "400" in error.reason
    assert error.reason.startswith("env:TEAM_URL: ")
    assert "SUPERSECRET99" not in error.reason
    assert "HIDDEN77" not in error.reason


def test_apprise_connection_refused_is_retryable(receiver: HttpReceiver) -> None:
    port = receiver.port
    with HttpReceiver() as other:
        closed = other.port
    assert closed != port

    error = send_failure(apprise_channel(f"json://127.0.0.1:{closed}/x"), outbox_message("env:X"))

    assert error.retryable
    assert "connection" in error.reason.lower()


def test_apprise_missing_secret_is_final_and_names_the_reference() -> None:
    channel = AppriseChannel("env:NOT_SET_ANYWHERE", resolver=SecretResolver({}))

    error = send_failure(channel, outbox_message("env:NOT_SET_ANYWHERE"))

    assert not error.retryable
    assert "NOT_SET_ANYWHERE" in error.reason


def test_apprise_unknown_scheme_is_final() -> None:
    error = send_failure(apprise_channel("nosuchservice://abc"), outbox_message("env:TEAM_URL"))

    assert not error.retryable
    assert "not an Apprise URL" in error.reason
    assert "nosuchservice" not in error.reason


async def send_webhook(url: str, clock: ManualClock, message: OutboxMessage) -> None:
    async with httpx.AsyncClient(trust_env=False) as client:
        channel = WebhookChannel(
            "ops",
            SignedWebhook(url=url, key="env:OPS_SIGNING"),
            resolver=SecretResolver({"OPS_SIGNING": WEBHOOK_SECRET}),
            client=client,
            clock=clock,
            timeout_s=5.0,
        )
        await channel.send(message)


def test_webhook_posts_signed_payload_receivers_can_verify(receiver: HttpReceiver) -> None:
    clock = ManualClock(T0 + 0.75)
    message = outbox_message("webhook:ops", attempts=2)

    asyncio.run(send_webhook(receiver.url("/signalroom"), clock, message))

    [request] = receiver.received
    verify_webhook_signature(
        request.body,
        timestamp=request.headers["x-signalroom-timestamp"],
        signature=request.headers["x-signalroom-signature"],
        key=WEBHOOK_SECRET.encode(),
        now=clock.now(),
    )
    payload = json.loads(request.body)
    assert request.headers["x-signalroom-timestamp"] == str(int(T0))
    assert request.headers["x-signalroom-delivery"] == message.key
    assert request.headers["content-type"] == "application/json"
    assert payload == {
        "type": "signalroom.alert.notification",
        "version": 1,
        "id": message.key,
        "alert_id": message.alert_id,
        "team": "comms",
        "title": message.title,
        "text": markdown_to_text(message.body),
        "markdown": message.body,
        "ack_url": ACK_URL,
        "created_at": "2023-11-14T22:13:20.000Z",
        "sent_at": "2023-11-14T22:13:20.750Z",
        "attempt": 3,
    }


def test_webhook_signature_fails_with_another_secret(receiver: HttpReceiver) -> None:
    clock = ManualClock(T0)
    asyncio.run(send_webhook(receiver.url("/signalroom"), clock, outbox_message("webhook:ops")))

    [request] = receiver.received
    with pytest.raises(Exception, match="does not match"):
        verify_webhook_signature(
            request.body,
            timestamp=request.headers["x-signalroom-timestamp"],
            signature=request.headers["x-signalroom-signature"],
            key=b"not-the-team-secret-at-all",
            now=clock.now(),
        )


@pytest.mark.parametrize(
    ("reply", "retryable", "retry_after"),
    [
        (Reply(500), True, None),
        (Reply(503, headers={"Retry-After": "120"}), True, 120.0),
        (Reply(429, headers={"Retry-After": "Tue, 14 Nov 2023 22:14:20 GMT"}), True, 60.0),
        (Reply(408), True, None),
        (Reply(404, b"no such hook"), False, None),
        (Reply(401), False, None),
        (Reply(302, headers={"Location": "http://elsewhere.example/"}), False, None),
    ],
)
def test_webhook_status_maps_to_retryable(
    receiver: HttpReceiver, reply: Reply, retryable: bool, retry_after: float | None
) -> None:
    receiver.script("/signalroom", reply)

    with pytest.raises(DeliveryError) as caught:
        asyncio.run(
            send_webhook(
                receiver.url("/signalroom"), ManualClock(T0), outbox_message("webhook:ops")
            )
        )

    assert caught.value.retryable is retryable
    assert caught.value.retry_after_s == retry_after
    assert f"HTTP {reply.status}" in caught.value.reason
    assert caught.value.reason.startswith("webhook:ops: ")
    assert len(receiver.received) == 1


def test_webhook_error_shows_receivers_answer(receiver: HttpReceiver) -> None:
    receiver.script("/signalroom", Reply(422, b"unknown team\x00 'comms'\n"))

    with pytest.raises(DeliveryError) as caught:
        asyncio.run(
            send_webhook(
                receiver.url("/signalroom"), ManualClock(T0), outbox_message("webhook:ops")
            )
        )

    assert caught.value.reason == "webhook:ops: HTTP 422 Unprocessable Entity: unknown team 'comms'"


def test_webhook_connection_refused_is_retryable() -> None:
    with HttpReceiver() as other:
        closed = other.port

    with pytest.raises(DeliveryError) as caught:
        asyncio.run(
            send_webhook(
                f"http://127.0.0.1:{closed}/hook", ManualClock(T0), outbox_message("webhook:ops")
            )
        )

    assert caught.value.retryable
    assert "ConnectError" in caught.value.reason


def channel_for(reference: str) -> Channel:
    async def build() -> Channel:
        async with httpx.AsyncClient(trust_env=False) as client:
            directory = ChannelDirectory(
                resolver=SecretResolver({}),
                client=client,
                webhooks={"ops": SignedWebhook(url="http://127.0.0.1:9/", key="env:K")},
            )
            return directory.channel_for(reference)

    return asyncio.run(build())


def test_directory_refuses_unknown_channels() -> None:
    for reference, expected in [
        ("webhook:nobody", "no webhook is configured for team 'nobody'"),
        ("slack://plain/token/in/config", "must be env:NAME or file:/path"),
    ]:
        with pytest.raises(DeliveryError, match=expected) as caught:
            channel_for(reference)
        assert not caught.value.retryable
        assert "plain/token" not in caught.value.reason


def test_directory_picks_the_channel_by_reference() -> None:
    assert isinstance(channel_for("env:SLACK_URL"), AppriseChannel)
    assert isinstance(channel_for("file:/run/secrets/slack"), AppriseChannel)
    assert isinstance(channel_for("webhook:ops"), WebhookChannel)


def test_retry_after_reads_seconds_and_dates() -> None:
    assert retry_after_s("30", now=T0) == 30.0
    assert retry_after_s("Tue, 14 Nov 2023 22:15:20 GMT", now=T0) == 120.0
    assert retry_after_s("Tue, 14 Nov 2023 22:00:00 GMT", now=T0) == 0.0
    assert retry_after_s("soon", now=T0) is None
    assert retry_after_s(None, now=T0) is None


def test_scrub_removes_every_secret_piece_of_a_url() -> None:
    url = "slack://TokenAAAA/TokenBBBB/TokenCCCC/#alerts?botname=Signalroom"
    text = f"failed posting to {url} (TokenBBBB refused)"

    cleaned = scrub(text, secret_parts(url))

    assert "Token" not in cleaned
    assert cleaned.startswith("failed posting to ***")


def test_apprise_contacts_nothing_but_the_target(
    receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    contacted: list[object] = []
    looked_up: list[object] = []
    connect, getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def recording_connect(self: socket.socket, address: object) -> None:
        contacted.append(address)
        connect(self, address)  # type: ignore[arg-type]

    def recording_getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        looked_up.append(host)
        return getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", recording_connect)
    monkeypatch.setattr(socket, "getaddrinfo", recording_getaddrinfo)
    message = outbox_message("env:TEAM_URL")

    with SmtpReceiver() as smtp:
        contacted.clear()
        looked_up.clear()
        send(apprise_channel(receiver.url("/hook").replace("http://", "json://")), message)
        send(
            apprise_channel(
                f"mailto://127.0.0.1:{smtp.port}?mode=insecure&from=x@y.example&to=a@b.example"
            ),
            message,
        )

    assert set(contacted) == {("127.0.0.1", receiver.port), ("127.0.0.1", smtp.port)}
    assert set(looked_up) <= {"127.0.0.1"}
