"""Reading evaluation files: both label conventions, and every bad file named to the line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from signalroom.errors import ValidationError
from signalroom.evaluation.dataset import (
    read_binary_examples,
    read_language_examples,
    read_sentiment_examples,
)


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_read_sentiment_examples_accepts_numbers_digit_strings_and_names(tmp_path: Path) -> None:
    rows = [
        {"text": "one", "label": 0},
        {"text": "two", "label": 1},
        {"text": "three", "label": 2},
        {"text": "four", "label": "0"},
        {"text": "five", "label": "2"},
        {"text": "six", "label": "negative"},
        {"text": "seven", "label": "neutral"},
        {"text": "eight", "label": " Positive "},
    ]
    path = write_lines(tmp_path / "s.jsonl", [json.dumps(row) for row in rows])
    labels = [example.label for example in read_sentiment_examples(path)]
    assert labels == [
        "negative",
        "neutral",
        "positive",
        "negative",
        "positive",
        "negative",
        "neutral",
        "positive",
    ]


def test_read_sentiment_examples_keeps_line_numbers_text_and_declared_language(
    tmp_path: Path,
) -> None:
    path = write_lines(
        tmp_path / "s.jsonl",
        [
            '{"text": "Guten Morgen", "label": 2, "lang": "de", "id": "17"}',
            "",
            "   ",
            '{"text": "no language here", "label": 1}',
            '{"text": "olá", "label": 1, "lang": "pt-BR"}',
        ],
    )
    examples = read_sentiment_examples(path)
    assert [(e.line, e.text, e.lang) for e in examples] == [
        (1, "Guten Morgen", "de"),
        (4, "no language here", None),
        (5, "olá", "pt"),
    ]


def test_read_sentiment_examples_accepts_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"text": "hi there", "label": 2}\n')
    assert [e.label for e in read_sentiment_examples(path)] == ["positive"]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("not json at all", "not valid JSON"),
        ('{"text": "unterminated', "not valid JSON"),
        ('["text", "label"]', "expected a JSON object, got an array"),
        ('"just a string"', "expected a JSON object, got a string"),
        ('{"label": 2}', "'text' is missing"),
        ('{"text": 42, "label": 2}', "'text' must be a string, got a number"),
        ('{"text": "fine"}', "'label' is missing"),
        ('{"text": "fine", "label": 3}', "unknown label 3"),
        ('{"text": "fine", "label": "meh"}', 'unknown label "meh"'),
        ('{"text": "fine", "label": true}', "unknown label true"),
        ('{"text": "fine", "label": 1.0}', "unknown label 1.0"),
        ('{"text": "fine", "label": null}', "unknown label null"),
        ('{"text": "fine", "label": 2, "lang": "english"}', "'lang' \"english\" is not"),
        ('{"text": "fine", "label": 2, "lang": 7}', "'lang' 7 is not an ISO 639-1 code"),
    ],
)
def test_read_sentiment_examples_names_file_and_line_of_a_bad_line(
    tmp_path: Path, line: str, problem: str
) -> None:
    path = write_lines(tmp_path / "bad.jsonl", ['{"text": "good line", "label": 0}', "", line])
    with pytest.raises(ValidationError) as caught:
        read_sentiment_examples(path)
    assert caught.value.field == f"{path}:3"
    assert problem in caught.value.message
    assert str(caught.value).startswith(f"{path}:3: ")


def test_read_sentiment_examples_says_what_labels_are_expected(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "bad.jsonl", ['{"text": "x", "label": "happy"}'])
    with pytest.raises(ValidationError, match=r"expected negative\|neutral\|positive or 0\|1\|2"):
        read_sentiment_examples(path)


def test_read_examples_rejects_bytes_that_are_not_utf8_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b'{"text": "ok", "label": 1}\n{"text": "caf\xe9", "label": 1}\n')
    with pytest.raises(ValidationError, match="not UTF-8") as caught:
        read_sentiment_examples(path)
    assert caught.value.field == f"{path}:2"


def test_read_examples_rejects_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.jsonl"
    with pytest.raises(ValidationError, match="cannot read the file") as caught:
        read_binary_examples(path)
    assert caught.value.field == str(path)


def test_read_examples_rejects_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cannot read the file"):
        read_language_examples(tmp_path)


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_read_examples_rejects_a_file_without_examples(tmp_path: Path, content: str) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValidationError, match="no examples") as caught:
        read_sentiment_examples(path)
    assert caught.value.field == str(path)


def test_read_language_examples_requires_an_iso_code(tmp_path: Path) -> None:
    good = write_lines(
        tmp_path / "l.jsonl",
        ['{"text": "bonjour", "lang": "FR"}', '{"text": "hola", "lang": "es-MX", "label": 1}'],
    )
    assert [(e.line, e.lang) for e in read_language_examples(good)] == [(1, "fr"), (2, "es")]
    missing = write_lines(
        tmp_path / "m.jsonl", ['{"text": "bonjour", "lang": "fr"}', '{"text": "x"}']
    )
    with pytest.raises(ValidationError, match="'lang' is missing") as caught:
        read_language_examples(missing)
    assert caught.value.field == f"{missing}:2"
    wrong = write_lines(tmp_path / "w.jsonl", ['{"text": "bonjour", "lang": "fra"}'])
    with pytest.raises(ValidationError, match="not an ISO 639-1 code"):
        read_language_examples(wrong)


def test_read_binary_examples_accepts_zero_and_one_as_numbers_or_strings(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "b.jsonl",
        [
            '{"text": "a", "label": 1}',
            '{"text": "b", "label": 0, "domain": "cars"}',
            '{"text": "c", "label": "1"}',
            '{"text": "d", "label": "0"}',
        ],
    )
    assert [e.label for e in read_binary_examples(path)] == [1, 0, 1, 0]


@pytest.mark.parametrize("label", ["2", '"yes"', "true", "false", "-1", '"positive"'])
def test_read_binary_examples_rejects_other_labels(tmp_path: Path, label: str) -> None:
    path = write_lines(tmp_path / "b.jsonl", [f'{{"text": "a", "label": {label}}}'])
    with pytest.raises(ValidationError, match=r"expected 0 or 1") as caught:
        read_binary_examples(path)
    assert caught.value.field == f"{path}:1"
