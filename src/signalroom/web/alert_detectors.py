"""Per-topic detector settings (``/api/topics/{id}/detectors``) and backtests
(``/api/topics/{id}/backtest``): tune a detector, and see what it would have raised on the
topic's stored minutes before saving.

A saved change takes effect at the engine's next tick (the detector is rebuilt from
stored history). Only settings that differ from the defaults are stored, and an override
that says nothing the topic's kind does not already say is removed, so a topic keeps
following the defaults of a later release. A backtest replays exactly what the live
engine would (same lateness, grouping and auto-resolve), with the topic's current
settings plus the ones being tried. Must not raise alerts or change the engine's state.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Final

from fastapi import FastAPI, Path
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from signalroom.errors import ValidationError
from signalroom.fielddocs import field_help
from signalroom.models import Rollup
from signalroom.monitor.backtest import MAX_BACKTEST_S, BacktestDetector, backtest
from signalroom.monitor.settings import (
    DEFAULT_RULES,
    RULE_NAMES,
    SETTINGS_TYPES,
    AnySettings,
    RuleName,
    settings_for,
    tried_settings,
)
from signalroom.monitor.watch import MINUTE_S
from signalroom.store.alerts import DetectorOverride, SettingValue
from signalroom.web.alert_input import choice_field, instant_field, invalid
from signalroom.web.alert_wire import backtest_json, detector_json, settings_values
from signalroom.web.deps import AlertingDeps, WebDeps
from signalroom.web.errors import ApiError, bad_request
from signalroom.web.topics import TopicId

BACKTEST_DETECTORS: Final[tuple[BacktestDetector, ...]] = ("spike", "sentiment", "keyword")
DEFAULT_BACKTEST_S: Final = 30 * 86400.0
MAX_SERIES_POINTS: Final = 2000

DetectorPath = Annotated[str, Path(max_length=40)]


class DetectorBody(BaseModel):
    """``enabled`` left out keeps the detector on or off as it is; ``settings`` left out
    keeps the current overrides, given it replaces them (settings not named go back to
    their defaults)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    settings: dict[str, Any] | None = None


class BacktestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    detector: str
    since: str | float | None = None
    until: str | float | None = None
    settings: dict[str, Any] | None = None


def add_routes(app: FastAPI, deps: WebDeps, alerting: AlertingDeps) -> None:
    store, alerts, engine = deps.store, alerting.alerts, alerting.engine

    def override_of(topic_id: int, name: RuleName) -> DetectorOverride | None:
        found = [o for o in alerts.list_overrides(topic_id) if o.detector == name]
        return found[0] if found else None

    def item(topic_id: int, name: RuleName) -> dict[str, Any]:
        rules = engine.detector_settings(topic_id)
        current: AnySettings | None = getattr(rules, name)
        override = override_of(topic_id, name)
        # Off, it still shows the settings it would run with once switched on.
        settings = current if current is not None else _stored_settings(name, override)
        defaults = SETTINGS_TYPES[name]()
        return detector_json(
            name,
            enabled=current is not None,
            settings=settings,
            defaults=defaults,
            overridden=_differences(settings, defaults),
            help_text=field_help(SETTINGS_TYPES[name]),
        )

    @app.get("/api/topics/{topic_id}/detectors", tags=["detectors"])
    async def list_detectors(topic_id: TopicId) -> dict[str, Any]:
        def read() -> dict[str, Any]:
            return {"items": [item(topic_id, name) for name in RULE_NAMES]}

        return await run_in_threadpool(read)

    @app.put("/api/topics/{topic_id}/detectors/{detector}", tags=["detectors"])
    async def put_detector(
        topic_id: TopicId, detector: DetectorPath, body: DetectorBody
    ) -> dict[str, Any]:
        name = _rule(detector)

        def save() -> dict[str, Any]:
            topic = store.get_topic(topic_id)
            current = engine.detector_settings(topic_id)
            override = override_of(topic_id, name)
            enabled = (
                body.enabled if body.enabled is not None else getattr(current, name) is not None
            )
            if body.settings is None:
                values = dict(override.values) if override is not None else {}
            else:
                values = _changed_values(name, body.settings)
            if enabled == (name in DEFAULT_RULES[topic.kind]) and not values:
                engine.reset_detector_settings(topic_id, name)
            else:
                try:
                    engine.set_detector_settings(topic_id, name, enabled=enabled, values=values)
                except ValidationError as err:
                    raise _setting_error(name, err) from err
            return item(topic_id, name)

        return await run_in_threadpool(save)

    @app.delete("/api/topics/{topic_id}/detectors/{detector}", tags=["detectors"])
    async def reset_detector(topic_id: TopicId, detector: DetectorPath) -> dict[str, Any]:
        name = _rule(detector)

        def reset() -> dict[str, Any]:
            store.get_topic(topic_id)
            engine.reset_detector_settings(topic_id, name)
            return item(topic_id, name)

        return await run_in_threadpool(reset)

    @app.post("/api/topics/{topic_id}/backtest", tags=["detectors"])
    async def run_backtest(topic_id: TopicId, body: BacktestBody) -> dict[str, Any]:
        name = _backtest_detector(body.detector)
        until = instant_field("until", body.until)
        until = deps.clock.now() if until is None else until
        since = instant_field("since", body.since)
        since = until - DEFAULT_BACKTEST_S if since is None else since
        if since >= until:
            raise bad_request("since must be before until", "since")
        if until - since > MAX_BACKTEST_S:
            raise bad_request(
                f"since: a backtest covers at most {MAX_BACKTEST_S / 86400:.0f} days", "since"
            )

        def replay() -> dict[str, Any]:
            store.get_topic(topic_id)
            try:
                settings = tried_settings(
                    alerts.list_overrides(topic_id), name, body.settings or {}
                )
            except ValidationError as err:
                raise _setting_error(name, err) from err
            rollups = store.query_rollups((topic_id,), since, until, "minute")
            result = backtest(
                rollups,
                topic_id=topic_id,
                detector=name,
                since=since,
                until=until,
                settings=settings,
                lateness_s=engine.settings.lateness_s,
                alert_settings=engine.settings.alerts,
            )
            series, step_s = minute_series(rollups, name, since, until)
            return backtest_json(result, settings, series, step_s)

        return await run_in_threadpool(replay)


