"""The demo scenario: deterministic, multilingual, paced, eventful, resumable, and every
payload a valid generic post that the default topics pick up."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import string
from collections import Counter
from collections.abc import Iterator
from functools import cache
from itertools import islice, pairwise
from typing import Any

import msgspec
import pytest

from signalroom.clock import ManualClock, SystemClock
from signalroom.errors import ConfigError, SourceError
from signalroom.models import Post, RawItem
from signalroom.nlp.linear_sentiment import LinearSentiment
from signalroom.pipeline.normalize import normalize
from signalroom.query import MatchDoc, compile_query, parse_query
from signalroom.sources import demo_vocab
from signalroom.sources.demo import (
    DemoScenario,
    DemoSource,
    GeneratedPost,
    ScenarioGenerator,
    default_topics,
    generate_payloads,
)

# Events far out of the way, for tests about the baseline alone.
QUIET = DemoScenario(campaign_at_s=1e6, crisis_at_s=1e6, cycle_s=1e7)


def posts_until(scenario: DemoScenario, at_s: float) -> list[GeneratedPost]:
    generator = ScenarioGenerator(scenario)
    posts = []
    while generator.elapsed_s < at_s:
        posts.append(generator.next())
    return posts


@cache
def default_run() -> tuple[GeneratedPost, ...]:
    """The default scenario's first 600 simulated seconds: baseline, campaign and crisis."""
    return tuple(posts_until(DemoScenario(), 600.0))


def decoded(post: GeneratedPost) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(post.payload)
    return data


def as_post(payload: bytes) -> Post:
    outcome = normalize(RawItem(source="demo", payload=payload, received_at=0.0))
    assert isinstance(outcome, Post), outcome
    return outcome


def rate(posts: list[GeneratedPost], start_s: float, end_s: float) -> float:
    return sum(1 for p in posts if start_s <= p.at_s < end_s) / (end_s - start_s)


# -- the generator -------------------------------------------------------------------


def test_generate_payloads_is_deterministic_for_a_seed() -> None:
    first = list(generate_payloads(DemoScenario(seed=3), 3000))
    again = list(generate_payloads(DemoScenario(seed=3), 3000))
    other = list(generate_payloads(DemoScenario(seed=4), 3000))
    assert first == again
    assert first != other


def test_generate_payloads_numbers_ids_after_start_seq() -> None:
    ids = [json.loads(p)["id"] for p in generate_payloads(DemoScenario(seed=9), 3, start_seq=41)]
    assert ids == ["demo-9-42", "demo-9-43", "demo-9-44"]


def test_generator_resumes_without_repeating_ids_or_posts() -> None:
    scenario = DemoScenario()
    before = [json.loads(p) for p in generate_payloads(scenario, 500)]
    after = [json.loads(p) for p in generate_payloads(scenario, 500, start_seq=500)]
    assert len({p["id"] for p in before} | {p["id"] for p in after}) == 1000
    assert after[0]["id"] == "demo-7-501"
    assert [p["text"] for p in before[:20]] != [p["text"] for p in after[:20]]
    again = [json.loads(p) for p in generate_payloads(scenario, 500, start_seq=500)]
    assert again == after


def test_every_payload_normalises_to_a_post_with_known_parents() -> None:
    seen: set[str] = set()
    for generated in default_run():
        post = as_post(generated.payload)
        assert post.native_id == f"demo-7-{generated.seq}"
        assert "{" not in post.text, post.text  # no template slot left unfilled
        for parent in (post.reply_to, post.quote_of, post.repost_of):
            assert parent is None or parent in seen, (parent, post)
        seen.add(post.id)


def test_generator_writes_four_languages_mostly_english() -> None:
    languages = Counter(p.lang for p in default_run())
    total = sum(languages.values())
    assert set(languages) == {"en", "hu", "es", "de"}
    assert languages["en"] / total > 0.5
    for lang in ("hu", "es", "de"):
        assert languages[lang] / total > 0.05, languages
    hints = Counter(decoded(p).get("lang") for p in default_run()[:2000])
    assert hints[None] > 0, "some posts leave the language to detection"


def test_generator_keeps_the_rate_in_simulated_time() -> None:
    posts = list(islice(_generated(QUIET), 6000))
    elapsed = posts[-1].at_s
    assert 6000 / elapsed == pytest.approx(QUIET.rate_per_s, rel=0.05)
    gaps = [b.at_s - a.at_s for a, b in pairwise(posts)]
    assert min(gaps) >= 0
    assert max(gaps) > 3 / QUIET.rate_per_s, "arrivals are jittered, not a metronome"


def test_generator_stamps_created_at_from_simulated_time() -> None:
    scenario = DemoScenario(start=1_767_225_600.0)
    for generated in islice(_generated(scenario), 200):
        post = as_post(generated.payload)
        assert post.created_at == pytest.approx(scenario.start + generated.at_s, abs=0.002)


