"""``/api/alerts`` and ``/api/outbox``: list and read alerts, acknowledge, resolve and
escalate by hand, and see every notification queued, sent or failed. ``add_routes`` also
adds the rest of alerting's HTTP surface (teams, policies, routing and silences; detector
settings and backtests; the one-click acknowledge pages), and nothing when the node runs
without alerting.

Every change to an alert goes through the engine (it stops or starts escalation in the
same transaction) and is then announced as a live ``alert`` event; a bus failure is
logged, never reported as a failed request, since the change is committed. The engine and
the store block, so every call runs in the thread pool. Must not change alerts itself.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from signalroom.alerting.escalation import EscalationPolicy, takeover_screens
from signalroom.alerting.model import Alert, AlertState
from signalroom.alerting.outbox import OUTBOX_STATES
from signalroom.bus.base import LIVE_CHANNEL
from signalroom.detectors.base import SEVERITIES
from signalroom.errors import NotFoundError, ValidationError
from signalroom.store.alerts import AlertRecord, AlertStore
from signalroom.web import ack_page, alert_config, alert_detectors
from signalroom.web.alert_input import choice_field, instant_field, invalid, note_field
from signalroom.web.alert_wire import alert_event, alert_json, audit_json, outbox_json
from signalroom.web.corrections import validate_by
from signalroom.web.deps import AlertingDeps, WebDeps
from signalroom.web.errors import bad_request
from signalroom.web.params import choice_param, int_param, resolve_topic, text_param

log = logging.getLogger(__name__)

ALERT_FILTERS: tuple[AlertState | Literal["active"], ...] = (
    "open",
    "acknowledged",
    "resolved",
    "active",
)
MAX_ALERT_ID_CHARS = 200
MAX_DELIVERIES = 1000
_ENGINE_FIELDS = {"team_or_policy": "team", "actor": "by"}


class ActionBody(BaseModel):
    """A person's acknowledge or resolve."""

    model_config = ConfigDict(extra="forbid")

    by: str
    note: str = ""


class PointBody(BaseModel):
    """The chart point that prompted a manual escalation."""

    model_config = ConfigDict(extra="forbid")

    at: str | float
    value: float


class EscalateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic_id: Annotated[int, Field(ge=0, le=2**63 - 1)]
    team: str | None = None
    """A team or an escalation policy; None: follow the routing table."""
    note: str
    by: str
    post_id: str | None = None
    point: PointBody | None = None
    severity: str = "critical"


def add_routes(app: FastAPI, deps: WebDeps) -> None:
    alerting = deps.alerting
    if alerting is None:
        return

    async def announce(record: AlertRecord, topic_name: str | None) -> None:
        try:
            takeover = await run_in_threadpool(takeover_of, alerting.alerts, record)
            event = alert_event(record, topic_name, takeover)
            await deps.broadcaster.publish(LIVE_CHANNEL, event)
        except Exception:
            # The change is committed; a bus hiccup must not tell the person it failed.
            # Consoles catch up on their next snapshot (reconnect, gap or refresh).
            log.exception("could not publish the live event of alert %s", record.alert.id)

    add_alert_routes(app, deps, alerting, announce)
    alert_config.add_routes(app, deps, alerting)
    alert_detectors.add_routes(app, deps, alerting)
    ack_page.add_routes(app, deps, alerting, announce)


def takeover_of(
    alerts: AlertStore,
    record: AlertRecord,
    policies: Mapping[str, EscalationPolicy] | None = None,
) -> tuple[str, ...]:
    """The screens an open alert's escalation has taken over (blocking: reads its policy,
    unless ``policies`` already holds them by name)."""
    escalation = record.escalation
    if escalation is None or record.alert.state != "open":
        return ()
    if policies is not None:
        policy = policies.get(escalation.policy)
    else:
        try:
            policy = alerts.get_policy(escalation.policy)
        except NotFoundError:
            policy = None
    if policy is None:
        return ()  # a manual escalation's generated policy takes no screen
    return takeover_screens(policy, escalation)


