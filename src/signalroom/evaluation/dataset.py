"""Reading labelled evaluation files: UTF-8 JSONL, one example per line, checked as read.

Three shapes, as ``docs/evaluation.md`` describes: sentiment (``text``, ``label`` as
``negative|neutral|positive`` or ``0|1|2``, optional ``lang``), language (``text``,
``lang``) and binary (``text``, ``label`` 0 or 1). Other keys (``id``, ``source``,
``domain``) are ignored; blank lines carry no example and are skipped.

Any problem (no file, bytes that are not UTF-8, a line that is not a JSON object, a missing
or unknown label, no example at all) is a :class:`ValidationError` whose ``field`` is
``FILE:LINE``, so the message points at the line to fix. This module must not score
anything or load a model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import msgspec

from signalroom.errors import ValidationError
from signalroom.models import SENTIMENT_LABELS, SentimentLabel
from signalroom.nlp.language import hint_code

BinaryLabel = Literal[0, 1]

_SENTIMENT_NAMES: dict[str, SentimentLabel] = {
    **{label: label for label in SENTIMENT_LABELS},
    **{str(index): label for index, label in enumerate(SENTIMENT_LABELS)},
}
"""Both conventions of ``../shared/data``: names, and 0 negative, 1 neutral, 2 positive."""

_SENTIMENT_EXPECTED = "negative|neutral|positive or 0|1|2"


@dataclass(frozen=True, slots=True)
class SentimentExample:
    line: int
    text: str
    label: SentimentLabel
    lang: str | None
    """The language the file declares, kept for a per-language breakdown only: the scorer
    detects the language itself, as the pipeline does."""


@dataclass(frozen=True, slots=True)
class LanguageExample:
    line: int
    text: str
    lang: str
    """ISO 639-1 code."""


@dataclass(frozen=True, slots=True)
class BinaryExample:
    line: int
    text: str
    label: BinaryLabel
    """1 = offensive (or a complaint), 0 = not."""


_Example = TypeVar("_Example")


def read_sentiment_examples(path: Path) -> list[SentimentExample]:
    """Every example of a sentiment file, in file order."""

    def parse(line: int, record: dict[str, Any]) -> SentimentExample:
        return SentimentExample(
            line=line,
            text=_text(path, line, record),
            label=_sentiment_label(path, line, record),
            lang=_optional_lang(path, line, record),
        )

    return _read(path, parse)


def read_language_examples(path: Path) -> list[LanguageExample]:
    """Every example of a language-identification file, in file order."""

    def parse(line: int, record: dict[str, Any]) -> LanguageExample:
        if "lang" not in record:
            raise _error(path, line, "'lang' is missing (expected an ISO 639-1 code such as en)")
        return LanguageExample(
            line=line, text=_text(path, line, record), lang=_lang(path, line, record["lang"])
        )

    return _read(path, parse)


def read_binary_examples(path: Path) -> list[BinaryExample]:
    """Every example of a binary (moderation or complaint) file, in file order."""

    def parse(line: int, record: dict[str, Any]) -> BinaryExample:
        return BinaryExample(
            line=line, text=_text(path, line, record), label=_binary_label(path, line, record)
        )

    return _read(path, parse)


def _read(path: Path, parse: Callable[[int, dict[str, Any]], _Example]) -> list[_Example]:
    examples = [parse(line, record) for line, record in _records(path)]
    if not examples:
        raise ValidationError("no examples: the file is empty", field=str(path))
    return examples


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        handle = path.open("rb")
    except OSError as err:
        raise ValidationError(f"cannot read the file ({err.strerror})", field=str(path)) from err
    with handle:
        for line, raw in enumerate(handle, start=1):
            try:
                # A byte-order mark is legal at the start of a UTF-8 file, nowhere else.
                text = raw.decode("utf-8-sig" if line == 1 else "utf-8")
            except UnicodeDecodeError as err:
                raise _error(path, line, f"not UTF-8 (byte {err.start})") from err
            if not text.strip():
                continue
            try:
                record = msgspec.json.decode(text)
            except msgspec.DecodeError as err:
                raise _error(path, line, f"not valid JSON ({err})") from err
            if not isinstance(record, dict):
                raise _error(path, line, f"expected a JSON object, got {_kind(record)}")
            yield line, record


def _text(path: Path, line: int, record: dict[str, Any]) -> str:
    if "text" not in record:
        raise _error(path, line, "'text' is missing")
    text = record["text"]
    if not isinstance(text, str):
        raise _error(path, line, f"'text' must be a string, got {_kind(text)}")
    return text


def _sentiment_label(path: Path, line: int, record: dict[str, Any]) -> SentimentLabel:
    if "label" not in record:
        raise _error(path, line, f"'label' is missing (expected {_SENTIMENT_EXPECTED})")
    value = record["label"]
    # bool is an int in Python, but ``true`` is no class number.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    label = _SENTIMENT_NAMES.get(value.strip().lower()) if isinstance(value, str) else None
    if label is None:
        raise _error(
            path, line, f"unknown label {_show(record['label'])} (expected {_SENTIMENT_EXPECTED})"
        )
    return label


def _binary_label(path: Path, line: int, record: dict[str, Any]) -> BinaryLabel:
    if "label" not in record:
        raise _error(path, line, "'label' is missing (expected 0 or 1)")
    value = record["label"]
    if isinstance(value, bool):
        value = None
    elif isinstance(value, str):
        value = value.strip()
    if value in (0, "0"):
        return 0
    if value in (1, "1"):
        return 1
    raise _error(path, line, f"unknown label {_show(record['label'])} (expected 0 or 1)")


def _optional_lang(path: Path, line: int, record: dict[str, Any]) -> str | None:
    value = record.get("lang")
    return None if value is None else _lang(path, line, value)


def _lang(path: Path, line: int, value: object) -> str:
    code = hint_code(value) if isinstance(value, str) else None
    if code is None:
        raise _error(
            path, line, f"'lang' {_show(value)} is not an ISO 639-1 code (two letters, e.g. en)"
        )
    return code


def _error(path: Path, line: int, problem: str) -> ValidationError:
    return ValidationError(problem, field=f"{path}:{line}")


def _kind(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)


def _show(value: object) -> str:
    shown = msgspec.json.encode(value).decode("utf-8")
    return shown if len(shown) <= 40 else shown[:37] + "..."
