"""Render an alert notification: a short title and a body in plain text and in Markdown.

Built to be read on a phone in five seconds: the title says what happened and where; the
body opens with the acknowledge link, then says why, then shows the evidence. The
Markdown flavour is the CommonMark subset every Apprise target handles (bold, autolinks
``<url>``, a list): Slack and Teams render it, e-mail gets it as HTML, and
``markdown_to_text`` turns it back into the plain flavour for SMS-like targets.

Everything from posts (authors, text, URLs) is untrusted: control and direction-override
characters are dropped, whitespace collapsed, lengths capped, Markdown punctuation escaped,
and ``@name``/``!name`` broken with a zero-width space so a post cannot ping a channel
(Discord ``@everyone``, Slack ``<!here>``). Untrusted text never starts a line, so it can
only ever be inline text. URLs of posts that are not plain http(s) are left out. Pure: no
I/O, no clock.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal
from urllib.parse import quote, urlsplit

from signalroom.alerting.model import Alert
from signalroom.detectors.base import DetectorName
from signalroom.errors import ValidationError

MAX_TITLE_CHARS: Final = 120
MAX_TOPIC_CHARS: Final = 60
MAX_SUBJECT_CHARS: Final = 60
MAX_SUMMARY_CHARS: Final = 400
MAX_AUTHOR_CHARS: Final = 50
MAX_POST_CHARS: Final = 200
MAX_POSTS: Final = 3
MAX_URL_CHARS: Final = 500

DETECTOR_PHRASES: Final[dict[DetectorName, str]] = {
    "spike": "Volume spike",
    "sentiment": "Negative sentiment surge",
    "keyword": "Keyword alert",
    "influencer": "Influential author",
    "trend": "New trend",
    "manual": "Escalated by hand",
}

# Bidirectional overrides and marks can make a post's text read backwards or hide a
# URL's real host; they carry no meaning in a notification.
_INVISIBLE: Final = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)
_ALWAYS_ESCAPED: Final = frozenset("\\`*[]<>")
_ZERO_WIDTH_SPACE: Final = "\u200b"
_URL_SAFE: Final = ":/?#[]@!$&'()*+,;=%-._~"
_MARKDOWN_TOKEN: Final = re.compile(r"\\([!-/:-@\[-`{-~])|\*\*|<(https?://[^<>\s]*)>")


@dataclass(frozen=True, slots=True)
class NotificationContext:
    """What the notification says besides the alert itself (the evidence summary).

    ``top_posts`` are ``(author, text, url)``, best first; only the first three are
    shown. ``level`` is 1-based, as people count (``Notification.level + 1``). ``ack_url`` and ``console_url`` may
    be empty when no public URL is configured.
    """

    topic_name: str
    summary: str
    level: int
    policy: str = ""
    repeat: int = 0
    """0 on the first pass through the policy's levels, then 1, 2..."""
    top_posts: Sequence[tuple[str, str, str]] = ()
    ack_url: str = ""
    console_url: str = ""


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """One notification, ready for an outbox draft: ``title`` is plain text; ``markdown``
    is the body to store; ``text`` is the same body without markup."""

    title: str
    text: str
    markdown: str


SpanKind = Literal["plain", "strong", "link", "markup"]


@dataclass(frozen=True, slots=True)
class _Span:
    kind: SpanKind
    value: str


