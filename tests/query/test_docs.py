"""docs/query.md stays true: its error table and its `query check` examples are what the
parser says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from signalroom.errors import QueryError
from signalroom.query import format_query, parse_query

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "query.md"
_ERROR_ROW = re.compile(r"^\| `(?P<query>[^`]+)` \| `(?P<error>[^`]+ at \d+)` \|$", re.MULTILINE)
_CHECK = re.compile(r"^\$ signalroom query check '(?P<query>[^']+)'\n(?P<output>.+)$", re.MULTILINE)


def _rows(pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in pattern.finditer(GUIDE.read_text("utf-8"))]


def test_guide_has_examples_to_check() -> None:
    assert len(_rows(_ERROR_ROW)) >= 4
    assert len(_rows(_CHECK)) >= 2


@pytest.mark.parametrize(("query", "error"), _rows(_ERROR_ROW))
def test_guide_error_examples_are_what_the_parser_says(query: str, error: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(query)
    assert str(caught.value) == error


@pytest.mark.parametrize(("query", "output"), _rows(_CHECK))
def test_guide_check_examples_are_what_the_parser_prints(query: str, output: str) -> None:
    try:
        printed = format_query(parse_query(query))
    except QueryError as err:
        printed = f"error: {err}"
    assert printed == output
