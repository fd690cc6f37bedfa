"""The Boolean query language of topics (``docs/QUERY.md``): parse, print, compile, match.

``parse_query`` → :class:`Query` (or :class:`~signalroom.errors.QueryError`),
``format_query`` → the normalised text, ``compile_query`` → :class:`CompiledQuery`,
:class:`MatchDoc` is one post as the matcher sees it, :class:`TopicMatcher` matches many
topics at once. This package sits just above the foundation: it imports only ``errors``.
"""

from signalroom.query.ast import Query
from signalroom.query.doc import MatchDoc
from signalroom.query.format import format_query
from signalroom.query.jsonl import match_json_line
from signalroom.query.match import CompiledQuery, compile_query
from signalroom.query.parser import parse_query
from signalroom.query.topics import TopicMatcher

__all__ = [
    "CompiledQuery",
    "MatchDoc",
    "Query",
    "TopicMatcher",
    "compile_query",
    "format_query",
    "match_json_line",
    "parse_query",
]