def render_notification(alert: Alert, context: NotificationContext) -> RenderedMessage:
    """The title and both body flavours for one notification about ``alert``.

    Raises ValidationError when ``ack_url`` or ``console_url`` is set but is not an
    http(s) URL (they come from our settings, so that is a configuration mistake), or
    when ``level`` is below 1.
    """
    if context.level < 1:
        raise ValidationError(f"must be 1 or more, got {context.level}", "level")
    ack = _own_url(context.ack_url, "ack_url")
    console = _own_url(context.console_url, "console_url")
    title = headline(alert, context.topic_name)

    # The title travels beside the body on every target, so the body does not repeat it.
    lines: list[list[_Span]] = []
    if ack:
        lines.append([_Span("strong", "Acknowledge:"), _Span("plain", " "), _Span("link", ack)])
    elif console:
        lines.append([_Span("plain", "Acknowledge in the console: "), _Span("link", console)])
    else:
        lines.append([_Span("plain", "Acknowledge in the Signalroom console.")])
    lines.append([])
    since = datetime.fromtimestamp(alert.triggered_at, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    where = f"Level {context.level}"
    if context.repeat > 0:
        where += f" (repeat {context.repeat})"
    policy = sanitize(context.policy, MAX_TOPIC_CHARS)
    if policy:
        where += f" of policy {policy}"
    lines.append([_Span("plain", f"{where}, open since {since}")])
    summary = sanitize(context.summary, MAX_SUMMARY_CHARS) or sanitize(
        alert.latest.reason, MAX_SUMMARY_CHARS
    )
    if summary:
        lines += [[], [_Span("strong", "Why:"), _Span("plain", f" {summary}")]]
    posts = [_post_line(*post) for post in context.top_posts[:MAX_POSTS]]
    if posts:
        lines += [[], [_Span("strong", "Top posts")], [], *posts]
    if console and ack:
        lines += [[], [_Span("plain", "Console: "), _Span("link", console)]]
    return RenderedMessage(
        title=title,
        text="\n".join(_line_text(line) for line in lines),
        markdown="\n".join(_line_markdown(line) for line in lines),
    )


def headline(alert: Alert, topic_name: str) -> str:
    """``[CRITICAL] Volume spike in Acme Air: #recall``: plain text of about 120 characters
    at most, with mentions broken as in post text (a subject may be a handle)."""
    phrase = DETECTOR_PHRASES.get(alert.detector, alert.detector)
    topic = _defang(sanitize(topic_name, MAX_TOPIC_CHARS)) or f"topic {alert.topic_id}"
    subject = _defang(sanitize(alert.subject, MAX_SUBJECT_CHARS))
    text = f"[{alert.severity.upper()}] {phrase} in {topic}"
    return _cap(f"{text}: {subject}" if subject else text, MAX_TITLE_CHARS)


def sanitize(text: str, limit: int) -> str:
    """Untrusted text made safe to show on one line: no control, format-override or
    line-separator characters, whitespace collapsed, at most ``limit`` characters."""
    kept: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if char in _INVISIBLE or category == "Cs":
            continue
        if category in ("Cc", "Zl", "Zp") or char.isspace():
            kept.append(" ")
        else:
            kept.append(char)
    return _cap(" ".join("".join(kept).split()), limit)


def escape_markdown(text: str) -> str:
    """Inline Markdown that renders as exactly ``text``.

    Escapes only what makes markup in the middle of a line, so Slack (which shows some
    backslashes literally) stays readable: ``_`` inside a word, as in ``some_user``, is
    left alone because no Markdown flavour reads it as emphasis.
    """
    out: list[str] = []
    for index, char in enumerate(text):
        if char in _ALWAYS_ESCAPED:
            out.append("\\" + char)
        elif char == "_" and not (_is_word(text, index - 1) and _is_word(text, index + 1)):
            out.append("\\_")
        else:
            out.append(char)
    return "".join(out)


def markdown_to_text(markdown: str) -> str:
    """The plain flavour of a body this module rendered: escapes undone, bold markers
    dropped, autolinks shown as their URL."""

    def plain(match: re.Match[str]) -> str:
        return match.group(1) or match.group(2) or ""

    return _MARKDOWN_TOKEN.sub(plain, markdown)


def _post_line(author: str, text: str, url: str) -> list[_Span]:
    name = sanitize(author, MAX_AUTHOR_CHARS) or "unknown author"
    spans = [_Span("markup", "- "), _Span("strong", name), _Span("plain", ":")]
    excerpt = sanitize(text, MAX_POST_CHARS)
    if excerpt:
        spans.append(_Span("plain", f" {excerpt}"))
    link = _post_url(url)
    if link:
        spans += [_Span("plain", " "), _Span("link", link)]
    return spans


def _line_markdown(line: list[_Span]) -> str:
    parts: list[str] = []
    for span in line:
        if span.kind == "strong":
            parts.append(f"**{escape_markdown(_defang(span.value))}**")
        elif span.kind == "plain":
            parts.append(escape_markdown(_defang(span.value)))
        else:
            parts.append(f"<{span.value}>" if span.kind == "link" else span.value)
    return "".join(parts)


def _line_text(line: list[_Span]) -> str:
    return "".join(
        _defang(span.value) if span.kind in ("plain", "strong") else span.value for span in line
    )


def _own_url(url: str, field: str) -> str:
    if not url:
        return ""
    cleaned = _clean_url(url)
    if cleaned is None:
        raise ValidationError("must be an http(s) URL", field)
    return cleaned


def _post_url(url: str) -> str:
    return _clean_url(url) or ""


def _clean_url(url: str) -> str | None:
    """An http(s) URL safe inside ``<...>``: unsafe characters percent-encoded; None
    when it is not http(s), has no host, or is too long to be worth showing."""
    text = url.strip()
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in text):
        return None
    encoded = quote(text, safe=_URL_SAFE)
    try:
        parts = urlsplit(encoded)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if len(encoded) > MAX_URL_CHARS:
        return None
    return encoded


def _defang(text: str) -> str:
    # A zero-width space after @ or ! keeps "@everyone" and "!here" readable but inert.
    return re.sub(r"([@!])(?=\w)", "\\1" + _ZERO_WIDTH_SPACE, text)


def _is_word(text: str, index: int) -> bool:
    return 0 <= index < len(text) and text[index].isalnum()


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 3 // 4:
        cut = cut[:space]
    return cut.rstrip() + "…"
