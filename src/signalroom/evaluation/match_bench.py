"""``signalroom bench match``: how fast the topic matcher runs with many topics.

Generates ``topics`` brand-like queries (ORs of words, phrases and hashtags, some ``NEAR``,
some ``NOT``, some wildcards, a few field operators) and ``posts`` synthetic posts from a
made-up vocabulary (no dataset text), builds one :class:`TopicMatcher`, warms it up, then
times building a :class:`MatchDoc` and matching it, post by post, as the pipeline does.
Deterministic for a seed. Must not touch the network, the disk or any user data.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from signalroom.query import MatchDoc, TopicMatcher, parse_query

_ONSETS = ("b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "st")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ou", "é", "ő", "ü")
_CODAS = ("", "", "n", "r", "s", "l", "x", "nd", "rt")
_LANGS = ("en", "en", "en", "de", "fr", "hu", "es", "pt")
_SOURCES = ("bluesky", "mastodon", "rss", "reddit", "hackernews")
_SITES = ("news.example", "daily.example", "wire.example.org", "blog.example.net")
_WARM_UP_POSTS = 1000


@dataclass(frozen=True, slots=True)
class _Post:
    text: str
    title: str
    author: str
    lang: str
    source: str
    url: str


def run_match_bench(topics: int = 2000, posts: int = 20000, seed: int = 0) -> dict[str, float]:
    """Build the matcher for ``topics`` queries and time it over ``posts`` posts."""
    if topics < 1 or posts < 1:
        raise ValueError("topics and posts must be at least 1")
    rng = random.Random(seed)
    vocabulary = _words(rng, 6000)
    brands = _brand_names(rng, max(50, topics * 3 // 2))
    queries = [_query(rng, brands, vocabulary) for _ in range(topics)]
    corpus = [_post(rng, brands, vocabulary) for _ in range(posts)]

    started = time.perf_counter()
    matcher = TopicMatcher((topic_id, parse_query(text)) for topic_id, text in enumerate(queries))
    compile_s = time.perf_counter() - started

    for post in corpus[:_WARM_UP_POSTS]:
        matcher.match(_doc(post))
    started = time.perf_counter()
    for post in corpus:
        matcher.match(_doc(post))
    elapsed = time.perf_counter() - started
    return {
        "topics": float(topics),
        "posts": float(posts),
        "posts_per_s": round(posts / elapsed, 1),
        "compile_s": round(compile_s, 3),
    }


def _doc(post: _Post) -> MatchDoc:
    return MatchDoc.build(
        text=post.text,
        title=post.title,
        author=post.author,
        lang=post.lang,
        source=post.source,
        url=post.url,
    )


def _syllable(rng: random.Random) -> str:
    return rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)


def _words(rng: random.Random, count: int) -> list[str]:
    words: set[str] = set()
    while len(words) < count:
        words.add("".join(_syllable(rng) for _ in range(rng.choice((1, 2, 2, 3)))))
    return sorted(words)


def _brand_names(rng: random.Random, count: int) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        names.add("".join(_syllable(rng) for _ in range(rng.choice((2, 3)))) + rng.choice("qxyz"))
    return sorted(names)


def _common(rng: random.Random, vocabulary: list[str]) -> str:
    """A word with a Zipf-like skew: the head of the vocabulary is far more frequent."""
    return vocabulary[min(int(rng.paretovariate(1.1)) - 1, len(vocabulary) - 1)]


def _query(rng: random.Random, brands: list[str], vocabulary: list[str]) -> str:
    brand, other = rng.sample(brands, 2)
    word = _common(rng, vocabulary[40:])
    shape = rng.random()
    if shape < 0.35:
        excluded = " OR ".join(
            f'"{_common(rng, vocabulary)} {w}"' for w in rng.sample(vocabulary, 2)
        )
        return f'({brand} OR "{brand} {word}" OR #{brand}) NOT ({excluded})'
    if shape < 0.50:
        return f'(#{brand} OR "{brand} {word}") NEAR/10 (ad OR advert OR commercial)'
    if shape < 0.62:
        return f'@{brand} AND (refund OR "charged twice" OR {word[:3]}*) AND lang:en'
    if shape < 0.72:
        return f"{brand[:4]}* AND site:{rng.choice(_SITES)}"
    if shape < 0.84:
        return " OR ".join((brand, other, f"#{other}", f"{brand}-{word}"))
    if shape < 0.92:
        return f'"{brand} {word}"~3 OR title:{brand}'
    if shape < 0.96:
        return f"author:{brand[:3]}* OR (#{brand} AND source:{rng.choice(_SOURCES)})"
    return f"lang:hu AND ({brand} OR {other}) AND NOT {word}"


def _post(rng: random.Random, brands: list[str], vocabulary: list[str]) -> _Post:
    tokens = [_common(rng, vocabulary) for _ in range(rng.randint(6, 40))]
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        brand = rng.choice(brands)
        form = rng.random()
        mention = f"@{brand}" if form < 0.9 else f"@{brand}.bsky.social"
        shaped = brand.capitalize() if form < 0.5 else f"#{brand}" if form < 0.8 else mention
        tokens.insert(rng.randrange(len(tokens) + 1), shaped)
    if rng.random() < 0.2:
        tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(("ad", "commercial", "refund")))
    text = " ".join(tokens)
    if rng.random() < 0.5:
        text += rng.choice((".", "!", " 🙂", "?", " …"))
    source = rng.choice(_SOURCES)
    title = " ".join(_common(rng, vocabulary) for _ in range(5)) if source == "rss" else ""
    return _Post(
        text=text,
        title=title,
        author=f"{_common(rng, vocabulary)}.bsky.social",
        lang=rng.choice(_LANGS),
        source=source,
        url=f"https://{rng.choice(_SITES)}/p/{rng.randrange(10**9)}",
    )
