"""Fixtures every test gets: a guard that fails a test which leaves threads running."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5.0
    while True:
        leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not leaked or time.monotonic() > deadline:
            break
        for thread in leaked:
            thread.join(timeout=0.1)
    assert not leaked, f"test left threads running: {[t.name for t in leaked]}"
