"""Channels: deliver one outbox message to one place, or say why not and whether to retry.

An outbox message's ``channel`` is one of:

- ``env:NAME`` / ``file:/path``: a secret reference to one Apprise URL (Slack, Teams,
  e-mail, SMS gateways...). It is resolved at send time, so a rotated token is picked up
  at once, and the resolved URL (it holds tokens) is never logged nor put in an error.
- ``webhook:<team>``: the team's signed webhook, a JSON POST whose signature receivers
  check with :func:`signalroom.alerting.signing.verify_webhook_signature`.

Failures become :class:`DeliveryError` with ``retryable`` set: timeouts, connection
errors, HTTP 5xx, 408 and 429 are worth another try; other 4xx, an unknown channel or a
missing secret are not (waiting does not fix them). No retry timing lives here (see
retry) and nothing is recorded here (see dispatcher).
"""

from __future__ import annotations

import asyncio
import math
import re
import threading
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Final, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

import apprise
import httpx
import msgspec
from apprise.manager_plugins import NotificationManager

from signalroom.alerting.outbox import OutboxMessage
from signalroom.alerting.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    webhook_signature,
)
from signalroom.alerting.teams import WEBHOOK_CHANNEL_PREFIX, SignedWebhook
from signalroom.clock import Clock, SystemClock, to_iso
from signalroom.errors import AuthError, SignalroomError
from signalroom.notify.message import markdown_to_text, sanitize
from signalroom.secrets import SCHEMES

PAYLOAD_TYPE: Final = "signalroom.alert.notification"
PAYLOAD_VERSION: Final = 1
DELIVERY_HEADER: Final = "X-Signalroom-Delivery"
USER_AGENT: Final = "Signalroom-Notify/1"
MAX_REASON_CHARS: Final = 300
_HTTP_STATUS_IN_LOG: Final = re.compile(r"error=(\d{3})\b")
_RETRYABLE_4XX: Final = frozenset({408, 429})


class DeliveryError(SignalroomError):
    """A message could not be delivered. ``reason`` is safe to store and show (no secrets);
    ``retry_after_s`` is the receiver's own ``Retry-After``, when it sent one."""

    def __init__(self, reason: str, *, retryable: bool, retry_after_s: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after_s = retry_after_s


class SecretSource(Protocol):
    """Resolves ``env:``/``file:`` references (``signalroom.secrets.SecretResolver``)."""

    def resolve(self, reference: str) -> str:
        """The secret's value; AuthError when it cannot be had."""
        ...


class Channel(Protocol):
    """One place to deliver messages to."""

    async def send(self, message: OutboxMessage) -> None:
        """Deliver ``message`` or raise DeliveryError."""
        ...


class ChannelFactory(Protocol):
    """Turns an outbox message's ``channel`` into something that can send."""

    def channel_for(self, reference: str) -> Channel:
        """The channel for ``reference``; DeliveryError (not retryable) when unknown."""
        ...


def apprise_asset() -> apprise.AppriseAsset:
    """Apprise settings for Signalroom: nothing but the target is contacted.

    No icon URLs (they point at GitHub), no redirects, no persistent storage, no plugin
    directories; services run in the calling thread (``async_mode`` off, no service
    timeout) so Apprise starts no worker pool of its own.
    """
    return apprise.AppriseAsset(
        app_id="Signalroom",
        app_desc="Signalroom alerts",
        app_url="",
        image_url_mask="",
        image_url_logo="",
        http_redirects=False,
        async_mode=False,
        service_timeout=0,
    )


_plugins_loaded = threading.Event()
_plugins_lock = threading.Lock()


def load_apprise_plugins() -> None:
    """Import Apprise's plugins once (about 0.2 s; later calls are free).

    Its e-mail plugin imports ``imghdr``, which warns that it is deprecated on Python
    3.11-3.12; that warning is Apprise's business and must not become an error of ours.
    """
    if _plugins_loaded.is_set():
        return
    with _plugins_lock, warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="'imghdr' is deprecated", category=DeprecationWarning
        )
        # Apprise leaves its plugin manager unannotated.
        NotificationManager().load_modules()  # type: ignore[no-untyped-call]
        _plugins_loaded.set()


