"""Who gets alerts: ``/api/teams``, ``/api/policies``, ``/api/routing`` and ``/api/silences``.

Teams hold channels only as secret references (a pasted token is refused before it is
stored); an escalation policy may only name teams that exist, the routing table only
policies that exist (or ``team:<name>``, one team notified directly); a team or a policy
still named elsewhere cannot be deleted (409 says where). So the engine never meets a
dangling name it would have to skip. The engine reads all of this at each decision: no
reload is needed. Must not escalate or notify.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, Final

from fastapi import FastAPI, Path, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from signalroom.alerting.escalation import EscalationLevel, EscalationPolicy
from signalroom.alerting.routing import Route, RoutingTable
from signalroom.alerting.silence import (
    MAX_WINDOWS,
    WEEKDAYS,
    MuteWindow,
    Silence,
    zone,
)
from signalroom.alerting.teams import Member, SignedWebhook, Team
from signalroom.detectors.base import DETECTOR_NAMES, SEVERITIES
from signalroom.errors import ConflictError, NotFoundError
from signalroom.models import TOPIC_KINDS
from signalroom.monitor.engine import TEAM_POLICY_PREFIX
from signalroom.store.alerts import AlertStore
from signalroom.web.alert_input import checked, choice_field, instant_field, name_field, note_field
from signalroom.web.alert_wire import policy_json, routing_json, silence_json, team_json
from signalroom.web.corrections import validate_by
from signalroom.web.deps import AlertingDeps, WebDeps
from signalroom.web.errors import bad_request

MAX_ROUTES: Final = 200
MAX_SILENCE_DAYS: Final = 366
_FINGERPRINT: Final = re.compile(r"[0-9a-f]{16}")

NamePath = Annotated[str, Path(max_length=200)]
TopicRef = Annotated[int, Field(ge=0, le=2**63 - 1)]


class MemberBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    contact: str = ""


class WebhookBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str
    key: str


class TeamBody(BaseModel):
    """A team; ``name`` may be left out (the URL names the team) or repeat the URL's."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    members: list[MemberBody] = []
    channels: list[str] = []
    webhook: WebhookBody | None = None


class LevelBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    targets: list[str]
    timeout_s: float
    takeover: list[str] = []
    """Screens this level takes over until the alert is acknowledged; ``*`` is every one."""


class PolicyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    levels: list[LevelBody]
    repeat: int = 0


class RouteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: str
    topic_ids: list[TopicRef] = []
    topic_kinds: list[str] = []
    detectors: list[str] = []
    min_severity: str = "info"


class RoutingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default_policy: str
    routes: list[RouteBody] = []


class MuteWindowBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: list[str] | None = None
    start: str
    end: str


class SilenceBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: str | float | None = None
    ends_at: str | float | None = None
    duration_minutes: float | None = None
    by: str
    comment: str
    topic_id: TopicRef | None = None
    detector: str | None = None
    fingerprint: str | None = None
    max_severity: str | None = None
    windows: list[MuteWindowBody] | None = None
    timezone: str | None = None


