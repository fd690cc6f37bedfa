"""A deployment's own moderation rules, laid over the model's verdict.

Every company has words the shipped lists miss (a competitor's slur for the brand, a
leaked codename) and words they wrongly catch (a town, a dish, a product name). Rules
are block or allow entries for a word, a phrase, an author or a domain:

1. a **block** rule that matches makes the post ``block``, whatever the model said, with
   the rule in the reasons (a word is masked there, as the word lists' are);
2. otherwise an **allow** rule for the post's author or one of its domains (its links and
   its own URL) makes it ``safe``: that source is trusted here;
3. otherwise, when the model did not find the post ``safe`` and it contains allowed words
   or phrases, the post is judged again with those words blanked out, so an allowed word
   no longer counts, and every other reason still does.

Words and phrases match whole words of the case-folded text, never inside a longer word.
Pure: :meth:`RuleSet.apply` never raises for any post and does no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

import ahocorasick

from signalroom.casefold import fold
from signalroom.errors import ValidationError
from signalroom.models import Moderation, ModerationRule, Post, RuleAction, RuleKind
from signalroom.nlp.entities import extract_entities
from signalroom.nlp.moderation import MAX_REASON_WORDS, mask

MAX_RULE_CHARS: Final = 200
_WORD_CHAR = re.compile(r"\w")
_SPACES = re.compile(r"\s+")
_HANDLE = re.compile(r"^[\w.\-]+$")
_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+[a-z0-9\-]{2,}$")

Rejudge = Callable[[str], Moderation]
"""Judges a text again with the model (used when allowed words were blanked out)."""


def normalise_rule_value(kind: RuleKind, value: str) -> str:
    """The rule's value as it is matched and stored; ValidationError (field ``value``) when
    it cannot be a rule of that kind."""
    text = _SPACES.sub(" ", fold(value)).strip()
    if not text:
        raise ValidationError("must not be empty", "value")
    if len(text) > MAX_RULE_CHARS:
        raise ValidationError(f"must be at most {MAX_RULE_CHARS} characters", "value")
    if kind == "word":
        if " " in text or not _WORD_CHAR.search(text):
            raise ValidationError("a word rule holds one word; use a phrase rule for more", "value")
    elif kind == "phrase":
        if not _WORD_CHAR.search(text):
            raise ValidationError("a phrase must contain at least one word", "value")
    elif kind == "author":
        text = text.removeprefix("@")
        if not _HANDLE.match(text):
            raise ValidationError(
                "an author rule holds one handle, e.g. kestrava or kestrava.bsky.social", "value"
            )
    else:
        text = _host_of(text if "://" in text else f"http://{text}").removeprefix("www.")
        if not _DOMAIN.match(text):
            raise ValidationError("a domain rule holds a domain such as example.com", "value")
    return text


@dataclass(frozen=True, slots=True)
class _Found:
    rule: ModerationRule
    start: int
    end: int


class RuleSet:
    """Compiled rules: one Aho-Corasick automaton for words and phrases, sets for the rest."""

    def __init__(self, rules: Iterable[ModerationRule] = ()) -> None:
        self.rules: tuple[ModerationRule, ...] = tuple(rules)
        self._authors: dict[tuple[RuleAction, str], ModerationRule] = {}
        self._domains: dict[tuple[RuleAction, str], ModerationRule] = {}
        self._automaton: ahocorasick.Automaton | None = None
        words: dict[str, list[ModerationRule]] = {}
        for rule in self.rules:
            if rule.kind == "author":
                self._authors[(rule.action, rule.value)] = rule
            elif rule.kind == "domain":
                self._domains[(rule.action, rule.value)] = rule
            else:
                words.setdefault(rule.value, []).append(rule)
        if words:
            automaton = ahocorasick.Automaton()
            for value, matching in words.items():
                automaton.add_word(value, tuple(matching))
            automaton.make_automaton()
            self._automaton = automaton

    def __bool__(self) -> bool:
        return bool(self.rules)

    def apply(self, post: Post, text: str, moderation: Moderation, rejudge: Rejudge) -> Moderation:
        """The verdict on ``post`` once this deployment's rules are laid over the model's
        ``moderation`` of ``text`` (the text the model read)."""
        if not self.rules:
            return moderation
        folded = fold(text)
        found = self._words(folded)
        author = fold(post.author.handle).removeprefix("@")
        domains = _domains_of(post)
        blocks: list[str] = []
        words = sorted({mask(f.rule.value) for f in found if f.rule.action == "block"})
        if words:
            blocks.append("blocked here: " + ", ".join(words[:MAX_REASON_WORDS]))
        if ("block", author) in self._authors:
            blocks.append(f"blocked author: @{author}")
        for domain in self._matching_domains("block", domains):
            blocks.append(f"blocked domain: {domain}")
        if blocks:
            return Moderation("block", (*blocks, *moderation.reasons), moderation.score)
        if ("allow", author) in self._authors:
            return Moderation("safe", (f"allowed author: @{author}",), moderation.score)
        trusted = self._matching_domains("allow", domains)
        if trusted:
            return Moderation("safe", (f"allowed domain: {trusted[0]}",), moderation.score)
        allowed = [f for f in found if f.rule.action == "allow"]
        if moderation.verdict == "safe" or not allowed:
            return moderation
        again = rejudge(_blank(folded, allowed))
        cleared = sorted({f.rule.value for f in allowed})
        note = "allowed here: " + ", ".join(cleared[:MAX_REASON_WORDS])
        return Moderation(again.verdict, (*again.reasons, note), again.score)

    def _words(self, folded: str) -> list[_Found]:
        if self._automaton is None:
            return []
        found: list[_Found] = []
        for end, rules in self._automaton.iter(folded):
            start = end - len(rules[0].value) + 1
            if _is_whole(folded, start, end + 1):
                found.extend(_Found(rule, start, end + 1) for rule in rules)
        return found

    def _matching_domains(self, action: RuleAction, domains: Iterable[str]) -> list[str]:
        matched: list[str] = []
        for domain in domains:
            parts = domain.split(".")
            for i in range(len(parts) - 1):
                if (action, ".".join(parts[i:])) in self._domains:
                    matched.append(domain)
                    break
        return matched


def _is_whole(text: str, start: int, end: int) -> bool:
    before = start == 0 or not _WORD_CHAR.match(text[start - 1])
    after = end >= len(text) or not _WORD_CHAR.match(text[end])
    return before and after


def _blank(text: str, found: Iterable[_Found]) -> str:
    chars = list(text)
    for f in found:
        chars[f.start : f.end] = " " * (f.end - f.start)
    return "".join(chars)


def _host_of(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".")


def _domains_of(post: Post) -> list[str]:
    urls = [post.url, *extract_entities(post.text).links]
    hosts: dict[str, None] = {}
    for url in urls:
        host = fold(_host_of(url)).removeprefix("www.")
        if host:
            hosts[host] = None
    return list(hosts)
