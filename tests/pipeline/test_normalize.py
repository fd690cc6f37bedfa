"""The generic post normalizer: what becomes a Post, what becomes a Reject and why."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.errors import RejectError
from signalroom.models import Post, RawItem, Reject
from signalroom.pipeline.normalize import normalize, normalize_generic

RECEIVED = 1_767_225_700.0


def item(payload: bytes | dict[str, Any], source: str = "webhook") -> RawItem:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return RawItem(source=source, payload=data, received_at=RECEIVED)


def minimal(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": "42",
        "author": {"handle": "ana"},
        "text": "hello",
        "created_at": "2026-01-01T00:00:00Z",
    }
    payload.update(changes)
    return payload


def reason_for(payload: bytes | dict[str, Any]) -> str:
    outcome = normalize(item(payload))
    assert isinstance(outcome, Reject), outcome
    return outcome.reason


def test_normalize_generic_reads_every_field() -> None:
    post = normalize_generic(
        item(
            {
                "id": "1789",
                "url": "https://social.example/@mira/1789",
                "author": {"handle": "mira", "name": "Mira Solvang", "followers": 2_400_000},
                "text": "check-in is down #KestravaDown",
                "title": "A title",
                "created_at": "2026-03-14T10:21:07.250+01:00",
                "engagement": {"likes": 5, "reposts": 4, "replies": 3, "quotes": 2},
                "reply_to": "1700",
                "quote_of": "1701",
                "repost_of": "1702",
                "media": ["https://media.social.example/1.jpg"],
                "lang": "en",
                "something_new": {"ignored": True},
            },
            source="demo",
        )
    )
    assert post.source == "demo"
    assert post.native_id == "1789"
    assert post.id == "demo:1789"
    assert post.url == "https://social.example/@mira/1789"
    assert (post.author.handle, post.author.name, post.author.followers) == (
        "mira",
        "Mira Solvang",
        2_400_000,
    )
    assert post.text == "check-in is down #KestravaDown"
    assert post.title == "A title"
    assert post.created_at == datetime(2026, 3, 14, 9, 21, 7, 250_000, tzinfo=UTC).timestamp()
    assert post.received_at == RECEIVED
    assert (post.engagement.likes, post.engagement.reposts) == (5, 4)
    assert (post.engagement.replies, post.engagement.quotes) == (3, 2)
    assert post.reply_to == "demo:1700"
    assert post.quote_of == "demo:1701"
    assert post.repost_of == "demo:1702"
    assert post.media == ("https://media.social.example/1.jpg",)
    assert post.lang_hint == "en"


def test_normalize_generic_reads_the_documented_example() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "post-format.md").read_text("utf-8")
    example = re.search(r"```json\n(.*?)```", doc, re.DOTALL)
    assert example is not None
    post = normalize_generic(item(example.group(1).encode()))
    assert post.author.handle == "mirawanders"
    assert post.media == ("https://media.social.example/1789/1.jpg",)


def test_normalize_generic_fills_defaults_when_optional_fields_are_absent_or_null() -> None:
    post = normalize_generic(
        item(minimal(url=None, title=None, engagement=None, reply_to="", media=None, lang=None))
    )
    assert post.url == ""
    assert post.title == ""
    assert post.author.name == ""
    assert post.author.followers == 0
    assert post.engagement.likes == 0
    assert post.reply_to is None
    assert post.media == ()
    assert post.lang_hint is None


@pytest.mark.parametrize(
    ("created_at", "expected"),
    [
        ("2026-01-01T00:00:00Z", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T02:00:00+02:00", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T00:00:00", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01", datetime(2026, 1, 1, tzinfo=UTC)),
        (1_767_225_600, datetime(2026, 1, 1, tzinfo=UTC)),
        (1_767_225_600.5, datetime(2026, 1, 1, 0, 0, 0, 500_000, tzinfo=UTC)),
    ],
)
def test_normalize_generic_reads_created_at_forms(created_at: Any, expected: datetime) -> None:
    assert normalize_generic(item(minimal(created_at=created_at))).created_at == (
        expected.timestamp()
    )


def test_normalize_generic_cleans_text() -> None:
    decomposed = unicodedata.normalize("NFD", "Jó reggelt, ő")
    post = normalize_generic(
        item(minimal(text=f"  {decomposed}\r\nline\rtwo\tend\x00\x07\x1b\x7f\x85  "))
    )
    assert post.text == "Jó reggelt, ő\nline\ntwo\tend"
    assert unicodedata.is_normalized("NFC", post.text)


def test_normalize_generic_makes_one_line_fields_single_line() -> None:
    post = normalize_generic(
        item(
            minimal(
                title="  Breaking:\n\tbig   news ",
                author={"handle": "@ana", "name": "Ana\u2003 Kovács\x00"},
            )
        )
    )
    assert post.title == "Breaking: big news"
    assert post.author.handle == "ana"
    assert post.author.name == "Ana Kovács"


def test_normalize_generic_accepts_a_title_without_text() -> None:
    post = normalize_generic(item(minimal(text="", title="Headline only")))
    assert (post.text, post.title) == ("", "Headline only")


@pytest.mark.parametrize(
    ("hint", "expected"), [("en", "en"), ("EN", "en"), ("pt_BR", "pt"), ("zh-Hant-TW", "zh")]
)
def test_normalize_generic_keeps_the_primary_language_subtag(hint: str, expected: str) -> None:
    assert normalize_generic(item(minimal(lang=hint))).lang_hint == expected


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (minimal(author={}), "author.handle: missing"),
        ({"author": {"handle": "a"}, "text": "x", "created_at": 0}, "id: missing"),
        (minimal(created_at="yesterday"), "created_at: not a date: 'yesterday'"),
        (minimal(created_at="xyz"), "created_at: not a date: 'xyz'"),
        (
            minimal(created_at=1_767_225_600_000),
            "created_at: out of range 1970..9999: 1767225600000.0 (epoch milliseconds? send seconds)",
        ),
        (minimal(created_at=-5), "created_at: out of range 1970..9999: -5.0"),
        (
            minimal(created_at=True),
            "created_at: expected an ISO 8601 string or epoch seconds, got bool",
        ),
        (minimal(engagement={"likes": -1}), "engagement.likes: expected int >= 0"),
        (minimal(author={"handle": "a", "followers": "many"}), "author.followers: expected int | null, got str"),
        (minimal(text="x" * 100_001), "text: longer than 100000 characters"),
        (minimal(id="x" * 201), "id: longer than 200 characters"),
        (minimal(reply_to="x" * 201), "reply_to: longer than 200 characters"),
        (minimal(id=""), "id: empty"),
        (minimal(id="a\nb"), "id: contains control characters: 'a\\nb'"),
        (minimal(id=42), "id: expected str, got int"),
        (minimal(text="", title=""), "text: empty and no title"),
        (minimal(text=" \n\t "), "text: empty and no title"),
        (minimal(author={"handle": "  "}), "author.handle: empty"),
        (minimal(author={"handle": "two words"}), "author.handle: contains whitespace: 'two words'"),
        (minimal(url="javascript:alert(1)"), "url: not an http(s) URL: 'javascript:alert(1)'"),
        (minimal(url="https://"), "url: not an http(s) URL: 'https://'"),
        (minimal(url="https://a.example/x y"), "url: contains whitespace or control characters: 'https://a.example/x y'"),
        (minimal(media=["data:image/png;base64,AAAA"]), "media[0]: not an http(s) URL: 'data:image/png;base64,AAAA'"),
        (minimal(media=["https://a.example/1.jpg"] * 51), "media: longer than 50 items"),
        (minimal(lang="english"), "lang: not a language code: 'english'"),
        ([1, 2], "not a JSON object: got array"),
        (b'{"id": ', "not JSON: input data was truncated"),
        (b"", "not JSON: input data was truncated"),
        (b"\xff\xfe", "not UTF-8: invalid start byte at byte 0"),
        (b'{"id": "1", "x": "\xc3"}', "not UTF-8: invalid continuation byte at byte 18"),
    ],
)  # fmt: skip
def test_normalize_rejects_with_a_precise_reason(payload: Any, reason: str) -> None:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    assert reason_for(data) == reason


def test_normalize_rejects_a_lone_surrogate() -> None:
    payload = json.dumps(minimal(text="cut \ud83d")).encode()
    assert reason_for(payload).startswith("not JSON: ")


def test_normalize_rejects_an_oversized_payload() -> None:
    assert reason_for(b" " * 2_000_001) == "payload: larger than 2000000 bytes"


def test_normalize_generic_raises_reject_error() -> None:
    with pytest.raises(RejectError) as raised:
        normalize_generic(item(minimal(author={})))
    assert raised.value.reason == "author.handle: missing"


def test_normalize_keeps_the_payload_and_source_of_a_reject() -> None:
    raw = item(b"oops", source="file")
    outcome = normalize(raw)
    assert outcome == Reject(
        source="file",
        reason="not JSON: invalid character (byte 0)",
        payload=b"oops",
        received_at=RECEIVED,
    )


@pytest.mark.parametrize("source", ["demo", "webhook", "file"])
def test_normalize_uses_the_generic_format_for_its_source_kinds(source: str) -> None:
    outcome = normalize(item(minimal(), source=source))
    assert isinstance(outcome, Post)
    assert outcome.id == f"{source}:42"


def test_normalize_rejects_a_source_kind_without_normalizer() -> None:
    outcome = normalize(item(minimal(), source="myspace"))
    assert isinstance(outcome, Reject)
    assert outcome.reason == "no normalizer for source 'myspace'"
    assert outcome.payload == json.dumps(minimal()).encode()


# -- properties --------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=8,
)
field_names = st.sampled_from(
    ["id", "url", "author", "text", "title", "created_at", "engagement", "reply_to",
     "quote_of", "repost_of", "media", "lang", "handle", "name", "followers", "likes"]
)  # fmt: skip


@settings(max_examples=400)
@given(st.binary(max_size=300))
def test_normalize_turns_any_bytes_into_a_post_or_a_reject(data: bytes) -> None:
    outcome = normalize(item(data, source="demo"))
    assert isinstance(outcome, Post | Reject)
    if isinstance(outcome, Reject):
        assert outcome.reason
        assert outcome.payload == data


@settings(max_examples=200)
@given(st.dictionaries(field_names, json_values | st.dictionaries(field_names, json_values)))
def test_normalize_turns_any_json_object_into_a_post_or_a_reject(data: dict[str, Any]) -> None:
    outcome = normalize(item(json.dumps(data).encode(), source="webhook"))
    assert isinstance(outcome, Post | Reject)


native_ids = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=200)
clean_text = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp")), min_size=1, max_size=200
)
counts = st.integers(min_value=0, max_value=2**53 - 1)
instants = st.floats(min_value=0, max_value=253_402_300_799, allow_nan=False)


@st.composite
def generic_objects(draw: st.DrawFn) -> dict[str, Any]:
    instant = draw(instants)
    as_iso = draw(st.booleans())
    created_at: Any = datetime.fromtimestamp(instant, tz=UTC).isoformat() if as_iso else instant
    return {
        "id": draw(native_ids),
        "url": draw(st.sampled_from(["", "https://a.example/p/1", "http://b.example"])),
        "author": {
            "handle": draw(st.from_regex(r"[a-z0-9_.]{1,30}", fullmatch=True)),
            "name": draw(clean_text),
            "followers": draw(counts),
        },
        "text": draw(clean_text),
        "title": draw(st.sampled_from(["", "A headline"])),
        "created_at": created_at,
        "engagement": {
            "likes": draw(counts),
            "reposts": draw(counts),
            "replies": draw(counts),
            "quotes": draw(counts),
        },
        "reply_to": draw(st.none() | native_ids),
        "quote_of": draw(st.none() | native_ids),
        "repost_of": draw(st.none() | native_ids),
        "media": draw(st.lists(st.just("https://m.example/1.jpg"), max_size=3)),
        "lang": draw(st.sampled_from(["en", "hu", "es", "de", None])),
    }


@settings(max_examples=300)
@given(generic_objects())
def test_normalize_round_trips_a_valid_object(data: dict[str, Any]) -> None:
    post = normalize_generic(item(json.dumps(data).encode(), source="demo"))
    assert post.native_id == data["id"]
    assert post.url == data["url"]
    assert post.author.handle == data["author"]["handle"]
    assert post.author.name == unicodedata.normalize("NFC", data["author"]["name"])
    assert post.author.followers == data["author"]["followers"]
    assert post.text == unicodedata.normalize("NFC", data["text"])
    assert post.title == data["title"]
    expected_at = data["created_at"]
    if isinstance(expected_at, str):
        expected_at = datetime.fromisoformat(expected_at).timestamp()
    assert post.created_at == pytest.approx(expected_at, abs=1e-3)
    assert post.engagement.likes == data["engagement"]["likes"]
    assert post.engagement.quotes == data["engagement"]["quotes"]
    for name in ("reply_to", "quote_of", "repost_of"):
        native = data[name]
        assert getattr(post, name) == (f"demo:{native}" if native else None)
    assert post.media == tuple(data["media"])
    assert post.lang_hint == data["lang"]