def add_routes(app: FastAPI, deps: WebDeps, alerting: AlertingDeps) -> None:
    store, alerts = deps.store, alerting.alerts

    # -- teams ------------------------------------------------------------------------------
    @app.get("/api/teams", tags=["teams"])
    async def list_teams() -> dict[str, Any]:
        teams = await run_in_threadpool(alerts.list_teams)
        return {"items": [team_json(t) for t in teams]}

    @app.get("/api/teams/{name}", tags=["teams"])
    async def get_team(name: NamePath) -> dict[str, Any]:
        return team_json(await run_in_threadpool(alerts.get_team, name.strip()))

    @app.put("/api/teams/{name}", tags=["teams"])
    async def put_team(name: NamePath, body: TeamBody, response: Response) -> dict[str, Any]:
        team = _team(_same_name(name, body.name), body)

        def save() -> bool:
            created = not _exists(lambda: alerts.get_team(team.name))
            alerts.put_team(team)
            return created

        if await run_in_threadpool(save):
            response.status_code = 201
        return team_json(team)

    @app.delete("/api/teams/{name}", status_code=204, tags=["teams"])
    async def delete_team(name: NamePath) -> Response:
        def delete() -> None:
            team = alerts.get_team(name.strip()).name
            for policy in alerts.list_policies():
                if any(team in level.targets for level in policy.levels):
                    raise ConflictError(
                        f"team {team!r} is a target of escalation policy {policy.name!r}; "
                        "remove it there first"
                    )
            if f"{TEAM_POLICY_PREFIX}{team}" in _routed_policies(alerts):
                raise ConflictError(
                    f"the routing table sends alerts to team {team!r}; change it first"
                )
            alerts.delete_team(team)

        await run_in_threadpool(delete)
        return Response(status_code=204)

    # -- policies ---------------------------------------------------------------------------
    @app.get("/api/policies", tags=["teams"])
    async def list_policies() -> dict[str, Any]:
        policies = await run_in_threadpool(alerts.list_policies)
        return {"items": [policy_json(p) for p in policies]}

    @app.get("/api/policies/{name}", tags=["teams"])
    async def get_policy(name: NamePath) -> dict[str, Any]:
        return policy_json(await run_in_threadpool(alerts.get_policy, name.strip()))

    @app.put("/api/policies/{name}", tags=["teams"])
    async def put_policy(name: NamePath, body: PolicyBody, response: Response) -> dict[str, Any]:
        policy_name = _same_name(name, body.name)

        def save() -> tuple[EscalationPolicy, bool]:
            teams = {t.name for t in alerts.list_teams()}
            policy = _policy(policy_name, body, teams)
            created = not _exists(lambda: alerts.get_policy(policy.name))
            alerts.put_policy(policy)
            return policy, created

        policy, created = await run_in_threadpool(save)
        if created:
            response.status_code = 201
        return policy_json(policy)

    @app.delete("/api/policies/{name}", status_code=204, tags=["teams"])
    async def delete_policy(name: NamePath) -> Response:
        def delete() -> None:
            policy = alerts.get_policy(name.strip()).name
            if policy in _routed_policies(alerts):
                raise ConflictError(
                    f"the routing table sends alerts to policy {policy!r}; change it first"
                )
            alerts.delete_policy(policy)

        await run_in_threadpool(delete)
        return Response(status_code=204)

    # -- routing ------------------------------------------------------------------------------
    @app.get("/api/routing", tags=["teams"])
    async def get_routing() -> dict[str, Any]:
        return routing_json(await run_in_threadpool(alerts.get_routing))

    @app.put("/api/routing", tags=["teams"])
    async def put_routing(body: RoutingBody) -> dict[str, Any]:
        def save() -> RoutingTable:
            known = {p.name for p in alerts.list_policies()}
            known |= {f"{TEAM_POLICY_PREFIX}{t.name}" for t in alerts.list_teams()}
            topics = {t.id for t in store.list_topics()}
            table = _routing(body, known, topics)
            alerts.put_routing(table)
            return table

        return routing_json(await run_in_threadpool(save))

    # -- silences -----------------------------------------------------------------------------
    @app.get("/api/silences", tags=["silences"])
    async def list_silences() -> dict[str, Any]:
        silences = await run_in_threadpool(alerts.list_silences)
        now = deps.clock.now()
        return {"items": [silence_json(s, now) for s in silences]}

    @app.post("/api/silences", status_code=201, tags=["silences"])
    async def create_silence(body: SilenceBody) -> dict[str, Any]:
        now = deps.clock.now()
        silence = _silence(body, now)

        def save() -> None:
            if silence.topic_id is not None:
                try:
                    store.get_topic(silence.topic_id)
                except NotFoundError as err:
                    raise bad_request(
                        f"topic_id: no topic with id {silence.topic_id}", "topic_id"
                    ) from err
            alerts.put_silence(silence)

        await run_in_threadpool(save)
        return silence_json(silence, now)

    @app.delete("/api/silences/{silence_id}", status_code=204, tags=["silences"])
    async def delete_silence(silence_id: NamePath) -> Response:
        await run_in_threadpool(alerts.delete_silence, silence_id.strip())
        return Response(status_code=204)


