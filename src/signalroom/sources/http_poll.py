"""HTTP plumbing shared by the connectors that poll or stream over HTTPS (news feeds, Hacker
News, Reddit, X; Mastodon and Bluesky's AppView for the error wording): one way to build a
client (timeouts always set, our User-Agent), to say in one line why a request failed (DNS,
refused, timeout, status), and to read ``Retry-After``.
Backoff timing lives in :mod:`signalroom.sources.backoff`.

Only mechanics: it knows no service's URLs or payloads, and never sleeps by itself (callers
sleep through an injected :data:`Sleep`, so tests drive retries without waiting).
"""

from __future__ import annotations

import asyncio
import email.utils
import errno
import math
import socket
from collections.abc import Awaitable, Callable, Mapping
from typing import Final

import httpx

from signalroom import __version__
from signalroom.errors import SourceError

USER_AGENT: Final = f"Signalroom/{__version__} (+https://github.com/signalroom/signalroom)"
"""Who we are, with a place to read about it, as feed publishers and APIs ask."""

MAX_ERROR_BODY_CHARS: Final = 200

Sleep = Callable[[float], Awaitable[None]]
"""How a connector waits: ``asyncio.sleep`` in production, a recorder in tests."""


class RateLimitedError(SourceError):
    """The service asked us to slow down; ``retry_s`` is how long it said to wait, if it did."""

    def __init__(self, detail: str, retry_s: float | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_s = retry_s


def make_client(
    timeout_s: float,
    *,
    user_agent: str = USER_AGENT,
    headers: Mapping[str, str] | None = None,
    follow_redirects: bool = False,
) -> httpx.AsyncClient:
    """An AsyncClient with every timeout set (connect capped at 10 s) and our User-Agent."""
    merged = {"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"}
    merged.update(headers or {})
    timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0))
    return httpx.AsyncClient(
        timeout=timeout, headers=merged, follow_redirects=follow_redirects, trust_env=False
    )


def describe_error(err: httpx.HTTPError, url: str) -> str:
    """Why a request never got a response, in words an operator can act on."""
    host = httpx.URL(url).host or url
    if isinstance(err, httpx.TimeoutException):
        kind = {
            httpx.ConnectTimeout: "connecting",
            httpx.ReadTimeout: "waiting for data",
            httpx.WriteTimeout: "sending",
            httpx.PoolTimeout: "waiting for a connection",
        }.get(type(err), "talking")
        return f"timed out {kind} to {host}"
    if isinstance(err, httpx.ConnectError):
        causes = _causes(err)
        dns = next((c for c in causes if isinstance(c, socket.gaierror)), None)
        if dns is not None:
            return f"DNS lookup failed for {host} ({dns.strerror or dns})"
        if any(
            isinstance(c, ConnectionRefusedError)
            or (isinstance(c, OSError) and c.errno == errno.ECONNREFUSED)
            for c in causes
        ):
            return f"connection refused by {host}"
        return f"cannot connect to {host}: {causes[-1] or type(causes[-1]).__name__}"
    if isinstance(err, httpx.RemoteProtocolError):
        return f"{host} closed the connection ({err or 'protocol error'})"
    return f"request to {host} failed: {err or type(err).__name__}"


def connect_failure(err: BaseException) -> str:
    """Why a connection could not be made, in a few words and without the host (for messages
    that already name it): ``connection refused``, ``DNS lookup failed (...)``."""
    for cause in _causes(err):
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return f"DNS lookup failed ({cause.strerror})"
    return str(err) or "cannot connect"


def _causes(err: BaseException) -> list[BaseException]:
    """The error and what caused it, down the ``__cause__``/``__context__`` chain (anyio
    wraps the socket's ConnectionRefusedError in an OSError without a cause)."""
    chain: list[BaseException] = []
    current: BaseException | None = err
    while current is not None and current not in chain and len(chain) < 20:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def status_line(response: httpx.Response) -> str:
    """``HTTP 403 Forbidden: <start of the body>``, for health notes and check() details."""
    body = ""
    try:
        body = " ".join(response.text.split())[:MAX_ERROR_BODY_CHARS]
    except (httpx.ResponseNotRead, UnicodeDecodeError):
        body = ""
    phrase = response.reason_phrase or ""
    line = f"HTTP {response.status_code} {phrase}".rstrip()
    return f"{line}: {body}" if body else line


def retry_after_s(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), if any."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = moment.timestamp() - now
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


async def real_sleep(seconds: float) -> None:
    """The production :data:`Sleep`."""
    await asyncio.sleep(max(0.0, seconds))
