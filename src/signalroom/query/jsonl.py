"""``signalroom query match``: one JSON post line in, ``true`` / ``false`` / ``error: ...`` out.

A line must be a JSON object with any of ``text``, ``title``, ``author``, ``lang``,
``source``, ``url``, ``site`` (strings; ``null`` counts as absent; ``author`` may also be an object
with a ``handle``, the shape the HTTP API returns). Other keys are ignored. Anything else is
an error line, never an exception, so the remaining lines still run.
This module must not open files or print.
"""

from __future__ import annotations

import json
from typing import Any

from signalroom.query.doc import MatchDoc
from signalroom.query.match import CompiledQuery

POST_FIELDS = ("text", "title", "author", "lang", "source", "url", "site")


def match_json_line(compiled: CompiledQuery, line: str) -> str:
    try:
        post = json.loads(line)
    except RecursionError:
        return "error: JSON nested too deeply"
    except ValueError as err:
        return f"error: invalid JSON ({_one_line(str(err))})"
    if not isinstance(post, dict):
        return f"error: expected a JSON object, got {_json_kind(post)}"
    values: dict[str, str] = {}
    for name in POST_FIELDS:
        value = post.get(name)
        if name == "author" and isinstance(value, dict):
            value = value.get("handle")
        if value is None:
            continue
        if not isinstance(value, str):
            return f"error: field '{name}' must be a string, got {_json_kind(value)}"
        values[name] = value
    return "true" if compiled.matches(MatchDoc.build(**values)) else "false"


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "null"


def _one_line(message: str) -> str:
    return " ".join(message.split())