def minute_series(
    rollups: Sequence[Rollup], detector: BacktestDetector, since: float, until: float
) -> tuple[list[tuple[float, float]], float]:
    """What the detector reads each minute (posts; negative posts for a negative surge),
    at most :data:`MAX_SERIES_POINTS` points: each the busiest minute of its step, so a
    one-minute burst stays visible on a 30-day chart. Returns the points and the step."""
    first = math.ceil(since / MINUTE_S) * MINUTE_S
    minutes = max(0, math.ceil((until - first) / MINUTE_S))
    per_point = max(1, math.ceil(minutes / MAX_SERIES_POINTS))
    step_s = per_point * MINUTE_S
    points = math.ceil(minutes / per_point)
    peaks = [0.0] * points
    for rollup in rollups:
        index = int((rollup.bucket_start - first) // step_s)
        if 0 <= index < points:
            value = rollup.negative if detector == "sentiment" else rollup.volume
            peaks[index] = max(peaks[index], float(value))
    return [(first + i * step_s, peak) for i, peak in enumerate(peaks)], step_s


def _rule(value: str) -> RuleName:
    for name in RULE_NAMES:
        if value.strip() == name:
            return name
    raise ApiError(
        404,
        "not_found",
        f"no detector named {value!r} has settings; the detectors are {', '.join(RULE_NAMES)}",
    )


def _backtest_detector(value: str) -> BacktestDetector:
    if value.strip() in RULE_NAMES and value.strip() not in BACKTEST_DETECTORS:
        raise bad_request(
            f"detector {value.strip()!r} reads posts, which are not kept long enough to "
            f"replay; backtest one of {', '.join(BACKTEST_DETECTORS)}",
            "detector",
        )
    return choice_field("detector", value.strip(), BACKTEST_DETECTORS)


def _stored_settings(name: RuleName, override: DetectorOverride | None) -> AnySettings:
    if override is not None:
        try:
            return settings_for(name, override.values)
        except ValidationError:
            pass  # a stale override (a setting renamed by an upgrade): the engine skips it too
    return SETTINGS_TYPES[name]()


def _changed_values(name: RuleName, values: Mapping[str, Any]) -> dict[str, SettingValue]:
    """The settings checked as the engine will check them, keeping only those that differ
    from the defaults."""
    try:
        settings = settings_for(name, values)
    except ValidationError as err:
        raise _setting_error(name, err) from err
    defaults = settings_values(SETTINGS_TYPES[name]())
    chosen = settings_values(settings)
    return {key: chosen[key] for key in values if chosen[key] != defaults[key]}


def _differences(settings: AnySettings, defaults: AnySettings) -> list[str]:
    chosen, usual = settings_values(settings), settings_values(defaults)
    return [key for key in chosen if chosen[key] != usual[key]]


def _setting_error(name: RuleName, err: ValidationError) -> ApiError:
    """``spike.threshold: must be ...`` from the monitor, as ``settings.threshold`` of the body."""
    field = err.field or "settings"
    if field.startswith(f"{name}."):
        field = "settings." + field[len(name) + 1 :]
    return invalid("", ValidationError(err.message, field))
