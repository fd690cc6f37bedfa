"""What each setting does, in one sentence a person can read: the attribute docstrings.

Detectors and connectors document every setting with the string literal under its field
(an attribute docstring). Python keeps no such string at run time, so this module reads
the settings class's source once and pairs each field with the string that follows it. The
help shown in the console is then the help in the code: one text, never two that drift.
Must not change settings; returns an empty map when the source is not available (a
frozen build), which the console shows as "no help". Imports nothing of Signalroom.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import textwrap

_cache: dict[type, dict[str, str]] = {}


def field_help(settings_type: type) -> dict[str, str]:
    """``{field name: its docstring, whitespace collapsed}`` for a class's annotated fields
    (a dataclass or a msgspec struct)."""
    found = _cache.get(settings_type)
    if found is None:
        found = _cache[settings_type] = _read_help(settings_type)
    return found


def _read_help(settings_type: type) -> dict[str, str]:
    try:
        source = textwrap.dedent(inspect.getsource(settings_type))
    except (OSError, TypeError):
        return {}
    found: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            found.update(_documented_fields(node.body))
    return found


def _documented_fields(body: list[ast.stmt]) -> dict[str, str]:
    found: dict[str, str] = {}
    for statement, following in itertools.pairwise(body):
        if not (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)):
            continue
        if (
            isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            found[statement.target.id] = " ".join(following.value.value.split())
    return found
