"""Parsing of the API's query-string values: instants, bounded integers, closed choices and
topic references (an id or an exact name).

Every failure is an :class:`ApiError` 400 that names the parameter, so a user sees which
value to fix. Pure functions apart from topic lookups; must not reach into request objects.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TypeVar

from signalroom.clock import parse_instant
from signalroom.models import Topic
from signalroom.web.errors import bad_request

# Epoch seconds accepted from clients: from 1970 to the year 3000. Anything else is a
# mistake (milliseconds, a typo) that would otherwise surface as a 500 when formatted.
_LATEST_INSTANT = 32_503_680_000.0

Choice = TypeVar("Choice", bound=str)


def instant_param(name: str, value: str | None) -> float | None:
    """An ISO 8601 timestamp or epoch seconds, or None when absent."""
    if value is None or not value.strip():
        return None
    try:
        instant = parse_instant(value)
    except (ValueError, OverflowError) as err:
        raise bad_request(
            f"{name} must be an ISO 8601 time (2025-01-31T12:00:00Z) or epoch seconds, "
            f"got {value!r}",
            name,
        ) from err
    if not math.isfinite(instant) or not 0 <= instant <= _LATEST_INSTANT:
        raise bad_request(f"{name} is out of range: {value!r}", name)
    return instant


def int_param(name: str, value: str | None, *, default: int, low: int, high: int) -> int:
    """A whole number within ``[low, high]``, or ``default`` when absent."""
    if value is None or not value.strip():
        return default
    try:
        number = int(value.strip())
    except ValueError as err:
        raise bad_request(f"{name} must be a whole number, got {value!r}", name) from err
    if not low <= number <= high:
        raise bad_request(f"{name} must be between {low} and {high}, got {number}", name)
    return number


def choice_param(name: str, value: str | None, choices: tuple[Choice, ...]) -> Choice | None:
    """One of ``choices`` (exactly as written), or None when absent."""
    if value is None or not value.strip():
        return None
    for choice in choices:
        if value.strip() == choice:
            return choice
    raise bad_request(f"{name} must be one of {', '.join(choices)}; got {value!r}", name)


def text_param(name: str, value: str | None, *, max_chars: int = 200) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > max_chars:
        raise bad_request(f"{name} is too long (at most {max_chars} characters)", name)
    return value.strip()


def resolve_topic(name: str, ref: str, topics: Iterable[Topic]) -> Topic:
    """The topic a reference names: its id when the reference is a whole number that is an
    id, else the topic with exactly that name."""
    topic = _find_topic(ref, list(topics))
    if topic is None:
        raise bad_request(f"{name}: no topic with id or name {ref.strip()!r}", name)
    return topic


def _find_topic(ref: str, topics: list[Topic]) -> Topic | None:
    ref = ref.strip()
    if ref.isascii() and ref.isdigit():
        for topic in topics:
            if topic.id == int(ref):
                return topic
    return next((topic for topic in topics if topic.name == ref), None)


def resolve_topics(name: str, values: Iterable[str], topics: Iterable[Topic]) -> list[Topic]:
    """The topics named by repeated and/or comma-separated references, in order, once each.

    A name may itself hold commas: at each position the longest run of comma-separated
    parts that names a topic wins (``1, Globex, Inc.`` is topic 1 and ``Globex, Inc.``).
    """
    known = list(topics)
    found: dict[int, Topic] = {}
    for value in values:
        parts = value.split(",")
        start = 0
        while start < len(parts):
            if not parts[start].strip():
                start += 1
                continue
            for end in range(len(parts), start, -1):
                topic = _find_topic(",".join(parts[start:end]), known)
                if topic is not None:
                    found.setdefault(topic.id, topic)
                    start = end
                    break
            else:
                raise bad_request(
                    f"{name}: no topic with id or name {parts[start].strip()!r}", name
                )
    return list(found.values())
