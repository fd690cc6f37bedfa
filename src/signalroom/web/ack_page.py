"""The one-click acknowledge pages behind the links in notifications: ``/ack/{token}``.

``GET`` only shows the alert and a button: mail scanners and chat link previews open every
link they see, so opening one must never change anything. The button ``POST``s the token
back; only then is it checked again and the alert acknowledged, by the engine, as
``NAME via ack link`` (or ``ack link`` when the person leaves the name empty). Every
refusal is a page that says what happened, with its own status: 400 a link that is not
ours or was altered, 410 an expired link or one sent for an earlier occurrence of an
alert that re-opened since, 404 an alert that no longer exists, 409 an alert already
acknowledged or resolved (and by whom). Pages are plain HTML with no script, served with
the console's security headers. Must not acknowledge on GET, nor trust the token's claim
beyond the alert id and trigger it signs.
"""

from __future__ import annotations

import logging
import re
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Final, Literal

from fastapi import FastAPI, Path, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from signalroom import __version__
from signalroom.alerting.signing import MAX_TOKEN_CHARS, AckClaim, AckTokenError, verify_ack
from signalroom.errors import ConflictError, NotFoundError
from signalroom.notify.message import headline, sanitize
from signalroom.store.alerts import AlertRecord
from signalroom.web.deps import AlertingDeps, WebDeps
from signalroom.web.pages import PAGE_HEADERS, TEMPLATES_DIR, render

log = logging.getLogger(__name__)

Announce = Callable[[AlertRecord, str | None], Awaitable[None]]
"""Publishes the live ``alert`` event after a change (never raises)."""

Outcome = Literal["confirm", "acknowledged", "already", "outdated", "expired", "invalid", "missing"]
Tone = Literal["info", "ok", "warn", "bad"]

LINK_ACTOR: Final = "ack link"
LINK_NOTE: Final = "acknowledged with the link of a notification"
MAX_FORM_BYTES: Final = 4096
MAX_NAME_CHARS: Final = 80
MAX_SUMMARY_CHARS: Final = 400

TokenPath = Annotated[str, Path(max_length=MAX_TOKEN_CHARS)]
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Page:
    """What one acknowledge page says."""

    outcome: Outcome
    status: int
    badge: str
    tone: Tone
    title: str
    message: str
    record: AlertRecord | None = None
    topic_name: str | None = None


def add_routes(app: FastAPI, deps: WebDeps, alerting: AlertingDeps, announce: Announce) -> None:
    template = (TEMPLATES_DIR / "ack.html").read_text(encoding="utf-8")
    store, alerts, engine = deps.store, alerting.alerts, alerting.engine

    def verify(token: str) -> AckClaim | Page:
        try:
            return verify_ack(token, key=alerting.ack_key, now=deps.clock.now())
        except AckTokenError as err:
            if err.reason == "expired":
                return Page(
                    "expired",
                    410,
                    "Link expired",
                    "warn",
                    "This link has expired",
                    "Acknowledge links work for a limited time. Open the console to see the "
                    "alert and acknowledge it there.",
                )
            log.warning("refused an acknowledge link: %s", err.message)
            return Page(
                "invalid",
                400,
                "Not valid",
                "bad",
                "This link is not valid",
                "It is not a Signalroom acknowledge link, or it was changed on the way. "
                "Open the link from the notification again, or use the console.",
            )

    def topic_name(topic_id: int) -> str | None:
        try:
            return store.get_topic(topic_id).name
        except NotFoundError:
            return None

    def refusal(claim: AckClaim) -> Page | AlertRecord:
        """The page refusing the claim, or the alert when it may be acknowledged."""
        try:
            record = alerts.get_alert(claim.alert_id)
        except NotFoundError:
            return Page(
                "missing",
                404,
                "Not found",
                "bad",
                "This alert no longer exists",
                "It was removed after the notification was sent.",
            )
        alert, name = record.alert, topic_name(record.alert.topic_id)
        if alert.trigger != claim.trigger:
            return Page(
                "outdated",
                410,
                "Link outdated",
                "warn",
                "This link is for an earlier occurrence",
                "The alert ended and came back since this notification was sent; a newer "
                "notification carries its own link. Open the console to see where it stands.",
                record,
                name,
            )
        if alert.state == "acknowledged":
            return Page(
                "already",
                409,
                "Already acknowledged",
                "ok",
                f"Already acknowledged by {alert.acknowledged_by or 'someone'}",
                f"{alert.acknowledged_by or 'Someone'} acknowledged it "
                f"{_when(alert.acknowledged_at)}: nobody else is being notified.",
                record,
                name,
            )
        if alert.state == "resolved":
            return Page(
                "already",
                409,
                "Already resolved",
                "ok",
                f"Already resolved by {alert.resolved_by or 'someone'}",
                f"It was resolved {_when(alert.resolved_at)}: there is nothing left to "
                "acknowledge.",
                record,
                name,
            )
        return record

    def confirm(token: str) -> Page:
        claim = verify(token)
        if isinstance(claim, Page):
            return claim
        found = refusal(claim)
        if isinstance(found, Page):
            return found
        return Page(
            "confirm",
            200,
            "Open",
            "warn",
            "Acknowledge this alert?",
            "You are on it: acknowledging stops the escalation, so the next level is not notified.",
            found,
            topic_name(found.alert.topic_id),
        )

    def acknowledge(token: str, actor: str) -> Page:
        claim = verify(token)
        if isinstance(claim, Page):
            return claim
        found = refusal(claim)
        if isinstance(found, Page):
            return found
        try:
            engine.acknowledge(claim.alert_id, actor, LINK_NOTE)
        except ConflictError:
            # Someone else got there between our read and the write: say who.
            page = refusal(claim)
            if isinstance(page, Page):
                return page
            raise
        record = alerts.get_alert(claim.alert_id)
        return Page(
            "acknowledged",
            200,
            "Acknowledged",
            "ok",
            "Acknowledged",
            "Thank you: the escalation has stopped. Resolve the alert in the console once "
            "the crisis is over.",
            record,
            topic_name(record.alert.topic_id),
        )

    def respond(page: Page, token: str) -> HTMLResponse:
        return HTMLResponse(
            _render(template, page, f"/ack/{urllib.parse.quote(token, safe='')}"),
            status_code=page.status,
            headers=PAGE_HEADERS,
        )

    # HEAD too: link checkers probe with it, and must get the page's status, not a 405.
    @app.api_route(
        "/ack/{token}",
        methods=["GET", "HEAD"],
        response_class=HTMLResponse,
        include_in_schema=False,
    )
    async def ack_confirm_page(token: TokenPath) -> HTMLResponse:
        page = await run_in_threadpool(confirm, token)
        return respond(page, token)

    @app.post("/ack/{token}", response_class=HTMLResponse, include_in_schema=False)
    async def ack_by_link(token: TokenPath, request: Request) -> HTMLResponse:
        actor = _actor(await _form(request))
        page = await run_in_threadpool(acknowledge, token, actor)
        if page.outcome == "acknowledged" and page.record is not None:
            await announce(page.record, page.topic_name)
        return respond(page, token)


