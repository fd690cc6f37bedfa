"""The plain data every stage passes along: raw items, posts, enrichment, topics, rollups.

All are frozen msgspec Structs (cheap to build, fast to encode). Instants are UTC epoch
seconds (``float``). This module imports nothing of ours and must never do I/O.
"""

from __future__ import annotations

from typing import Literal

import msgspec

SentimentLabel = Literal["negative", "neutral", "positive"]
ModerationVerdict = Literal["safe", "review", "block"]
TopicKind = Literal["brand", "competitor", "campaign", "risk"]
RuleKind = Literal["word", "phrase", "author", "domain"]
RuleAction = Literal["block", "allow"]
Bucket = Literal["minute", "hour", "day"]

SENTIMENT_LABELS: tuple[SentimentLabel, ...] = ("negative", "neutral", "positive")
MODERATION_VERDICTS: tuple[ModerationVerdict, ...] = ("safe", "review", "block")
TOPIC_KINDS: tuple[TopicKind, ...] = ("brand", "competitor", "campaign", "risk")
RULE_KINDS: tuple[RuleKind, ...] = ("word", "phrase", "author", "domain")
RULE_ACTIONS: tuple[RuleAction, ...] = ("block", "allow")
BUCKET_SECONDS: dict[Bucket, int] = {"minute": 60, "hour": 3600, "day": 86400}


class RawItem(msgspec.Struct, frozen=True):
    """What a source yields: the payload as received, untouched, and where it stands.

    ``checkpoint`` is the source's resume point *after* this item; the pipeline stores it
    only once every item before it has been committed.
    """

    source: str
    """The source kind: ``demo``, ``bluesky``, ``mastodon``, ``rss``, ``webhook``, ``file``..."""
    payload: bytes
    received_at: float
    checkpoint: str | None = None


class Author(msgspec.Struct, frozen=True):
    handle: str
    name: str = ""
    followers: int = 0


class Engagement(msgspec.Struct, frozen=True):
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    quotes: int = 0


class Post(msgspec.Struct, frozen=True):
    """One normalised item. Its stable identity is ``(source, native_id)``."""

    source: str
    native_id: str
    url: str
    author: Author
    text: str
    created_at: float
    received_at: float
    title: str = ""
    engagement: Engagement = msgspec.field(default_factory=Engagement)
    reply_to: str | None = None
    """Post id (``source:native_id``) of the parent this post replies to."""
    quote_of: str | None = None
    """Post id of the post this one quotes."""
    repost_of: str | None = None
    """Post id of the original when this item is a plain repost (share/boost/retweet)."""
    media: tuple[str, ...] = ()
    lang_hint: str | None = None
    """The language the source declares, if any (a hint; detection decides)."""

    @property
    def id(self) -> str:
        return post_id(self.source, self.native_id)


def post_id(source: str, native_id: str) -> str:
    """The public id of a post: ``source:native_id``."""
    return f"{source}:{native_id}"


class Sentiment(msgspec.Struct, frozen=True):
    label: SentimentLabel
    score: float
    """In [-1, 1]: -1 very negative, 0 neutral, 1 very positive."""


class Moderation(msgspec.Struct, frozen=True):
    """Whether a post may be shown on a public screen: ``safe``, ``review`` (a person should
    look first) or ``block``, with the reasons (matched word lists, model probability)."""

    verdict: ModerationVerdict = "safe"
    reasons: tuple[str, ...] = ()
    score: float = 0.0
    """Probability that the post is offensive, 0..1."""


