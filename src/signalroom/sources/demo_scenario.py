"""The demo scenario in simulated time: a seeded, self-contained social stream about three
invented airlines.

A baseline of Poisson arrivals (brand talk in four languages, rivals, comparisons, news,
replies, reposts, the support desk answering) carries two scripted events that repeat every
``cycle_s``: a campaign surge (the campaign hashtag rises several-fold, mostly positive,
its best posts from high-reach authors) and a crisis (an influential author's complaint
goes viral: reposts, replies, quotes, more complaints in every language, the brand's
apology, the press picking it up). Payloads are the generic post JSON
(``docs/post-format.md``); the words live in ``demo_vocab``, the people in ``demo_authors``;
``demo`` plays this in real time as a Source.

Deterministic: the same scenario and resume point give the same payloads. Must not sleep,
do I/O or read any data set; its only randomness is its own seeded generator.
"""

from __future__ import annotations

import heapq
import math
import random
import string
import time
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate
from typing import Final, Literal, TypeVar

import msgspec

from signalroom.errors import ConfigError
from signalroom.sources.demo_authors import Account, ascii_fold, build_authors
from signalroom.sources.demo_vocab import (
    BRANDS,
    CAMPAIGN_LAUNCH,
    CAMPAIGN_LINK,
    CAMPAIGN_NEWS,
    CAMPAIGN_TAG,
    CITIES,
    EMOJI,
    HASHTAGS,
    LANG_WEIGHTS,
    LANGS,
    NEWS,
    OURS,
    OUTLETS,
    SOCIAL_SITE,
    STORIES,
    SUPPORT,
    TEXTS,
    Brand,
    BrandKey,
    Category,
    City,
    CrisisStory,
    Lang,
    Tone,
)

_T = TypeVar("_T")

PostKind = Literal[
    "brand",
    "compare",
    "campaign",
    "launch",
    "news",
    "reply",
    "repost",
    "quote",
    "support",
    "crisis",
    "root",
    "statement",
    "chatter",
    "hiring",
]

CAMPAIGN_PEAK: Final = 0.35
"""Extra campaign posts per second at the surge's height, as a share of the base rate."""
CRISIS_PEAK: Final = 0.6
"""Extra crisis posts per second at the crisis's height, as a share of the base rate."""

_BASE_MIX: Final[tuple[tuple[str, float], ...]] = (
    ("ours", 0.32),
    ("rival_a", 0.19),
    ("rival_b", 0.15),
    ("compare", 0.04),
    ("campaign", 0.025),
    ("news", 0.004),
    ("reply", 0.09),
    ("support", 0.02),
    ("repost", 0.09),
    ("chatter", 0.035),
    ("hiring", 0.01),
)
_BASE_KINDS: Final = tuple(kind for kind, _ in _BASE_MIX)
_BASE_CUM: Final = tuple(accumulate(weight for _, weight in _BASE_MIX))
_LANG_CUM: Final = tuple(accumulate(LANG_WEIGHTS[lang] for lang in LANGS))
_CRISIS_LANG_CUM: Final = tuple(accumulate((0.55, 0.15, 0.15, 0.15)))
_TONES: Final[tuple[Tone, ...]] = ("positive", "neutral", "negative")
_OURS_TONE_CUM: Final = (0.38, 0.70, 1.0)
_RIVAL_TONE_CUM: Final = (0.35, 0.70, 1.0)
_NEWS_BRAND_CUM: Final = (0.45, 0.75, 1.0)
# No "D": a gate like D8 reads as an emoticon to a lexicon model.
_GATE_LETTERS: Final = "ABCEF"
_EUROS: Final = ("19", "29", "39", "49", "59", "79", "99")
_LINK_PATHS: Final = ("deals", "help", "flights", "app", "summer")
_LAUNCH_LATER: Final[tuple[tuple[float, Lang], ...]] = ((0.10, "hu"), (0.12, "es"), (0.14, "de"))
_ACKNOWLEDGE_LATER: Final[tuple[tuple[float, Lang], ...]] = (
    (0.25, "hu"),
    (0.27, "es"),
    (0.29, "de"),
)
_RECENT_KEEP: Final = 300
_LANG_HINT_SHARE: Final = 0.85
_DEFAULT_START: Final = 1_767_225_600.0  # 2026-01-01T00:00:00Z: a fixed default keeps runs equal


