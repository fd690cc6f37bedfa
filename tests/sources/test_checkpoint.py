"""Reading a connector's versioned JSON checkpoint: its own version decodes; anything else
(none, unreadable, another shape, another version) reads as None, never an exception."""

from __future__ import annotations

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from signalroom.sources.checkpoint import read_checkpoint


class _Marks(msgspec.Struct, frozen=True):
    v: int
    q: dict[str, int]


def test_read_checkpoint_decodes_its_own_version() -> None:
    assert read_checkpoint('{"v":1,"q":{"a":5}}', _Marks, 1) == _Marks(1, {"a": 5})


def test_read_checkpoint_reads_anything_else_as_none() -> None:
    for since in (None, "", "not json", '{"v":2,"q":{}}', '{"q":{}}', '{"v":1,"q":[1]}', "[1]"):
        assert read_checkpoint(since, _Marks, 1) is None


@given(st.text(max_size=60))
def test_read_checkpoint_never_raises(since: str) -> None:
    outcome = read_checkpoint(since, _Marks, 1)
    assert outcome is None or outcome.v == 1