class Enrichment(msgspec.Struct, frozen=True):
    """What the pipeline learned about a post. ``model_version`` names the models used."""

    lang: str
    """ISO 639-1 code, or ``und`` when undetermined."""
    lang_confidence: float
    sentiment: Sentiment
    hashtags: tuple[str, ...]
    mentions: tuple[str, ...]
    links: tuple[str, ...]
    reach: int
    model_version: str
    complaint: bool = False
    """A customer complaint about a product or service (a failure, a refund, a delay, a
    request for help)."""
    complaint_score: float = 0.0
    """Probability that the post is a complaint, 0..1."""
    moderation: Moderation = msgspec.field(default_factory=Moderation)
    keywords: tuple[str, ...] = ()
    """Up to 8 key terms and 2- to 3-word phrases, case-folded, best first; hashtags,
    mentions and links are not among them (they have fields of their own)."""
    simhash: int = 0
    """64-bit SimHash of the normalised text, as a signed two's-complement integer (what a
    64-bit SQL integer holds); ``0`` when the text is too short to fingerprint."""


class SentimentCorrection(msgspec.Struct, frozen=True):
    """A person's verdict on a post's sentiment. It wins over the model for that post and
    its rollups; ``model_label``/``model_score`` keep what the model said."""

    post_id: str
    label: SentimentLabel
    corrected_by: str
    corrected_at: float
    model_label: SentimentLabel
    model_score: float


CORRECTED_SCORES: dict[SentimentLabel, float] = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}
"""The score a corrected post takes: a person's label is certain."""


class ModerationRuleDraft(msgspec.Struct, frozen=True, kw_only=True):
    """A deployment's own moderation rule, as a person writes it.

    ``block`` keeps matching posts off public screens whatever the model says; ``allow``
    trusts an author or a domain (their posts are safe unless a block rule matches), or
    clears a word or phrase the shipped word lists or model would hold against a post (a
    brand name that contains a rude word, a local dish).
    """

    kind: RuleKind
    action: RuleAction
    value: str
    """A word, a phrase (several words), an author handle (without ``@``) or a domain
    (``example.com`` also covers its subdomains)."""
    created_by: str
    note: str = ""


class ModerationRule(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: RuleKind
    action: RuleAction
    value: str
    """Normalised: case-folded, without ``@`` or ``www.``."""
    created_by: str
    created_at: float
    note: str = ""


class ModerationOverride(msgspec.Struct, frozen=True, kw_only=True):
    """A person's verdict on whether one post may be shown; it wins over the model and the
    rules. ``model`` keeps what the pipeline had decided."""

    post_id: str
    verdict: ModerationVerdict
    decided_by: str
    decided_at: float
    model: Moderation
    note: str = ""


class EnrichedPost(msgspec.Struct, frozen=True):
    """A post with what the pipeline added: its enrichment and the topics it matched.

    When a person corrected its sentiment, ``enrichment.sentiment`` already holds the
    corrected label and score, and ``correction`` says who, when and what the model said."""

    post: Post
    enrichment: Enrichment
    topics: tuple[int, ...]
    correction: SentimentCorrection | None = None
    dup_group: str | None = None
    """Post id of the first post of this post's near-duplicate group (retweet-style copies,
    copy-paste campaigns with small edits), or ``None`` when it nearly repeats no earlier
    post. Unlike ``enrichment``, which depends on the post alone, it depends on what came
    before, so the pipeline's near-duplicate stage sets it, not the enricher."""
    moderation_override: ModerationOverride | None = None
    """Set when a person decided this post's verdict; ``enrichment.moderation`` holds it."""


class Reject(msgspec.Struct, frozen=True):
    """An item that could not become a post, kept with its raw payload and the reason."""

    source: str
    reason: str
    payload: bytes
    received_at: float


class Topic(msgspec.Struct, frozen=True):
    id: int
    name: str
    query: str
    kind: TopicKind
    color: str
    created_at: float
    updated_at: float


class TopicDraft(msgspec.Struct, frozen=True):
    """A topic as a user writes it, before the store gives it an id."""

    name: str
    query: str
    kind: TopicKind = "brand"
    color: str = "#4f9dff"


class Rollup(msgspec.Struct, frozen=True):
    """Per topic per bucket: what charts read. ``bucket_start`` is epoch seconds."""

    topic_id: int
    bucket_start: float
    volume: int
    negative: int
    neutral: int
    positive: int
    sentiment_sum: float
    reach: int