@dataclass(frozen=True, slots=True)
class DemoScenario:
    """What the demo generates. Event times are seconds after ``start`` and repeat every
    ``cycle_s``; ``rate_per_s`` is the baseline, the events add to it while they run."""

    seed: int = 7
    rate_per_s: float = 20.0
    campaign_at_s: float = 120.0
    campaign_for_s: float = 180.0
    crisis_at_s: float = 240.0
    crisis_for_s: float = 240.0
    cycle_s: float = 900.0
    start: float = _DEFAULT_START
    """Epoch seconds of the scenario's second 0 (the live demo passes "now")."""

    def __post_init__(self) -> None:
        checks = (
            ("rate_per_s", self.rate_per_s > 0, "a rate > 0"),
            ("campaign_at_s", self.campaign_at_s >= 0, "seconds >= 0"),
            ("campaign_for_s", self.campaign_for_s > 0, "seconds > 0"),
            ("crisis_at_s", self.crisis_at_s >= 0, "seconds >= 0"),
            ("crisis_for_s", self.crisis_for_s > 0, "seconds > 0"),
            ("cycle_s", self.cycle_s > 0, "seconds > 0"),
            ("start", math.isfinite(self.start) and self.start >= 0, "epoch seconds >= 0"),
        )
        for key, ok, expected in checks:
            if not ok:
                raise ConfigError(f"demo.{key}", f"got {getattr(self, key)!r}, expected {expected}")


class GeneratedPost(msgspec.Struct, frozen=True):
    """One generated item: its payload, and what the generator meant by it (for tests and
    benchmarks; the pipeline only sees the payload)."""

    seq: int
    at_s: float
    """Simulated seconds after the scenario's start."""
    kind: PostKind
    tone: Tone
    lang: Lang
    brand: BrandKey | None
    """Which brand the post is about, or None when none is meant."""
    payload: bytes


class _EngagementJSON(msgspec.Struct, frozen=True):
    likes: int
    reposts: int
    replies: int
    quotes: int


class _PostJSON(msgspec.Struct, frozen=True, omit_defaults=True):
    id: str
    url: str
    author: Account
    text: str
    created_at: str
    engagement: _EngagementJSON
    title: str = ""
    reply_to: str | None = None
    quote_of: str | None = None
    repost_of: str | None = None
    lang: str | None = None


_encode: Final = msgspec.json.Encoder().encode


class _Recent(msgspec.Struct, frozen=True):
    """What later replies and reposts need to know about an earlier post."""

    native_id: str
    handle: str
    brand: Brand | None
    lang: Lang
    tone: Tone
    kind: PostKind
    text: str
    title: str
    likes: int


@dataclass(slots=True)
class _Crisis:
    story: CrisisStory
    hub: City
    root: _Recent | None = None
    news: list[_Recent] = field(default_factory=list)


ScriptKind = Literal["launch", "campaign_news", "root", "acknowledge", "resolved", "crisis_news"]


@dataclass(frozen=True, slots=True, order=True)
class _Script:
    at_s: float
    order: int
    kind: ScriptKind = field(compare=False)
    cycle: int = field(compare=False)
    lang: Lang = field(compare=False)
    index: int = field(compare=False, default=0)
    keep_until_s: float = field(compare=False, default=0.0)
    """When the stream skips ahead past ``at_s``, still emit it if the event runs until later."""