async def _form(request: Request) -> bytes:
    """The start of the posted form: the one field it has fits, and a huge body is not
    read into memory."""
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) >= MAX_FORM_BYTES:
            break
    return bytes(data[:MAX_FORM_BYTES])


def _actor(form: bytes) -> str:
    """Who acknowledges: the name typed in the form, if any, marked as coming by link."""
    fields = urllib.parse.parse_qs(form.decode("utf-8", "replace"), max_num_fields=8)
    name = " ".join(_CONTROL.sub(" ", (fields.get("name") or [""])[0]).split())
    name = name[:MAX_NAME_CHARS].strip()
    return f"{name} via {LINK_ACTOR}" if name else LINK_ACTOR


def _when(instant: float | None) -> str:
    if instant is None:
        return "earlier"
    return "at " + datetime.fromtimestamp(instant, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def _render(template: str, page: Page, action: str) -> str:
    record = page.record
    values = {
        "version": __version__,
        "outcome": page.outcome,
        "tone": page.tone,
        "badge": page.badge,
        "title": page.title,
        "message": page.message,
        "action": action,
        "form_hidden": "" if page.outcome == "confirm" else "hidden",
        "details_hidden": "hidden" if record is None else "",
        "severity": "",
        "headline": "",
        "summary": "",
        "state": "",
        "since": "",
        "alert_id": "",
    }
    if record is not None:
        alert = record.alert
        evidence = record.evidence
        summary = evidence.summary if evidence is not None and evidence.summary else ""
        values.update(
            severity=alert.severity,
            headline=headline(alert, page.topic_name or ""),
            summary=sanitize(summary or alert.latest.reason, MAX_SUMMARY_CHARS),
            state=_state(record),
            since=_when(alert.triggered_at).removeprefix("at "),
            alert_id=alert.id,
        )
    return render(template, values)


def _state(record: AlertRecord) -> str:
    alert = record.alert
    if alert.state == "acknowledged":
        return (
            f"acknowledged by {alert.acknowledged_by or 'someone'} {_when(alert.acknowledged_at)}"
        )
    if alert.state == "resolved":
        return f"resolved by {alert.resolved_by or 'someone'} {_when(alert.resolved_at)}"
    return "open, escalating" if _escalating(record) else "open"


def _escalating(record: AlertRecord) -> bool:
    return record.escalation is not None and record.escalation.status == "active"