def _exists(get: Callable[[], object]) -> bool:
    try:
        get()
    except NotFoundError:
        return False
    return True


def _same_name(path_name: str, body_name: str | None) -> str:
    name = name_field("name", path_name)
    if body_name is not None and body_name.strip() != name:
        raise bad_request(
            f"name must be the one in the URL ({name!r}), got {body_name!r}: "
            "to rename, create the new one and delete the old one",
            "name",
        )
    return name


def _routed_policies(alerts: AlertStore) -> set[str]:
    table = alerts.get_routing()
    if table is None:
        return set()
    return {table.default_policy, *(route.policy for route in table.routes)}


def _team(name: str, body: TeamBody) -> Team:
    members = tuple(_member(index, member) for index, member in enumerate(body.members))
    webhook = None
    if body.webhook is not None:
        hook = body.webhook
        webhook = checked(
            "webhook", lambda: SignedWebhook(url=hook.url.strip(), key=hook.key.strip())
        )
    channels = tuple(channel.strip() for channel in body.channels)
    return checked("", lambda: Team(name=name, members=members, channels=channels, webhook=webhook))


def _member(index: int, body: MemberBody) -> Member:
    return checked(
        f"members[{index}]",
        lambda: Member(name=body.name.strip(), contact=body.contact.strip()),
    )


def _policy(name: str, body: PolicyBody, teams: set[str]) -> EscalationPolicy:
    levels: list[EscalationLevel] = []
    for index, level in enumerate(body.levels):
        targets = tuple(dict.fromkeys(t.strip() for t in level.targets))
        for target in targets:
            if target and target not in teams:
                raise bad_request(
                    f"levels[{index}].targets: no team named {target!r}",
                    f"levels[{index}].targets",
                )
        takeover = tuple(dict.fromkeys(screen.strip() for screen in level.takeover))
        levels.append(
            EscalationLevel(targets=targets, timeout_s=level.timeout_s, takeover=takeover)
        )
    return checked(
        "", lambda: EscalationPolicy(name=name, levels=tuple(levels), repeat=body.repeat)
    )


def _routing(body: RoutingBody, policies: set[str], topics: set[int]) -> RoutingTable:
    if len(body.routes) > MAX_ROUTES:
        raise bad_request(f"routes must hold at most {MAX_ROUTES} routes", "routes")
    default = body.default_policy.strip()
    if default not in policies:
        raise bad_request(
            f"default_policy: no escalation policy named {default!r}", "default_policy"
        )
    routes: list[Route] = []
    for index, route in enumerate(body.routes):
        at = f"routes[{index}]"
        policy = route.policy.strip()
        if policy not in policies:
            raise bad_request(f"{at}.policy: no escalation policy named {policy!r}", f"{at}.policy")
        for topic_id in route.topic_ids:
            if topic_id not in topics:
                raise bad_request(f"{at}.topic_ids: no topic with id {topic_id}", f"{at}.topic_ids")
        kinds = tuple(
            choice_field(f"{at}.topic_kinds[{i}]", kind, TOPIC_KINDS)
            for i, kind in enumerate(route.topic_kinds)
        )
        detectors = tuple(
            choice_field(f"{at}.detectors[{i}]", name, DETECTOR_NAMES)
            for i, name in enumerate(route.detectors)
        )
        severity = choice_field(f"{at}.min_severity", route.min_severity, SEVERITIES)
        routes.append(
            Route(
                policy=policy,
                topic_ids=tuple(dict.fromkeys(route.topic_ids)),
                topic_kinds=tuple(dict.fromkeys(kinds)),
                detectors=tuple(dict.fromkeys(detectors)),
                min_severity=severity,
            )
        )
    return RoutingTable(default_policy=default, routes=tuple(routes))