def test_generator_mixes_replies_reposts_news_and_links() -> None:
    posts = default_run()
    kinds = Counter(p.kind for p in posts)
    for kind in ("brand", "reply", "repost", "news", "compare", "support", "campaign"):
        assert kinds[kind] > 0, kinds
    texts = [decoded(p)["text"] for p in posts]
    assert any("#" in t for t in texts)
    assert any(re.search(r"@\w", t) for t in texts)
    assert any("https://" in t for t in texts)
    assert any(any(e in t for e in demo_vocab.EMOJI["positive"]) for t in texts)
    news = [decoded(p) for p in posts if p.kind == "news"]
    assert all(n["title"] and re.match(r"https://[a-z]+\.example/", n["url"]) for n in news)


def test_generator_draws_authors_with_a_heavy_tailed_reach() -> None:
    authors = {}
    for generated in islice(_generated(QUIET), 20_000):
        author = decoded(generated)["author"]
        authors[author["handle"]] = author["followers"]
    reach = list(authors.values())
    small = sum(1 for f in reach if 10 <= f <= 1_000)
    middle = sum(1 for f in reach if 10_000 <= f <= 100_000)
    huge = sum(1 for f in reach if f >= 1_000_000)
    assert small / len(reach) > 0.6
    assert middle > 20
    assert huge >= 3


def test_generator_skips_ahead_without_telling_the_skipped_past() -> None:
    generator = ScenarioGenerator(DemoScenario())
    generator.skip_to(3600.0)  # four cycles later, between events
    posts = [generator.next() for _ in range(200)]
    assert posts[0].at_s >= 3600.0
    assert not [p for p in posts if p.kind in ("launch", "root", "statement")]


def test_generator_still_opens_an_event_it_skipped_into() -> None:
    generator = ScenarioGenerator(DemoScenario())
    # Ten seconds into the second cycle's crisis, near the end of its campaign.
    generator.skip_to(900.0 + 250.0)
    posts = [generator.next() for _ in range(50)]
    assert {p.kind for p in posts[:2]} == {"launch", "root"}
    assert [p.at_s for p in posts[:2]] == [1150.0, 1150.0]
    assert [p.kind for p in posts].count("root") == 1


def test_campaign_raises_the_hashtag_volume_mostly_positive() -> None:
    posts = list(default_run())
    tag = demo_vocab.CAMPAIGN_TAG

    def tagged(start_s: float, end_s: float) -> list[GeneratedPost]:
        return [p for p in posts if start_s <= p.at_s < end_s and tag in decoded(p)["text"]]

    before = len(tagged(0, 120)) / 120
    during = tagged(140, 260)
    assert len(during) / 120 > 4 * before
    tones = Counter(p.tone for p in during)
    assert tones["positive"] > 0.6 * len(during)
    launches = [p for p in posts if p.kind == "launch"]
    assert launches
    assert 120 <= launches[0].at_s < 125
    assert decoded(launches[0])["author"]["handle"] == demo_vocab.OURS.handle


def test_campaign_best_posts_come_from_high_reach_authors() -> None:
    posts = list(default_run())
    surge = [decoded(p) for p in posts if p.kind == "campaign" and 130 <= p.at_s < 280]
    base = [decoded(p) for p in islice(_generated(QUIET), 20_000) if p.kind == "campaign"]

    def high_reach_share(items: list[dict[str, Any]]) -> float:
        return sum(1 for i in items if i["author"]["followers"] >= 10_000) / len(items)

    assert high_reach_share(surge) > 2 * high_reach_share(base)


def test_crisis_goes_viral_with_volume_and_negativity() -> None:
    posts = list(default_run())

    def ours_negative(start_s: float, end_s: float) -> list[GeneratedPost]:
        return [
            p
            for p in posts
            if start_s <= p.at_s < end_s and p.brand == "ours" and p.tone == "negative"
        ]

    assert len(ours_negative(270, 400)) / 130 > 4 * len(ours_negative(0, 110)) / 110
    assert rate(posts, 270, 400) > 1.3 * rate(posts, 0, 110)

    (root,) = [p for p in posts if p.kind == "root"]
    assert 240 <= root.at_s < 245
    root_json = decoded(root)
    assert root_json["author"]["followers"] >= 1_000_000
    assert root.tone == "negative"
    assert root.lang == "en"
    in_crisis = [decoded(p) for p in posts if 240 <= p.at_s < 480]
    replies = [p for p in in_crisis if p.get("reply_to") == root_json["id"]]
    reposts = [p for p in in_crisis if p.get("repost_of") == root_json["id"]]
    assert len(replies) > 100
    assert len(reposts) > 100
    crisis_langs = {p.lang for p in posts if p.kind == "crisis" and p.tone == "negative"}
    assert crisis_langs == {"en", "hu", "es", "de"}
    outlets = {o.handle for group in demo_vocab.OUTLETS.values() for o in group}
    press = [
        p
        for p in in_crisis
        if p["author"]["handle"] in outlets and demo_vocab.OURS.name in p["title"]
    ]
    assert len(press) >= 3
    statements = [p for p in posts if p.kind == "statement"]
    assert {p.lang for p in statements} == {"en", "hu", "es", "de"}


