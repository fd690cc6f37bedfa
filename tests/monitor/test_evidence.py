"""Evidence: the posts, terms and authors behind a finding, and the summary built from them."""

from __future__ import annotations

from signalroom.detectors.base import Finding
from signalroom.models import Author, EnrichedPost, Enrichment, Post, Sentiment, SentimentLabel
from signalroom.monitor.evidence import EvidenceLimits, build_evidence

T0 = 1_699_920_000.0


def item(
    n: int,
    text: str,
    *,
    handle: str = "someone",
    followers: int = 100,
    reach: int = 100,
    label: SentimentLabel = "negative",
    hashtags: tuple[str, ...] = (),
) -> EnrichedPost:
    return EnrichedPost(
        post=Post(
            source="demo",
            native_id=str(n),
            url=f"https://example.test/{n}",
            author=Author(handle=handle, followers=followers),
            text=text,
            created_at=T0 - n,
            received_at=T0,
        ),
        enrichment=Enrichment(
            lang="en",
            lang_confidence=1.0,
            sentiment=Sentiment(label=label, score=-0.5),
            hashtags=hashtags,
            mentions=(),
            links=(),
            reach=reach,
            model_version="t",
        ),
        topics=(1,),
    )


def surge(observed: float = 48.0) -> Finding:
    return Finding(
        detector="sentiment",
        onset=T0,
        observed=observed,
        expected=6.0,
        band_low=2.0,
        band_high=11.0,
        score=9.0,
        severity="critical",
        reason="48 of 60 posts negative",
    )


def test_evidence_of_a_negative_surge_cites_the_negative_posts_most_read_first() -> None:
    posts = [
        item(1, "Kestrava lost my luggage, I want a refund", hashtags=("lostluggage",)),
        item(
            2,
            "Kestrava Air lost luggage again, refund please",
            handle="travelwatch",
            followers=1_200_000,
            reach=900_000,
            hashtags=("lostluggage",),
        ),
        item(3, "Kestrava is great", label="positive", reach=5_000_000, handle="fan"),
        item(4, "No refund from Kestrava", handle="someone"),
    ]
    evidence = build_evidence(surge(), "Kestrava Air", posts, window=(T0 - 3540, T0 + 60))
    assert [p.author for p in evidence.top_posts] == ["travelwatch", "someone", "someone"]
    assert [(t.term, t.count) for t in evidence.top_terms] == [
        ("refund", 3),
        ("#lostluggage", 2),
        ("lost", 2),
        ("luggage", 2),
    ]
    assert [(a.handle, a.posts) for a in evidence.top_authors] == [
        ("travelwatch", 1),
        ("someone", 2),
    ]
    assert evidence.summary == (
        "Negative posts about Kestrava Air rose to 48 in the last hour, against 6 expected "
        "(usual range 2–11). Most mention “refund” and #lostluggage. "
        "The most-read came from @travelwatch (1.2M followers)."
    )


def test_evidence_of_an_influencer_keeps_their_posts_only_and_names_them() -> None:
    finding = Finding(
        detector="influencer",
        onset=T0,
        observed=250_000,
        expected=0,
        band_low=0,
        band_high=49_999,
        score=5,
        severity="warning",
        reason="@critic posted negatively",
        subject="Critic",
    )
    posts = [item(1, "meh", handle="critic", followers=250_000), item(2, "bad", handle="other")]
    evidence = build_evidence(
        finding, "Acme", posts, window=(T0 - 3600, T0), limits=EvidenceLimits(posts=1)
    )
    assert [p.author for p in evidence.top_posts] == ["critic"]
    assert evidence.summary == "@Critic, followed by 250K, posted negatively about Acme."


def test_evidence_without_posts_still_states_the_numbers() -> None:
    evidence = build_evidence(surge(), "Acme", [], window=(T0 - 600, T0 + 60))
    assert evidence.top_posts == ()
    assert evidence.top_terms == ()
    assert evidence.summary.startswith("Negative posts about Acme rose to 48 in the last 11 min")