def _silence(body: SilenceBody, now: float) -> Silence:
    by = validate_by(body.by)
    comment = note_field("comment", body.comment, required=True)
    starts_at = instant_field("starts_at", body.starts_at)
    start = now if starts_at is None else starts_at
    windows = _windows(body.windows)
    ends_at = _silence_end(body, start, now, recurring=bool(windows))
    detector = (
        choice_field("detector", body.detector, DETECTOR_NAMES)
        if body.detector is not None
        else None
    )
    max_severity = (
        choice_field("max_severity", body.max_severity, SEVERITIES)
        if body.max_severity is not None
        else None
    )
    fingerprint = None
    if body.fingerprint is not None and body.fingerprint.strip():
        fingerprint = body.fingerprint.strip().lower()
        if not _FINGERPRINT.fullmatch(fingerprint):
            raise bad_request(
                "fingerprint must be an alert's fingerprint (16 hexadecimal digits)",
                "fingerprint",
            )
    if body.topic_id is None and detector is None and fingerprint is None and max_severity is None:
        raise bad_request(
            "name what to silence: a topic_id, a detector, a fingerprint or a max_severity "
            "(or several)",
            "topic_id",
        )
    timezone = "UTC" if body.timezone is None else body.timezone.strip()
    checked("", lambda: zone(timezone, "timezone"))
    silence = checked(
        "",
        lambda: Silence(
            id=uuid.uuid4().hex,
            starts_at=start,
            ends_at=ends_at,
            created_by=by,
            comment=comment,
            topic_id=body.topic_id,
            detector=detector,
            fingerprint=fingerprint,
            max_severity=max_severity,
            windows=windows,
            timezone=timezone,
        ),
    )
    if silence.active_until(now) is None and silence.next_start(now) is None:
        raise bad_request(
            "these windows never fall between starts_at and ends_at: the silence would "
            "mute nothing",
            "windows",
        )
    return silence


def _silence_end(body: SilenceBody, start: float, now: float, *, recurring: bool) -> float | None:
    """The end of a silence: ``ends_at`` or ``duration_minutes`` after the start; either is
    required for one stretch, and both are optional for mute windows (kept until removed)."""
    ends_at = instant_field("ends_at", body.ends_at)
    if ends_at is not None and body.duration_minutes is not None:
        raise bad_request("give either ends_at or duration_minutes, not both", "ends_at")
    if ends_at is None and body.duration_minutes is None:
        if recurring:
            return None
        raise bad_request("give either ends_at or duration_minutes (one of them)", "ends_at")
    if body.duration_minutes is not None:
        minutes = body.duration_minutes
        if not 0 < minutes <= MAX_SILENCE_DAYS * 1440:
            raise bad_request(
                f"duration_minutes must be more than 0 and at most {MAX_SILENCE_DAYS} days",
                "duration_minutes",
            )
        ends_at = start + minutes * 60.0
    assert ends_at is not None
    if ends_at <= start:
        raise bad_request("ends_at must be after starts_at", "ends_at")
    if ends_at <= now:
        raise bad_request(
            "ends_at must be in the future: that silence would mute nothing", "ends_at"
        )
    if not recurring and ends_at - start > MAX_SILENCE_DAYS * 86400.0:
        raise bad_request(
            f"a silence lasts at most {MAX_SILENCE_DAYS} days (use windows for a recurring one)",
            "ends_at",
        )
    return ends_at


def _windows(bodies: list[MuteWindowBody] | None) -> tuple[MuteWindow, ...]:
    if not bodies:
        return ()
    if len(bodies) > MAX_WINDOWS:
        raise bad_request(f"windows: at most {MAX_WINDOWS}", "windows")
    windows: list[MuteWindow] = []
    for i, item in enumerate(bodies):
        at = f"windows[{i}]"
        days = WEEKDAYS
        if item.days is not None:
            days = tuple(
                choice_field(f"{at}.days[{k}]", day.strip().lower(), WEEKDAYS)
                for k, day in enumerate(item.days)
            )
        windows.append(checked(at, partial(MuteWindow, days=days, start=item.start, end=item.end)))
    return tuple(windows)