def test_events_repeat_every_cycle() -> None:
    scenario = DemoScenario(
        rate_per_s=10,
        campaign_at_s=5,
        campaign_for_s=10,
        crisis_at_s=20,
        crisis_for_s=20,
        cycle_s=60,
    )
    posts = posts_until(scenario, 200)
    roots = [p.at_s for p in posts if p.kind == "root"]
    launches = [p.at_s for p in posts if p.kind == "launch" and p.lang == "en"]
    assert [round(t) for t in roots] == [21, 81, 141]
    assert [round(t, 1) for t in launches] == [5.5, 65.5, 125.5, 185.5]
    stories = [decoded(p)["text"] for p in posts if p.kind == "root"]
    assert len(set(stories)) == 3, "each cycle's crisis is a different story"


def test_posts_read_with_their_intended_tone_in_every_language() -> None:
    """The product's own sentiment model reads the generated tone, so the demo's charts
    show what the scenario means (a crisis is negative, a campaign positive)."""
    model = LinearSentiment.load()
    posts = [
        g
        for g in default_run()[:6000]
        if g.kind in ("brand", "campaign", "crisis") and g.tone != "neutral"
    ]
    sentiments = model.score_batch([decoded(g)["text"] for g in posts], [g.lang for g in posts])
    agree: Counter[tuple[str, str]] = Counter()
    total: Counter[tuple[str, str]] = Counter()
    for generated, sentiment in zip(posts, sentiments, strict=True):
        key = (generated.lang, generated.tone)
        total[key] += 1
        agree[key] += sentiment.label == generated.tone
    for key, count in total.items():
        if count >= 20:
            assert agree[key] / count > 0.85, (key, agree[key], count)


# -- topics --------------------------------------------------------------------------


def test_default_topics_have_the_expected_kinds_and_parse() -> None:
    topics = default_topics()
    assert Counter(t.kind for t in topics) == {
        "brand": 1,
        "competitor": 2,
        "campaign": 1,
        "risk": 1,
    }
    assert len({t.name for t in topics}) == len(topics)
    assert len({t.color.lower() for t in topics}) == len(topics)
    for topic in topics:
        assert re.fullmatch(r"#[0-9A-Fa-f]{6}", topic.color)
        assert "\n" not in topic.query
        parse_query(topic.query)


def test_default_topics_match_nearly_every_generated_post() -> None:
    compiled = {t.name: compile_query(parse_query(t.query)) for t in default_topics()}
    kinds = {t.name: t.kind for t in default_topics()}
    matched = 0
    by_kind: Counter[tuple[str, str]] = Counter()
    posts = default_run()[:8000]
    for generated in posts:
        post = as_post(generated.payload)
        doc = MatchDoc.build(
            text=post.text,
            title=post.title,
            author=post.author.handle,
            lang=generated.lang,
            source="demo",
            url=post.url,
        )
        hits = {kinds[name] for name, query in compiled.items() if query.matches(doc)}
        matched += bool(hits)
        for kind in hits:
            by_kind[(generated.kind, kind)] += 1
    assert matched / len(posts) >= 0.9
    crisis_complaints = sum(1 for p in posts if p.kind == "crisis" and p.tone == "negative")
    assert by_kind[("crisis", "risk")] >= 0.9 * crisis_complaints
    campaign = sum(1 for p in posts if p.kind == "campaign")
    assert by_kind[("campaign", "campaign")] == campaign
    assert by_kind[("hiring", "brand")] == 0, "job ads are excluded from brand topics"


def test_vocabulary_uses_only_known_slots_and_names_a_brand() -> None:
    known = {
        "brand", "full", "at", "other", "city", "city_to", "hub", "hours", "minutes", "gate",
        "flight", "euros", "tag", "parent", "link", "pe", "ne", "xe",
    }  # fmt: skip
    for template, must_name_brand in _templates():
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        assert fields <= known, template
        if must_name_brand:
            assert fields & {"brand", "full", "at", "tag"}, template


# -- the live source -----------------------------------------------------------------