class AppriseChannel:
    """Delivers through one Apprise URL, given by secret reference.

    Targets that only show text (SMS gateways) get the plain flavour of the body; the
    others get the Markdown and convert it themselves (e-mail to HTML, Slack to mrkdwn).
    """

    def __init__(
        self,
        reference: str,
        *,
        resolver: SecretSource,
        timeout_s: float = 20.0,
        asset: apprise.AppriseAsset | None = None,
    ) -> None:
        self._reference = reference
        self._resolver = resolver
        self._timeout_s = timeout_s
        self._asset = asset or apprise_asset()

    async def send(self, message: OutboxMessage) -> None:
        try:
            url = self._resolver.resolve(self._reference)
        except AuthError as err:
            raise DeliveryError(str(err), retryable=False) from err
        try:
            # The socket timeouts bound the worker thread; this bounds our wait for it.
            async with asyncio.timeout(self._timeout_s * 2 + 1):
                await asyncio.to_thread(self._send_blocking, url, message)
        except TimeoutError as err:
            raise DeliveryError(
                f"{self._reference}: no answer within {self._timeout_s:g} s", retryable=True
            ) from err

    def _send_blocking(self, url: str, message: OutboxMessage) -> None:
        load_apprise_plugins()
        plugin = apprise.Apprise.instantiate(url, asset=self._asset)
        if plugin is None:
            raise DeliveryError(
                f"{self._reference}: not an Apprise URL that this version understands",
                retryable=False,
            )
        plugin.socket_connect_timeout = min(plugin.socket_connect_timeout, self._timeout_s)
        plugin.socket_read_timeout = min(plugin.socket_read_timeout, self._timeout_s)
        if plugin.resolve_format(apprise.NotifyFormat.MARKDOWN) == apprise.NotifyFormat.TEXT:
            body, body_format = markdown_to_text(message.body), apprise.NotifyFormat.TEXT
        else:
            body, body_format = message.body, apprise.NotifyFormat.MARKDOWN
        sender = apprise.Apprise(asset=self._asset)
        sender.add(plugin)
        with sender.notify(
            body=body,
            title=message.title,
            body_format=body_format,
            notify_type=apprise.NotifyType.WARNING,
        ) as result:
            if result.status == apprise.AppriseResultStatus.SUCCESS:
                return
            if result.status == apprise.AppriseResultStatus.TIMEOUT:
                raise DeliveryError(f"{self._reference}: timed out", retryable=True)
            lines = [
                entry.message
                for entry in result.logs()
                if entry.level in ("WARNING", "ERROR", "CRITICAL")
            ]
        detail = scrub(" ".join(lines) or "Apprise reported a failure", secret_parts(url))
        status = _HTTP_STATUS_IN_LOG.search(detail)
        code = int(status.group(1)) if status else None
        retryable = code is None or not (400 <= code < 500) or code in _RETRYABLE_4XX
        raise DeliveryError(_cap(f"{self._reference}: {detail}"), retryable=retryable)


