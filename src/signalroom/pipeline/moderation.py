"""Keeping public screens in step with the deployment's moderation rules.

When someone adds or removes a block or allow rule, new posts must follow it at once and
the posts already on screens must too: "I blocked that word" means it leaves the lobby
wall now, not tomorrow. :class:`ModerationKeeper` loads the rules into the enricher, then
re-checks the posts of the last ``recheck_hours`` in pages, stores the verdicts that
changed (a person's own decisions are never overturned) and announces each changed post
with a ``post_updated`` event, so screens drop or show it. Re-checks run one at a time;
a change arriving during one starts another when it ends, with the newest rules.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Final, Protocol

from signalroom.bus.base import LIVE_CHANNEL, Broadcaster
from signalroom.clock import Clock
from signalroom.models import EnrichedPost, Moderation, Post
from signalroom.nlp.moderation_rules import RuleSet
from signalroom.store.base import PostQuery, Store
from signalroom.wire import post_updated_event

log = logging.getLogger(__name__)

PAGE: Final = 500


class RuleAwareModel(Protocol):
    def set_rules(self, rules: RuleSet) -> None: ...

    def moderate(self, post: Post, lang: str) -> Moderation: ...


class ModerationKeeper:
    def __init__(
        self,
        store: Store,
        model: RuleAwareModel,
        broadcaster: Broadcaster,
        clock: Clock,
        *,
        recheck_hours: float,
    ) -> None:
        self._store = store
        self._model = model
        self._broadcaster = broadcaster
        self._clock = clock
        self._recheck_s = recheck_hours * 3600.0
        self._wanted = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self.rechecks = 0
        self.changed = 0

    def load_rules(self) -> RuleSet:
        """Read the rules from the store into the model (blocking: call from a thread)."""
        rules = RuleSet(self._store.list_moderation_rules())
        self._model.set_rules(rules)
        return rules

    def rules_changed(self) -> None:
        """Ask for a reload and re-check (call on the event loop; returns at once)."""
        self._idle.clear()
        self._wanted.set()

    async def settled(self) -> None:
        """Wait until every requested re-check has finished (for tests and shutdown)."""
        await self._idle.wait()

    async def run(self) -> None:
        """Serve re-check requests until cancelled."""
        while True:
            await self._wanted.wait()
            self._wanted.clear()
            try:
                await asyncio.to_thread(self.load_rules)
                await self._recheck()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not re-check posts against the new moderation rules")
            if not self._wanted.is_set():
                self._idle.set()

    def _judge(self, items: Sequence[EnrichedPost]) -> list[tuple[str, Moderation]]:
        return [(i.post.id, self._model.moderate(i.post, i.enrichment.lang)) for i in items]

    async def _recheck(self) -> None:
        if self._recheck_s <= 0:
            return
        since = self._clock.now() - self._recheck_s
        cursor: str | None = None
        changed_now = 0
        while True:
            query = PostQuery(since=since, limit=PAGE, cursor=cursor)
            page = await asyncio.to_thread(self._store.query_posts, query)
            changes = await asyncio.to_thread(self._judge, page.items)
            changed = await asyncio.to_thread(self._store.update_moderations, changes)
            for post_id in changed:
                item = await asyncio.to_thread(self._store.get_post, post_id)
                await self._broadcaster.publish(LIVE_CHANNEL, post_updated_event(item))
            changed_now += len(changed)
            if page.next_cursor is None or self._wanted.is_set():
                break
            cursor = page.next_cursor
        self.rechecks += 1
        self.changed += changed_now
        if changed_now:
            log.info("moderation re-check: %d posts changed verdict", changed_now)
