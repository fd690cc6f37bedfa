"""Moderation for public screens: the deployment's block/allow rules, and a person's verdict
on one post.

``/api/moderation/rules`` lists, adds and removes rules; every change asks the composition
root to reload them and re-check recent posts (screens then drop or show posts through
``post_updated`` events). ``PUT /api/posts/{id}/moderation`` records a person's verdict
(``safe``, ``review``, ``block``, or ``null`` to give the post back the pipeline's), which
wins over the model and the rules. Must not judge posts itself.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import FastAPI, Path, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict

from signalroom.bus.base import LIVE_CHANNEL
from signalroom.clock import to_iso
from signalroom.models import (
    MODERATION_VERDICTS,
    RULE_ACTIONS,
    RULE_KINDS,
    ModerationRule,
    ModerationRuleDraft,
    ModerationVerdict,
    RuleAction,
    RuleKind,
)
from signalroom.web.corrections import validate_by
from signalroom.web.deps import WebDeps
from signalroom.web.errors import bad_request
from signalroom.wire import post_json, post_updated_event

log = logging.getLogger(__name__)

RuleId = Annotated[int, Path(ge=0, le=2**63 - 1)]


class RuleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str
    action: str
    value: str
    by: str
    note: str = ""


class VerdictBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verdict: str | None
    by: str
    note: str = ""


def rule_json(rule: ModerationRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "kind": rule.kind,
        "action": rule.action,
        "value": rule.value,
        "note": rule.note,
        "created_by": rule.created_by,
        "created_at": to_iso(rule.created_at),
    }


def add_routes(app: FastAPI, deps: WebDeps) -> None:
    store = deps.store

    @app.get("/api/moderation/rules", tags=["moderation"])
    async def list_rules() -> dict[str, Any]:
        rules = await run_in_threadpool(store.list_moderation_rules)
        return {"items": [rule_json(rule) for rule in rules]}

    @app.post("/api/moderation/rules", status_code=201, tags=["moderation"])
    async def add_rule(body: RuleBody) -> dict[str, Any]:
        draft = ModerationRuleDraft(
            kind=_kind(body.kind),
            action=_action(body.action),
            value=body.value,
            created_by=validate_by(body.by),
            note=body.note,
        )
        rule = await run_in_threadpool(store.add_moderation_rule, draft, deps.clock.now())
        deps.on_moderation_rules_changed()
        return rule_json(rule)

    @app.delete("/api/moderation/rules/{rule_id}", status_code=204, tags=["moderation"])
    async def delete_rule(rule_id: RuleId) -> Response:
        await run_in_threadpool(store.delete_moderation_rule, rule_id)
        deps.on_moderation_rules_changed()
        return Response(status_code=204)

    @app.put("/api/posts/{post_id:path}/moderation", tags=["moderation"])
    async def decide(post_id: str, body: VerdictBody) -> dict[str, Any]:
        verdict = _verdict(body.verdict)
        by = validate_by(body.by)
        item = await run_in_threadpool(
            store.set_moderation, post_id, verdict, by, deps.clock.now(), body.note
        )
        try:
            await deps.broadcaster.publish(LIVE_CHANNEL, post_updated_event(item))
        except Exception:
            # The decision is committed; screens catch up on their next snapshot.
            log.exception("could not publish the live event of a moderation decision")
        return post_json(item)


def _kind(value: str) -> RuleKind:
    for kind in RULE_KINDS:
        if value.strip() == kind:
            return kind
    raise bad_request(f"kind must be one of {', '.join(RULE_KINDS)}; got {value!r}", "kind")


def _action(value: str) -> RuleAction:
    for action in RULE_ACTIONS:
        if value.strip() == action:
            return action
    raise bad_request(f"action must be one of {', '.join(RULE_ACTIONS)}; got {value!r}", "action")


def _verdict(value: str | None) -> ModerationVerdict | None:
    if value is None:
        return None
    for verdict in MODERATION_VERDICTS:
        if value.strip() == verdict:
            return verdict
    choices = ", ".join(MODERATION_VERDICTS)
    raise bad_request(f"verdict must be one of {choices}, or null; got {value!r}", "verdict")
