"""``signalroom query match`` line semantics: true, false, or an error line, never a crash."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signalroom.query import compile_query, match_json_line, parse_query

BANK = compile_query(parse_query('@acmebank AND (refund OR "charged twice") AND lang:en'))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"text": "@AcmeBank refund please", "lang": "en"}', "true"),
        ('{"text": "@AcmeBank refund please", "lang": "hu"}', "false"),
        ('{"text": "@AcmeBank", "title": "charged twice", "lang": "en", "extra": [1]}', "true"),
        ('{"text": "@AcmeBank refund", "lang": "en", "title": null}\n', "true"),
        ("{}", "false"),
    ],
)
def test_match_json_line_answers_true_or_false(line: str, expected: str) -> None:
    assert match_json_line(BANK, line) == expected


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("not json", "error: invalid JSON"),
        ("", "error: invalid JSON"),
        ("[1, 2]", "error: expected a JSON object, got an array"),
        ('"text"', "error: expected a JSON object, got a string"),
        ("null", "error: expected a JSON object, got null"),
        ('{"text": 5}', "error: field 'text' must be a string, got a number"),
        ('{"lang": true}', "error: field 'lang' must be a string, got a boolean"),
        ('{"author": {"handle": 1}}', "error: field 'author' must be a string, got a number"),
        ("[" * 100_000, "error: "),
    ],
)
def test_match_json_line_reports_bad_lines(line: str, error: str) -> None:
    answer = match_json_line(BANK, line)
    assert answer.startswith(error)
    assert "\n" not in answer


def test_match_json_line_reads_author_objects_from_the_api() -> None:
    compiled = compile_query(parse_query("author:acme*"))
    assert match_json_line(compiled, json.dumps({"author": {"handle": "AcmeBank"}})) == "true"
    assert match_json_line(compiled, json.dumps({"author": "bob"})) == "false"


@given(st.text(max_size=80))
def test_match_json_line_never_raises(line: str) -> None:
    answer = match_json_line(BANK, line)
    assert answer in ("true", "false") or answer.startswith("error: ")