def test_demo_source_streams_in_real_time_and_resumes_after_its_checkpoint() -> None:
    clock = SystemClock()

    async def take(source: DemoSource, since: str | None, count: int) -> list[RawItem]:
        items = []
        async for item in source.stream(since):
            items.append(item)
            if len(items) == count:
                break
        return items

    scenario = DemoScenario(rate_per_s=200, start=clock.now())
    source = DemoSource(scenario, clock)
    assert (source.name, source.kind) == ("demo", "demo")
    assert asyncio.run(source.check()).ok
    started = clock.now()
    first = asyncio.run(take(source, None, 10))
    assert [i.checkpoint for i in first] == [str(n) for n in range(1, 11)]
    assert all(i.source == "demo" for i in first)
    posts = [as_post(i.payload) for i in first]
    assert all(started - 1 <= i.received_at <= clock.now() for i in first)
    assert abs(posts[-1].created_at - first[-1].received_at) < 1.0
    resumed = asyncio.run(take(source, first[-1].checkpoint, 3))
    assert [as_post(i.payload).native_id for i in resumed] == [
        "demo-7-11",
        "demo-7-12",
        "demo-7-13",
    ]


def test_demo_source_catches_up_instead_of_flooding_when_started_late() -> None:
    clock = SystemClock()
    source = DemoSource(DemoScenario(rate_per_s=200, start=clock.now() - 3600), clock)

    async def first_item() -> RawItem:
        async for item in source.stream(None):
            return item
        raise AssertionError("the demo stream ended")

    item = asyncio.run(first_item())
    assert abs(as_post(item.payload).created_at - item.received_at) < 15


def test_demo_source_refuses_a_checkpoint_that_is_not_a_sequence_number() -> None:
    source = DemoSource(DemoScenario(), SystemClock())

    async def first_item() -> None:
        async for _ in source.stream("not-a-number"):
            break

    with pytest.raises(SourceError, match="not a sequence number"):
        asyncio.run(first_item())


@pytest.mark.parametrize(
    ("field", "value"),
    [("rate_per_s", 0.0), ("campaign_for_s", 0.0), ("crisis_at_s", -1.0), ("cycle_s", 0.0)],
)
def test_demo_scenario_refuses_bad_settings(field: str, value: float) -> None:
    changes: dict[str, Any] = {field: value}
    with pytest.raises(ConfigError, match=f"demo.{field}"):
        dataclasses.replace(DemoScenario(), **changes)


def test_generated_post_is_a_frozen_struct() -> None:
    generated = next(_generated(QUIET))
    with pytest.raises(AttributeError):
        generated.seq = 5  # type: ignore[misc]
    assert msgspec.json.decode(generated.payload)["id"] == "demo-7-1"


def _generated(scenario: DemoScenario) -> Iterator[GeneratedPost]:
    generator = ScenarioGenerator(scenario)
    while True:
        yield generator.next()


def _templates() -> Iterator[tuple[str, bool]]:
    for categories in demo_vocab.TEXTS.values():
        for category, texts in categories.items():
            for text in texts:
                yield text, category not in ("chatter", "support")
    for story in demo_vocab.STORIES:
        yield story.root_text, True
        yield story.resolved, False
        yield from ((q, True) for q in story.quotes)
        yield from ((a, False) for a in story.acknowledge.values())
        for by_category in story.texts.values():
            for crisis_texts in by_category.values():
                yield from ((t, True) for t in crisis_texts)
        for articles in story.news.values():
            for title, lede in articles:
                yield title, True
                yield lede, False
    for articles in demo_vocab.NEWS.values():
        for title, lede in articles:
            yield title, True
            yield lede, False
    for title, lede in demo_vocab.CAMPAIGN_NEWS.values():
        yield title, True
        yield lede, False
    yield from ((t, True) for t in demo_vocab.CAMPAIGN_LAUNCH.values())


def test_demo_source_backfills_calm_history_on_a_fresh_start() -> None:
    clock = ManualClock(1_800_000_000.0)
    scenario = DemoScenario(start=clock.now(), rate_per_s=20)
    source = DemoSource(scenario, clock, history_s=60)

    async def history() -> list[RawItem]:
        items = []
        async with asyncio.timeout(10):  # no real waiting: the past comes as fast as it can
            async for item in source.stream(None):
                items.append(item)
                if len(items) >= 1000:
                    return items
        return items

    items = asyncio.run(history())
    created = [as_post(item.payload).created_at for item in items]
    assert min(created) >= clock.now() - 61
    assert max(created) <= clock.now()
    # The scripted events keep their times relative to the present: the history runs at
    # the calm base rate (1,000 posts at 20/s take ~50 s), with no surge in it.
    assert max(created) - min(created) > 40


def test_demo_source_does_not_backfill_when_resuming() -> None:
    clock = ManualClock(1_800_000_000.0)
    source = DemoSource(DemoScenario(start=clock.now()), clock, history_s=600)

    async def first_item() -> RawItem:
        async for item in source.stream("42"):
            return item
        raise AssertionError("no item")

    item = asyncio.run(first_item())
    assert item.checkpoint == "43"
    assert as_post(item.payload).created_at >= clock.now()