class WebhookChannel:
    """POSTs the documented JSON payload, signed with the team's secret.

    2xx is delivered. 408, 429, 5xx, timeouts and connection errors are retryable, with
    the receiver's ``Retry-After`` passed on; redirects and other 4xx are not.
    """

    def __init__(
        self,
        name: str,
        target: SignedWebhook,
        *,
        resolver: SecretSource,
        client: httpx.AsyncClient,
        clock: Clock | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self._name = name
        self._target = target
        self._resolver = resolver
        self._client = client
        self._clock = clock or SystemClock()
        self._timeout_s = timeout_s

    async def send(self, message: OutboxMessage) -> None:
        label = f"{WEBHOOK_CHANNEL_PREFIX}{self._name}"
        try:
            key = self._resolver.resolve(self._target.key).encode("utf-8")
        except AuthError as err:
            raise DeliveryError(f"{label}: {err}", retryable=False) from err
        now = self._clock.now()
        timestamp = math.floor(now)
        body = webhook_payload(message, sent_at=now)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            DELIVERY_HEADER: message.key,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: webhook_signature(body, timestamp, key),
        }
        try:
            response = await self._client.post(
                self._target.url, content=body, headers=headers, timeout=self._timeout_s
            )
        except httpx.TimeoutException as err:
            raise DeliveryError(
                f"{label}: no answer within {self._timeout_s:g} s", retryable=True
            ) from err
        except httpx.HTTPError as err:
            detail = scrub(f"{type(err).__name__}: {err}", secret_parts(self._target.url))
            raise DeliveryError(_cap(f"{label}: {detail}"), retryable=True) from err
        if response.is_success:
            return
        code = response.status_code
        answer = sanitize(response.text, 120) if response.content else ""
        reason = _cap(
            f"{label}: HTTP {code} {response.reason_phrase}" + (f": {answer}" if answer else "")
        )
        if 300 <= code < 400:
            raise DeliveryError(
                f"{reason} (redirects are not followed: configure the final URL)", retryable=False
            )
        retryable = code >= 500 or code in _RETRYABLE_4XX
        retry_after = retry_after_s(response.headers.get("Retry-After"), now=now)
        raise DeliveryError(reason, retryable=retryable, retry_after_s=retry_after)


@dataclass(frozen=True, slots=True)
class ChannelDirectory:
    """The ChannelFactory the service uses: Apprise URLs by secret reference and the
    teams' signed webhooks."""

    resolver: SecretSource
    client: httpx.AsyncClient
    webhooks: Mapping[str, SignedWebhook] = field(default_factory=dict)
    clock: Clock = field(default_factory=SystemClock)
    apprise_timeout_s: float = 20.0
    webhook_timeout_s: float = 10.0

    def channel_for(self, reference: str) -> Channel:
        if reference.startswith(WEBHOOK_CHANNEL_PREFIX):
            team = reference[len(WEBHOOK_CHANNEL_PREFIX) :]
            target = self.webhooks.get(team)
            if target is None:
                raise DeliveryError(
                    f"{reference}: no webhook is configured for team {team!r}", retryable=False
                )
            return WebhookChannel(
                team,
                target,
                resolver=self.resolver,
                client=self.client,
                clock=self.clock,
                timeout_s=self.webhook_timeout_s,
            )
        if reference.startswith(SCHEMES):
            return AppriseChannel(
                reference, resolver=self.resolver, timeout_s=self.apprise_timeout_s
            )
        raise DeliveryError(
            "channel must be env:NAME or file:/path (an Apprise URL) or webhook:<team>",
            retryable=False,
        )


def webhook_payload(message: OutboxMessage, *, sent_at: float) -> bytes:
    """The JSON body of a webhook delivery (schema in docs/notifications.md)."""
    return msgspec.json.encode(
        {
            "type": PAYLOAD_TYPE,
            "version": PAYLOAD_VERSION,
            "id": message.key,
            "alert_id": message.alert_id,
            "team": message.team,
            "title": message.title,
            "text": markdown_to_text(message.body),
            "markdown": message.body,
            "ack_url": message.ack_url or None,
            "created_at": to_iso(message.created_at),
            "sent_at": to_iso(sent_at),
            "attempt": message.attempts + 1,
        }
    )


def retry_after_s(header: str | None, *, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or None."""
    if header is None:
        return None
    text = header.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def secret_parts(url: str) -> tuple[str, ...]:
    """The pieces of a URL that may be secret: the URL itself, its user and password, its
    path segments and query values (long enough to be tokens)."""
    try:
        parts = urlsplit(url)
        pieces = [url, parts.username or "", parts.password or ""]
    except ValueError:
        return (url,)
    pieces += [unquote(segment) for segment in parts.path.split("/")]
    pieces += parts.path.split("/")
    pieces += [value for _, value in parse_qsl(parts.query)]
    pieces.append(parts.netloc)
    return tuple(sorted({p for p in pieces if len(p) >= 6}, key=len, reverse=True))


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret piece replaced by ``***``."""
    for piece in secrets:
        text = text.replace(piece, "***")
    return text


def _cap(text: str) -> str:
    return sanitize(text, MAX_REASON_CHARS)