def add_alert_routes(
    app: FastAPI, deps: WebDeps, alerting: AlertingDeps, announce: ack_page.Announce
) -> None:
    store, alerts, engine = deps.store, alerting.alerts, alerting.engine

    def topic_name(topic_id: int) -> str | None:
        try:
            return store.get_topic(topic_id).name
        except NotFoundError:
            return None

    def described(alert: Alert) -> tuple[AlertRecord, str | None]:
        return alerts.get_alert(alert.id), topic_name(alert.topic_id)

    @app.get("/api/alerts", tags=["alerts"])
    async def list_alerts(
        state: str | None = None,
        topic: str | None = None,
        limit: Annotated[str | None, Query()] = None,
    ) -> dict[str, Any]:
        chosen = choice_param("state", state, ALERT_FILTERS)
        count = int_param("limit", limit, default=100, low=1, high=1000)
        ref = text_param("topic", topic)

        def read() -> dict[str, Any]:
            topics = store.list_topics()
            topic_id = resolve_topic("topic", ref, topics).id if ref is not None else None
            state_: AlertState | None = None if chosen == "active" else chosen
            records = alerts.list_alerts(
                state=state_,
                active=True if chosen == "active" else None,
                topic_id=topic_id,
                limit=count,
            )
            names = {t.id: t.name for t in topics}
            # One read of the policies for the whole page, not one per alert.
            policies = {p.name: p for p in alerts.list_policies()}
            return {
                "items": [
                    alert_json(r, names.get(r.alert.topic_id), takeover_of(alerts, r, policies))
                    for r in records
                ]
            }

        return await run_in_threadpool(read)

    @app.post("/api/alerts/escalate", status_code=201, tags=["alerts"])
    async def escalate(body: EscalateBody) -> dict[str, Any]:
        by = validate_by(body.by)
        note = note_field("note", body.note, required=True)
        severity = choice_field("severity", body.severity, SEVERITIES)
        team = body.team.strip() if body.team is not None and body.team.strip() else None
        post_id = (
            body.post_id.strip() if body.post_id is not None and body.post_id.strip() else None
        )
        point = _point(body.point)

        def raise_alert() -> tuple[AlertRecord, str | None]:
            try:
                store.get_topic(body.topic_id)
            except NotFoundError as err:
                raise bad_request(
                    f"topic_id: no topic with id {body.topic_id}", "topic_id"
                ) from err
            if post_id is not None:
                try:
                    store.get_post(post_id)
                except NotFoundError as err:
                    raise bad_request(f"post_id: no post with id {post_id!r}", "post_id") from err
            try:
                alert = engine.escalate_manually(
                    body.topic_id, team, note, by, post_id, point, severity=severity
                )
            except ValidationError as err:
                # The engine names its parameters; the client knows the body's fields.
                field = _ENGINE_FIELDS.get(err.field or "", err.field)
                raise invalid("", ValidationError(err.message, field)) from err
            return described(alert)

        record, name = await run_in_threadpool(raise_alert)
        await announce(record, name)
        return alert_json(record, name, await run_in_threadpool(takeover_of, alerts, record))

    @app.get("/api/alerts/{alert_id}", tags=["alerts"])
    async def get_alert(alert_id: str) -> dict[str, Any]:
        checked_id = _alert_id(alert_id)

        def read() -> dict[str, Any]:
            record = alerts.get_alert(checked_id)
            body = alert_json(
                record, topic_name(record.alert.topic_id), takeover_of(alerts, record)
            )
            body["audit"] = [audit_json(e) for e in alerts.audit(checked_id)]
            deliveries = alerts.list_outbox(alert_id=checked_id, limit=MAX_DELIVERIES)
            body["deliveries"] = [outbox_json(m) for m in deliveries]
            return body

        return await run_in_threadpool(read)

    @app.post("/api/alerts/{alert_id}/ack", tags=["alerts"])
    async def acknowledge(alert_id: str, body: ActionBody) -> dict[str, Any]:
        checked_id = _alert_id(alert_id)
        by, note = validate_by(body.by), note_field("note", body.note)

        def act() -> tuple[AlertRecord, str | None]:
            return described(engine.acknowledge(checked_id, by, note))

        record, name = await run_in_threadpool(act)
        await announce(record, name)
        return alert_json(record, name, await run_in_threadpool(takeover_of, alerts, record))

    @app.post("/api/alerts/{alert_id}/resolve", tags=["alerts"])
    async def resolve(alert_id: str, body: ActionBody) -> dict[str, Any]:
        checked_id = _alert_id(alert_id)
        by, note = validate_by(body.by), note_field("note", body.note)

        def act() -> tuple[AlertRecord, str | None]:
            return described(engine.resolve(checked_id, by, note))

        record, name = await run_in_threadpool(act)
        await announce(record, name)
        return alert_json(record, name, await run_in_threadpool(takeover_of, alerts, record))

    @app.get("/api/outbox", tags=["alerts"])
    async def list_outbox(
        state: str | None = None,
        alert: str | None = None,
        limit: Annotated[str | None, Query()] = None,
    ) -> dict[str, Any]:
        chosen = choice_param("state", state, OUTBOX_STATES)
        count = int_param("limit", limit, default=100, low=1, high=1000)
        alert_id = text_param("alert", alert, max_chars=MAX_ALERT_ID_CHARS)

        def read() -> dict[str, Any]:
            messages = alerts.list_outbox(alert_id=alert_id, state=chosen, limit=count)
            return {"items": [outbox_json(m) for m in messages]}

        return await run_in_threadpool(read)


def _alert_id(value: str) -> str:
    text = value.strip()
    if not text or len(text) > MAX_ALERT_ID_CHARS:
        raise bad_request(f"alert id must be 1 to {MAX_ALERT_ID_CHARS} characters", "alert_id")
    return text


def _point(point: PointBody | None) -> tuple[float, float] | None:
    if point is None:
        return None
    at = instant_field("point.at", point.at)
    assert at is not None
    if not math.isfinite(point.value):
        raise bad_request("point.value must be a finite number", "point.value")
    return at, point.value
