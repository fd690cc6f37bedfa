"""Hypothesis strategies for what a connector might hand its normalizer: any bytes, or JSON
documents nested a few levels deep whose object keys come from the payload's own shape, so
generated payloads get past the JSON parser and reach the field checks.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from hypothesis import strategies as st


def nested_json_or_bytes(
    keys: Sequence[str], *, max_bytes: int, max_keys: int
) -> st.SearchStrategy[bytes]:
    """Up to ``max_bytes`` random bytes, or a JSON document of scalars, lists and objects
    (at most ``max_keys`` keys each, drawn from ``keys``)."""
    return st.binary(max_size=max_bytes) | st.builds(
        lambda tree: json.dumps(tree).encode(),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda children: (
                st.lists(children, max_size=4)
                | st.dictionaries(st.sampled_from(list(keys)), children, max_size=max_keys)
            ),
            max_leaves=20,
        ),
    )
