"""What a source may say about a post it already sent: it was edited, or it was deleted.

A normalizer that reads such events returns a :class:`Revision` (the post as it now reads)
or a :class:`Tombstone` (the post is gone) instead of a new :class:`Post`. The pipeline today
stores a post once and never deletes; these are the shapes it needs to apply both (see
``docs/sources.md``, "Edits and deletions"). Plain data; no I/O.
"""

from __future__ import annotations

import msgspec

from signalroom.models import Post, post_id


class Revision(msgspec.Struct, frozen=True):
    """A post that was edited: ``post`` is the whole post as it now reads (same id)."""

    post: Post
    edited_at: float
    """When the author edited it (epoch seconds)."""


class Tombstone(msgspec.Struct, frozen=True):
    """The post ``(source, native_id)`` was deleted by its author or its server."""

    source: str
    native_id: str
    received_at: float

    @property
    def id(self) -> str:
        return post_id(self.source, self.native_id)
