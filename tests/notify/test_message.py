"""Rendering notifications: layout, and what untrusted post text can and cannot do."""

from __future__ import annotations

import re

import pytest
from apprise.conversion.format import markdown_to_html
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signalroom.errors import ValidationError
from signalroom.notify.message import (
    MAX_POST_CHARS,
    MAX_TITLE_CHARS,
    NotificationContext,
    escape_markdown,
    headline,
    markdown_to_text,
    render_notification,
    sanitize,
)
from tests.alerting.factory import open_alert

ACK = "https://sr.example/ack/dG9rZW4.c2ln"
CONSOLE = "https://sr.example/alerts/abc-1"
ALLOWED_TAGS = {"p", "strong", "a", "ul", "li"}

fragments = st.one_of(
    st.characters(),
    st.sampled_from(list("*_`[]()<>\\#!@&|\n~")),
    st.sampled_from(["<script>", "](javascript:x)", "<!here>", "@everyone", "\u202e", "**"]),
)
hostile_text = st.lists(fragments, max_size=40).map("".join)
hostile_posts = st.lists(st.tuples(hostile_text, hostile_text, hostile_text), max_size=4)


def context(**changes: object) -> NotificationContext:
    fields: dict[str, object] = {
        "topic_name": "Kestrava Air",
        "summary": "Mentions rose to 120 in the last hour, six times the usual.",
        "level": 2,
        "policy": "comms-oncall",
        "top_posts": [("@pilot_jo", "Delayed again, third time this week", "https://bsky.app/p/1")],
        "ack_url": ACK,
        "console_url": CONSOLE,
    }
    fields.update(changes)
    return NotificationContext(**fields)  # type: ignore[arg-type]


def test_render_puts_the_ack_link_first() -> None:
    message = render_notification(open_alert(severity="critical"), context())

    assert message.title == "[CRITICAL] Volume spike in Kestrava Air"
    assert message.markdown.splitlines()[0] == f"**Acknowledge:** <{ACK}>"
    assert message.text.splitlines()[0] == f"Acknowledge: {ACK}"
    assert message.text == (
        f"Acknowledge: {ACK}\n"
        "\n"
        "Level 2 of policy comms-oncall, open since 2023-11-14 22:13 UTC\n"
        "\n"
        "Why: Mentions rose to 120 in the last hour, six times the usual.\n"
        "\n"
        "Top posts\n"
        "\n"
        "- @\u200bpilot_jo: Delayed again, third time this week https://bsky.app/p/1\n"
        "\n"
        f"Console: {CONSOLE}"
    )


def test_render_without_public_url_points_to_the_console() -> None:
    alert = open_alert()

    with_console = render_notification(alert, context(ack_url=""))
    with_nothing = render_notification(alert, context(ack_url="", console_url=""))

    assert with_console.text.splitlines()[0] == f"Acknowledge in the console: {CONSOLE}"
    assert "Console:" not in with_console.text
    assert with_nothing.text.splitlines()[0] == "Acknowledge in the Signalroom console."


def test_render_names_a_repeat_and_falls_back_to_the_finding_reason() -> None:
    message = render_notification(open_alert(), context(repeat=1, policy="", summary=" "))

    assert "Level 2 (repeat 1), open since" in message.text
    assert "Why: 120 posts in the last hour, expected 5 to 45" in message.text


def test_render_subject_in_title_and_mentions_broken() -> None:
    # Influential authors of a topic are one alert without a subject; a trend has one.
    alert = open_alert(detector="trend", subject="@everyone")

    title = headline(alert, "Kestrava Air")

    assert title.startswith("[WARNING] ")
    assert title.endswith(" in Kestrava Air: @\u200beveryone")


def test_render_refuses_our_own_urls_when_not_http() -> None:
    with pytest.raises(ValidationError, match="ack_url"):
        render_notification(open_alert(), context(ack_url="javascript:alert(1)"))
    with pytest.raises(ValidationError, match="console_url"):
        render_notification(open_alert(), context(console_url="ftp://sr.example/"))
    with pytest.raises(ValidationError, match="level"):
        render_notification(open_alert(), context(level=0))


def test_render_drops_post_urls_that_are_not_http() -> None:
    posts = [
        ("a", "one", "javascript:alert(1)"),
        ("b", "two", "data:text/html,<b>x</b>"),
        ("c", "three", "https://ok.example/p?q=a b<c>"),
    ]

    message = render_notification(open_alert(), context(top_posts=posts))

    assert "javascript" not in message.markdown
    assert "data:" not in message.markdown
    assert "<https://ok.example/p?q=a%20b%3Cc%3E>" in message.markdown


def test_render_shows_three_posts_at_most_with_capped_text() -> None:
    posts = [(f"user{n}", "word " * 200, f"https://e.example/{n}") for n in range(5)]

    message = render_notification(open_alert(), context(top_posts=posts))

    lines = [line for line in message.text.splitlines() if line.startswith("- ")]
    assert len(lines) == 3
    assert all("…" in line for line in lines)
    assert all(len(line) < MAX_POST_CHARS + 60 for line in lines)


def test_sanitize_drops_controls_and_direction_overrides() -> None:
    assert sanitize("a\x00b\x1b[31mc\u202edcba\u2066\nnext\u2028line\t!", 100) == (
        "a b [31mcdcba next line !"
    )
    assert sanitize("x" * 50, 10) == "xxxxxxxxx…"
    assert sanitize("alpha beta gamma delta", 20) == "alpha beta gamma…"


def test_escape_markdown_leaves_intraword_underscores() -> None:
    assert escape_markdown("some_user _emph_ *b* [l](u) <h> `c` \\") == (
        "some_user \\_emph\\_ \\*b\\* \\[l\\](u) \\<h\\> \\`c\\` \\\\"
    )


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(topic=hostile_text, summary=hostile_text, policy=hostile_text, posts=hostile_posts)
def test_render_untrusted_text_cannot_add_markup(
    topic: str, summary: str, policy: str, posts: list[tuple[str, str, str]]
) -> None:
    message = render_notification(
        open_alert(), context(topic_name=topic, summary=summary, policy=policy, top_posts=posts)
    )

    # The plain flavour is exactly the Markdown with its markup taken off.
    assert markdown_to_text(message.markdown) == message.text
    # What the e-mail target renders holds only the tags we wrote, and only our links.
    html = markdown_to_html(message.markdown)
    assert {tag.lower() for tag in re.findall(r"</?([A-Za-z][A-Za-z0-9]*)", html)} <= ALLOWED_TAGS
    hrefs = re.findall(r'<a href="([^"]*)"', html)
    autolinks = re.findall(r"(?<!\\)<(https?://[^<>\s]*)>", message.markdown)
    assert hrefs == [link.replace("&", "&amp;") for link in autolinks]
    assert hrefs[0] == ACK
    assert hrefs[-1] == CONSOLE
    # One item per post, one line per block: nothing from a post starts a line of its own.
    assert len([line for line in message.text.splitlines() if line.startswith("- ")]) == min(
        len(posts), 3
    )
    assert not any(char in message.text for char in "\x00\x1b\u202e\r")
    assert "@everyone" not in message.text
    assert len(message.title) <= MAX_TITLE_CHARS + 10