class ScenarioGenerator:
    """The scenario as a sequence of posts in simulated time. ``start_seq`` is the last
    sequence number already used: the first post gets ``start_seq + 1``."""

    def __init__(self, scenario: DemoScenario, start_seq: int = 0) -> None:
        if start_seq < 0:
            raise ValueError(f"start_seq must be >= 0, got {start_seq}")
        self._scenario = scenario
        self._rate = scenario.rate_per_s
        # The resume point is part of the seed: a restarted demo tells a new day, not a rerun.
        self._rng = random.Random(f"posts-{scenario.seed}-{start_seq}")
        self._random = self._rng.random
        self._seq = start_seq
        self._t = 0.0
        self._prefix = f"demo-{scenario.seed}-"
        self._authors = build_authors(scenario.seed)
        self._recent: list[_Recent] = []
        self._scripts: list[_Script] = []
        self._script_order = 0
        self._cycles_scheduled = 0
        self._crises: dict[int, _Crisis] = {}
        self._launch: _Recent | None = None
        self._iso_second = -1
        self._iso_prefix = ""

    @property
    def elapsed_s(self) -> float:
        """Simulated seconds since the start, as of the last post."""
        return self._t

    def skip_to(self, at_s: float) -> None:
        """Move simulated time forward without generating what would have happened, so a
        live stream that fell far behind catches up instead of flooding."""
        if at_s <= self._t:
            return
        self._t = at_s
        scripts, self._scripts = self._scripts, []
        for s in scripts:
            self._script(s.at_s, s.kind, s.cycle, s.lang, s.index, s.keep_until_s)

    def next(self) -> GeneratedPost:
        self._schedule_ahead()
        base, campaign, crisis = self._rates(self._t)
        arrival = self._t - math.log(1.0 - self._random()) / (base + campaign + crisis)
        if self._scripts and self._scripts[0].at_s <= arrival:
            script = heapq.heappop(self._scripts)
            self._t = max(self._t, script.at_s)
            return self._scripted(script)
        self._t = arrival
        pick = self._random() * (base + campaign + crisis)
        if pick < crisis:
            return self._crisis_post(self._active_cycle(self._scenario.crisis_at_s))
        if pick < crisis + campaign:
            return self._campaign_post(surge=True)
        return self._base_post()

    # -- timing ------------------------------------------------------------------------

    def _window(self, at_s: float, for_s: float, t: float) -> float | None:
        """Where ``t`` is inside the event (0..1), or None when the event is not running."""
        if t < at_s:
            return None
        offset = (t - at_s) % self._scenario.cycle_s
        return offset / for_s if offset < for_s else None

    def _active_cycle(self, at_s: float) -> int:
        return max(0, int((self._t - at_s) // self._scenario.cycle_s))

    def _rates(self, t: float) -> tuple[float, float, float]:
        s = self._scenario
        campaign = crisis = 0.0
        u = self._window(s.campaign_at_s, s.campaign_for_s, t)
        if u is not None:
            rise = min(1.0, u / 0.1)
            fall = 1.0 if u < 0.7 else max(0.15, (1.0 - u) / 0.3)
            campaign = self._rate * CAMPAIGN_PEAK * rise * fall
        u = self._window(s.crisis_at_s, s.crisis_for_s, t)
        if u is not None:
            rise = min(1.0, u / 0.15)
            fall = 1.0 if u < 0.55 else 1.0 - 0.85 * (u - 0.55) / 0.45
            crisis = self._rate * CRISIS_PEAK * max(0.1, rise * fall)
        return self._rate, campaign, crisis

    def _schedule_ahead(self) -> None:
        s = self._scenario
        while self._cycles_scheduled * s.cycle_s <= self._t + s.cycle_s:
            cycle = self._cycles_scheduled
            self._cycles_scheduled += 1
            base = cycle * s.cycle_s
            campaign_at, campaign_for = base + s.campaign_at_s, s.campaign_for_s
            campaign_end = campaign_at + campaign_for
            self._script(campaign_at + 0.5, "launch", cycle, "en", keep_until_s=campaign_end)
            for share, lang in _LAUNCH_LATER:
                self._script(campaign_at + share * campaign_for, "launch", cycle, lang)
            self._script(campaign_at + 0.2 * campaign_for, "campaign_news", cycle, "en")
            other: Lang = self._choice(("hu", "es", "de"))
            self._script(campaign_at + 0.35 * campaign_for, "campaign_news", cycle, other)
            crisis_at, crisis_for = base + s.crisis_at_s, s.crisis_for_s
            story = STORIES[cycle % len(STORIES)]
            self._crises[cycle] = _Crisis(story, self._choice(CITIES))
            self._script(
                crisis_at + min(1.0, 0.05 * crisis_for),
                "root",
                cycle,
                "en",
                keep_until_s=crisis_at + crisis_for,
            )
            self._script(crisis_at + 0.15 * crisis_for, "acknowledge", cycle, "en")
            self._script(crisis_at + 0.2 * crisis_for, "crisis_news", cycle, "en")
            self._script(crisis_at + 0.45 * crisis_for, "crisis_news", cycle, "en", index=1)
            for share, lang in _ACKNOWLEDGE_LATER:
                self._script(crisis_at + share * crisis_for, "acknowledge", cycle, lang)
                self._script(crisis_at + (share + 0.08) * crisis_for, "crisis_news", cycle, lang)
            self._script(crisis_at + 0.8 * crisis_for, "resolved", cycle, "en")
            for old in [c for c in self._crises if c < cycle - 1]:
                del self._crises[old]

    def _script(
        self,
        at_s: float,
        kind: ScriptKind,
        cycle: int,
        lang: Lang,
        index: int = 0,
        keep_until_s: float = 0.0,
    ) -> None:
        if at_s < self._t:
            # Skipped over: only what an event still running needs (its opening post) is
            # told late; the rest of the past stays untold.
            if keep_until_s <= self._t:
                return
            at_s = self._t
        self._script_order += 1
        heapq.heappush(
            self._scripts,
            _Script(at_s, self._script_order, kind, cycle, lang, index, keep_until_s),
        )

    # -- what happens ------------------------------------------------------------------

    def _base_post(self) -> GeneratedPost:
        rand = self._random
        kind = _BASE_KINDS[_pick(_BASE_CUM, rand() * _BASE_CUM[-1])]
        if kind == "ours":
            return self._brand_post(OURS)
        if kind == "rival_a":
            return self._brand_post(BRANDS[1])
        if kind == "rival_b":
            return self._brand_post(BRANDS[2])
        if kind == "compare":
            return self._compare_post()
        if kind == "campaign":
            return self._campaign_post(surge=False)
        if kind == "news":
            return self._news_post()
        if kind == "reply":
            return self._reply_post()
        if kind == "support":
            return self._support_post(crisis=False)
        if kind == "repost":
            return self._repost(self._popular_recent())
        if kind == "chatter":
            lang = self._lang()
            text = self._fill(self._choice(TEXTS[lang]["chatter"]), lang, OURS)
            return self._emit("chatter", "neutral", lang, None, self._author(lang), text)
        brand = self._choice(BRANDS)
        lang = self._lang()
        text = self._fill(self._choice(TEXTS[lang]["hiring"]), lang, brand)
        return self._emit("hiring", "neutral", lang, brand, self._brand_author(brand), text)

    def _brand_post(self, brand: Brand) -> GeneratedPost:
        rand = self._random
        lang = self._lang()
        cum = _OURS_TONE_CUM if brand is OURS else _RIVAL_TONE_CUM
        tone = _TONES[_pick(cum, rand())]
        text = self._fill(self._choice(TEXTS[lang][_BRAND_CATEGORY[tone]]), lang, brand)
        text = self._decorate(text, lang, tone, brand)
        return self._emit("brand", tone, lang, brand, self._author(lang), text)

    def _compare_post(self) -> GeneratedPost:
        rand = self._random
        lang = self._lang()
        brand = OURS if rand() < 0.6 else self._choice(BRANDS[1:])
        text = self._fill(self._choice(TEXTS[lang]["compare"]), lang, brand)
        return self._emit("compare", "positive", lang, brand, self._author(lang), text)

    def _campaign_post(self, surge: bool) -> GeneratedPost:
        rand = self._random
        roll = rand()
        if surge and roll < 0.2:
            best = self._launch or self._popular_recent(kind="campaign")
            if best is not None:
                return self._repost(best, boost=2.0)
        lang = self._lang()
        tone: Tone = "positive" if roll < 0.85 else "neutral"
        category: Category = "campaign_positive" if tone == "positive" else "campaign_neutral"
        text = self._decorate(
            self._fill(self._choice(TEXTS[lang][category]), lang, OURS), lang, tone
        )
        # The surge's best posts come from high-reach authors, and they travel further.
        author = self._author(lang, reach_bias=0.3 if surge else 0.05)
        boost = 3.0 if surge else 1.0
        return self._emit("campaign", tone, lang, OURS, author, text, boost=boost)

    def _news_post(self) -> GeneratedPost:
        rand = self._random
        lang = self._lang()
        brand = BRANDS[_pick(_NEWS_BRAND_CUM, rand())]
        title, lede = self._choice(NEWS[lang])
        return self._article(lang, brand, title, lede, "neutral")

    def _article(
        self, lang: Lang, brand: Brand, title: str, lede: str, tone: Tone, hub: City | None = None
    ) -> GeneratedPost:
        outlet = self._choice(OUTLETS[lang])
        # One fill for both, so the title and the lede name the same city.
        title, lede = self._fill(f"{title}\n{lede}", lang, brand, hub=hub).split("\n", 1)
        url = f"https://{outlet.domain}/{_slug(title)}-{self._seq + 1}"
        author = self._authors.accounts[outlet.handle]
        return self._emit("news", tone, lang, brand, author, lede, title=title, url=url, boost=0.3)

    def _reply_post(self) -> GeneratedPost:
        rand = self._random
        parent = self._recent_pick(100)
        if parent is None or parent.brand is None:
            return self._brand_post(OURS)
        lang = parent.lang if rand() < 0.8 else self._lang()
        tone = parent.tone if rand() < 0.7 else _TONES[int(rand() * 3)]
        category = _REPLY_CATEGORY[tone]
        text = self._fill(self._choice(TEXTS[lang][category]), lang, parent.brand, parent=parent)
        author = self._author(lang)
        return self._emit("reply", tone, lang, parent.brand, author, text, reply_to=parent)

    def _support_post(self, crisis: bool) -> GeneratedPost:
        wanted: PostKind = "crisis" if crisis else "brand"
        parent = None
        for offset in range(1, min(60, len(self._recent)) + 1):
            candidate = self._recent[-offset]
            if (
                candidate.brand is OURS
                and candidate.tone == "negative"
                and candidate.kind == wanted
            ):
                parent = candidate
                break
        if parent is None:
            return self._brand_post(OURS)
        text = self._fill(
            self._choice(TEXTS[parent.lang]["support"]), parent.lang, OURS, parent=parent
        )
        author = self._authors.accounts[SUPPORT.handle]
        return self._emit("support", "neutral", parent.lang, OURS, author, text, reply_to=parent)

    def _repost(self, original: _Recent | None, boost: float = 1.0) -> GeneratedPost:
        if original is None:
            return self._brand_post(OURS)
        lang = original.lang if self._random() < 0.8 else self._lang()
        return self._emit(
            "repost",
            original.tone,
            original.lang,
            original.brand,
            self._author(lang),
            original.text,
            title=original.title,
            repost_of=original,
            remember=False,
            boost=0.2 * boost,
        )

    def _crisis_post(self, cycle: int) -> GeneratedPost:
        rand = self._random
        crisis = self._crises.get(cycle)
        if crisis is None:  # defensive: every cycle is scheduled before it starts
            crisis = self._crises.setdefault(
                cycle, _Crisis(STORIES[cycle % len(STORIES)], CITIES[0])
            )
        story, root, roll = crisis.story, crisis.root, rand()
        if root is not None:
            if roll < 0.30:
                return self._repost(root)
            if roll < 0.52:
                lang = LANGS[_pick(_CRISIS_LANG_CUM, rand())]
                text = self._fill(
                    self._choice(story.texts[lang]["reply"]),
                    lang,
                    OURS,
                    parent=root,
                    hub=crisis.hub,
                )
                author = self._author(lang)
                return self._emit("reply", "negative", lang, OURS, author, text, reply_to=root)
            if roll < 0.56:
                text = self._fill(self._choice(story.quotes), "en", OURS, hub=crisis.hub)
                author = self._author("en", reach_bias=0.1)
                return self._emit("quote", "negative", "en", OURS, author, text, quote_of=root)
        if roll < 0.60:
            return self._support_post(crisis=True)
        if roll < 0.63 and crisis.news:
            return self._repost(self._choice(crisis.news))
        lang = LANGS[_pick(_CRISIS_LANG_CUM, rand())]
        if roll < 0.69:
            text = self._fill(
                self._choice(story.texts[lang]["question"]), lang, OURS, hub=crisis.hub
            )
            return self._emit("crisis", "neutral", lang, OURS, self._author(lang), text)
        text = self._fill(self._choice(story.texts[lang]["complaint"]), lang, OURS, hub=crisis.hub)
        author = self._author(lang, reach_bias=0.05)
        return self._emit("crisis", "negative", lang, OURS, author, text)

    def _scripted(self, script: _Script) -> GeneratedPost:
        lang, ours = script.lang, self._brand_author(OURS)
        if script.kind == "launch":
            text = self._fill(CAMPAIGN_LAUNCH[lang], lang, OURS)
            post = self._emit("launch", "positive", lang, OURS, ours, text, boost=4.0)
            if lang == "en":
                self._launch = self._recent[-1]
            return post
        if script.kind == "campaign_news":
            title, lede = CAMPAIGN_NEWS[lang]
            return self._article(lang, OURS, title, lede, "positive")
        crisis = self._crises[script.cycle]
        story = crisis.story
        if script.kind == "root":
            author = self._authors.accounts[story.root_author]
            text = self._fill(story.root_text, "en", OURS, hub=crisis.hub)
            post = self._emit("root", "negative", "en", OURS, author, text, boost=2.5)
            crisis.root = self._recent[-1]
            return post
        if script.kind == "acknowledge":
            text = self._fill(story.acknowledge[lang], lang, OURS, hub=crisis.hub)
            return self._emit("statement", "neutral", lang, OURS, ours, text, boost=1.5)
        if script.kind == "resolved":
            text = self._fill(story.resolved, "en", OURS, hub=crisis.hub)
            return self._emit("statement", "positive", "en", OURS, ours, text, boost=1.5)
        articles = story.news[lang]
        title, lede = articles[script.index % len(articles)]
        post = self._article(lang, OURS, title, lede, "negative", hub=crisis.hub)
        crisis.news.append(self._recent[-1])
        return post

    # -- pieces ------------------------------------------------------------------------

    def _emit(
        self,
        kind: PostKind,
        tone: Tone,
        lang: Lang,
        brand: Brand | None,
        author: Account,
        text: str,
        *,
        title: str = "",
        url: str = "",
        reply_to: _Recent | None = None,
        quote_of: _Recent | None = None,
        repost_of: _Recent | None = None,
        remember: bool = True,
        boost: float = 1.0,
    ) -> GeneratedPost:
        rand = self._random
        self._seq += 1
        native_id = f"{self._prefix}{self._seq}"
        likes = int(author.followers * 0.01 * boost * -math.log(1.0 - rand()))
        engagement = _EngagementJSON(
            likes,
            int(likes * 0.25 * rand()),
            int(likes * 0.12 * rand()),
            int(likes * 0.04 * rand()),
        )
        payload = _encode(
            _PostJSON(  # positional: this runs for every post
                native_id,
                url or f"https://{SOCIAL_SITE}/@{author.handle}/{native_id}",
                author,
                text,
                self._iso(self._scenario.start + self._t),
                engagement,
                title,
                None if reply_to is None else reply_to.native_id,
                None if quote_of is None else quote_of.native_id,
                None if repost_of is None else repost_of.native_id,
                lang if rand() < _LANG_HINT_SHARE else None,
            )
        )
        if remember:
            recent = self._recent
            recent.append(
                _Recent(native_id, author.handle, brand, lang, tone, kind, text, title, likes)
            )
            if len(recent) > 2 * _RECENT_KEEP:
                del recent[:_RECENT_KEEP]
        return GeneratedPost(
            self._seq, self._t, kind, tone, lang, None if brand is None else brand.key, payload
        )

    def _fill(
        self,
        template: str,
        lang: Lang,
        brand: Brand,
        parent: _Recent | None = None,
        hub: City | None = None,
    ) -> str:
        fields = _template_fields(template)
        if not fields:
            return template
        city = self._choice(CITIES) if "city" in fields or "city_to" in fields else None
        values: dict[str, str] = {}
        for name in fields:
            if name == "brand":
                values[name] = brand.name
            elif name == "full":
                values[name] = brand.full_name
            elif name == "at":
                values[name] = f"@{brand.handle}"
            elif name == "other":
                values[name] = self._choice(_OTHERS[brand.key]).name
            elif name == "city" and city is not None:
                values[name] = _city_in(city, lang)
            elif name == "city_to" and city is not None:
                values[name] = city.hu_to
            elif name == "hub":
                values[name] = _city_in(hub or CITIES[0], lang)
            elif name == "hours":
                values[name] = str(self._int(2, 9))
            elif name == "minutes":
                values[name] = str(5 * self._int(4, 18))
            elif name == "gate":
                values[name] = f"{self._choice(_GATE_LETTERS)}{self._int(1, 40)}"
            elif name == "flight":
                values[name] = str(self._int(100, 989))
            elif name == "euros":
                values[name] = self._choice(_EUROS)
            elif name == "tag":
                values[name] = CAMPAIGN_TAG
            elif name == "parent":
                values[name] = f"@{parent.handle}" if parent is not None else ""
            elif name == "link":
                values[name] = CAMPAIGN_LINK if "{tag}" in template else _brand_link(brand, "help")
            elif name == "pe":
                values[name] = self._choice(EMOJI["positive"])
            elif name == "ne":
                values[name] = self._choice(EMOJI["negative"])
            elif name == "xe":
                values[name] = self._choice(EMOJI["neutral"])
            else:
                raise KeyError(f"demo template slot {{{name}}} is not known: {template!r}")
        return template.format_map(values)

    def _decorate(self, text: str, lang: Lang, tone: Tone, brand: Brand | None = None) -> str:
        """Sometimes a hashtag, a link or an emoji, as people add them."""
        rand = self._random
        roll = rand()
        if roll < 0.12:
            tag = self._choice(HASHTAGS[lang])
            if tag not in text:
                text = f"{text} {tag}"
        elif roll < 0.20 and brand is not None:
            text = f"{text} {_brand_link(brand, self._choice(_LINK_PATHS))}"
        elif roll < 0.30 and tone != "neutral" and not _ends_with_emoji(text):
            text = f"{text} {self._choice(EMOJI[tone])}"
        return text

    def _choice(self, options: Sequence[_T]) -> _T:
        # Cheaper than Random.choice, and as good for a demo.
        return options[int(self._random() * len(options))]

    def _iso(self, instant: float) -> str:
        """``clock.to_iso``, made cheap for a clock that moves forward in small steps."""
        second = int(instant)
        if second != self._iso_second:
            self._iso_second = second
            self._iso_prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._iso_prefix}.{int((instant - second) * 1000):03d}Z"

    def _int(self, low: int, high: int) -> int:
        return low + int(self._random() * (high - low + 1))

    def _lang(self) -> Lang:
        return LANGS[_pick(_LANG_CUM, self._random())]

    def _author(self, lang: Lang, reach_bias: float = 0.0) -> Account:
        rand = self._random
        if reach_bias and rand() < reach_bias:
            return self._choice(self._authors.high_reach[lang])
        return self._choice(self._authors.pool[lang])

    def _brand_author(self, brand: Brand) -> Account:
        return self._authors.accounts[brand.handle]

    def _recent_pick(self, window: int) -> _Recent | None:
        recent = self._recent
        if not recent:
            return None
        return recent[-1 - int(self._random() * min(window, len(recent)))]

    def _popular_recent(self, kind: PostKind | None = None) -> _Recent | None:
        """The most liked of a few recent posts: reposts favour what already travels."""
        best: _Recent | None = None
        for _ in range(3):
            candidate = self._recent_pick(200)
            if candidate is None or candidate.kind in _NOT_SHARED:
                continue
            if kind is not None and candidate.kind != kind:
                continue
            if best is None or candidate.likes > best.likes:
                best = candidate
        return best


_BRAND_CATEGORY: Final[dict[Tone, Category]] = {
    "positive": "brand_positive",
    "neutral": "brand_neutral",
    "negative": "brand_negative",
}
_REPLY_CATEGORY: Final[dict[Tone, Category]] = {
    "positive": "reply_positive",
    "neutral": "reply_neutral",
    "negative": "reply_negative",
}
_OTHERS: Final = {b.key: tuple(o for o in BRANDS if o is not b) for b in BRANDS}
_NOT_SHARED: Final[frozenset[PostKind]] = frozenset(("support", "chatter", "hiring"))
"""Kinds nobody reposts."""
_EMOJI_TAIL: Final = frozenset(e for group in EMOJI.values() for e in group)


@cache
def _template_fields(template: str) -> tuple[str, ...]:
    names = (name for _, name, _, _ in string.Formatter().parse(template) if name)
    return tuple(dict.fromkeys(names))


def _pick(cumulative: tuple[float, ...], roll: float) -> int:
    return min(bisect_right(cumulative, roll), len(cumulative) - 1)


def _city_in(city: City, lang: Lang) -> str:
    if lang == "hu":
        return city.hu
    if lang == "es":
        return city.es
    if lang == "de":
        return city.de
    return city.en


def _brand_link(brand: Brand, path: str) -> str:
    return f"https://{brand.site}/{path}"


def _ends_with_emoji(text: str) -> bool:
    return any(text.endswith(e) for e in _EMOJI_TAIL)


def _slug(title: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in ascii_fold(title)).split()
    return "-".join(words[:8])
