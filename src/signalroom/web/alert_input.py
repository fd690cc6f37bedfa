"""Checks of the values alerting requests carry in their JSON bodies: notes, names,
instants, closed choices, and the translation of the alerting model's own checks into
400s that name the field by its path in the body.

Every failure is an :class:`ApiError` 400 whose message starts with the field's path
(``levels[1].timeout_s must be ...``), so the console can show it beside the input.
Pure: no I/O, no clock; must not decide what alerting allows (the model's types do).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Final, TypeVar

from signalroom.alerting.model import MAX_NOTE_CHARS
from signalroom.errors import ValidationError
from signalroom.web.errors import ApiError, bad_request
from signalroom.web.params import instant_param

T = TypeVar("T")
Choice = TypeVar("Choice", bound=str)

MAX_NAME_CHARS: Final = 80
_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]*")
# Notes keep line breaks and tabs (a person may write a list); other control characters
# are a paste gone wrong.
_NOTE_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LATEST_INSTANT: Final = 32_503_680_000.0


def note_field(name: str, value: str | None, *, required: bool = False) -> str:
    """Free text (a note, a comment): trimmed, at most the model's note length."""
    text = (value or "").strip()
    if required and not text:
        raise bad_request(f"{name} is required: say why, in a few words", name)
    if len(text) > MAX_NOTE_CHARS:
        raise bad_request(f"{name} is too long (at most {MAX_NOTE_CHARS} characters)", name)
    if _NOTE_CONTROL.search(text):
        raise bad_request(f"{name} must not contain control characters", name)
    return text


def name_field(name: str, value: str) -> str:
    """A team's or a policy's name: it appears in URLs, policies and delivery keys."""
    text = value.strip()
    if len(text) > MAX_NAME_CHARS or not _NAME.fullmatch(text):
        raise bad_request(
            f"{name} must be 1 to {MAX_NAME_CHARS} letters, digits, spaces, '.', '_' or '-', "
            f"starting with a letter or digit; got {value!r}",
            name,
        )
    return text


def instant_field(name: str, value: str | float | None) -> float | None:
    """An instant sent as an ISO 8601 string or epoch seconds; None when absent."""
    if value is None:
        return None
    if isinstance(value, str):
        return instant_param(name, value)
    if isinstance(value, bool) or not math.isfinite(value) or not 0 <= value <= _LATEST_INSTANT:
        raise bad_request(
            f"{name} must be an ISO 8601 time (2025-01-31T12:00:00Z) or epoch seconds, "
            f"got {value!r}",
            name,
        )
    return float(value)


def choice_field(name: str, value: str, choices: tuple[Choice, ...]) -> Choice:
    """One of ``choices``, exactly as written."""
    for choice in choices:
        if value == choice:
            return choice
    raise bad_request(f"{name} must be one of {', '.join(choices)}; got {value!r}", name)


def checked(path: str, build: Callable[[], T]) -> T:
    """``build()``, with a ValidationError of the alerting model turned into a 400 whose
    field is ``path`` joined with the error's own field (``members[0]`` + ``name``)."""
    try:
        return build()
    except ValidationError as err:
        raise invalid(path, err) from err


def invalid(path: str, err: ValidationError) -> ApiError:
    """A 400 for a model's ValidationError raised while building the value at ``path``."""
    field = join_path(path, err.field)
    if not field:
        return bad_request(err.message, None)
    # "name must be ..." reads as a sentence; "team: no team named ..." needs the colon.
    glue = " " if err.message.startswith(("must ", "is ", "names ")) else ": "
    return bad_request(f"{field}{glue}{err.message}", field)


def join_path(path: str, field: str | None) -> str:
    if not field:
        return path
    if not path:
        return field
    return f"{path}{field}" if field.startswith("[") else f"{path}.{field}"
