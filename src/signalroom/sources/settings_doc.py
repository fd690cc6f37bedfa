"""What each kind of source can be told: its settings, their types, defaults and meaning.

The console's source editor lists them beside the JSON it edits, so a person need not leave
the page for docs/sources.md. The meaning is the docstring written under each field of the
kind's settings struct (:mod:`signalroom.fielddocs`; double backticks
become single ones, which the console shows as code); the type and the default come from
msgspec. A nested struct (Mastodon's instances) is described as a table
with its own settings. The common keys of every ``[[sources]]`` table come first.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping
from typing import Any, Final, Literal

import msgspec

from signalroom.fielddocs import field_help


class SettingDoc(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    type: str
    """In words: ``text``, ``whole number``, ``list of text``, ``table``..."""
    required: bool
    default: Any = None
    """The default value as JSON (None when required, or when it has none)."""
    doc: str = ""
    fields: tuple[SettingDoc, ...] = ()
    """The settings of a nested table (or of each table of a list)."""


COMMON: Final = (
    SettingDoc(name="name", type="text", required=True, doc="Unique; a-z, 0-9, - and _."),
    SettingDoc(name="kind", type="text", required=True, doc="Which connector."),
    SettingDoc(
        name="enabled", type="true/false", required=False, default=True, doc="Run it or not."
    ),
    SettingDoc(
        name="stale_after_minutes",
        type="number",
        required=False,
        doc="Shown as stale after this long without an item (0: never); the kind's default.",
    ),
)


def describe(settings: type[msgspec.Struct]) -> tuple[SettingDoc, ...]:
    """The settings of one kind, in the struct's order."""
    return _describe(settings)


@functools.cache
def _describe(settings: type[msgspec.Struct]) -> tuple[SettingDoc, ...]:
    docs = {name: doc.replace("``", "`") for name, doc in field_help(settings).items()}
    hints = typing.get_type_hints(settings, include_extras=True)
    described: list[SettingDoc] = []
    for info in msgspec.structs.fields(settings):
        hint = hints.get(info.name, info.type)
        nested = _nested_struct(hint)
        required = info.required
        default: Any = None
        if not required:
            value = (
                info.default_factory()
                if info.default is msgspec.NODEFAULT
                and info.default_factory is not msgspec.NODEFAULT
                else info.default
            )
            default = msgspec.to_builtins(value) if value is not msgspec.NODEFAULT else None
        described.append(
            SettingDoc(
                name=info.encode_name,
                type=_words(hint),
                required=required,
                default=default,
                doc=docs.get(info.name, ""),
                fields=_describe(nested) if nested is not None else (),
            )
        )
    return tuple(described)


def _strip(hint: Any) -> Any:
    """Without ``Annotated`` (constraints) or ``| None``."""
    if typing.get_origin(hint) is typing.Annotated:
        return _strip(typing.get_args(hint)[0])
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(rest) == 1:
            return _strip(rest[0])
    return hint


def _nested_struct(hint: Any) -> type[msgspec.Struct] | None:
    hint = _strip(hint)
    if isinstance(hint, type) and issubclass(hint, msgspec.Struct):
        return hint
    if typing.get_origin(hint) in (tuple, list):
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        if len(args) == 1:
            return _nested_struct(args[0])
    return None


_SCALARS: Final[Mapping[Any, str]] = {
    str: "text",
    int: "whole number",
    float: "number",
    bool: "true/false",
}


def _words(hint: Any) -> str:
    hint = _strip(hint)
    if hint in _SCALARS:
        return _SCALARS[hint]
    origin = typing.get_origin(hint)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(hint))
    if isinstance(hint, type) and issubclass(hint, msgspec.Struct):
        return "table"
    if origin in (tuple, list, frozenset, set):
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        inner = _words(args[0]) if len(args) == 1 else "values"
        return f"list of {inner if inner != 'table' else 'tables'}"
    if origin in (dict, Mapping) or hint is dict:
        pair = typing.get_args(hint)
        return f"table of {_words(pair[1])}" if len(pair) == 2 else "table"
    return getattr(hint, "__name__", str(hint))
