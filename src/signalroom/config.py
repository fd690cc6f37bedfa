"""Configuration: one tree of frozen dataclasses, every field documented.

Precedence: defaults < TOML file < environment (``SIGNALROOM_<SECTION>__<KEY>``) < CLI flags.
Defaults give a working single node. A bad value raises :class:`ConfigError` naming the key
path, the value and what was expected. This module does no I/O beyond reading the file
it is given and the environment mapping it is handed.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from signalroom.errors import ConfigError


def default_data_dir(name: str) -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "signalroom" / name


@dataclass(frozen=True, slots=True)
class StoreConfig:
    data_dir: Path = field(default_factory=lambda: default_data_dir("data"))
    """Where the SQLite database (``signalroom.db``) lives."""
    retention_days: float = 30.0
    """Raw posts older than this are deleted; per-minute rollups outlive them. 0 keeps all."""


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    queue_size: int = 2_000
    """Raw items waiting to be processed; when full, sources wait (backpressure)."""
    batch_size: int = 500
    """At most this many items are processed and committed together."""
    batch_wait_ms: int = 100
    """How long to wait to fill a batch before processing what is there."""
    keep_unmatched: bool = False
    """Store posts that match no topic too (a firehose source makes this expensive)."""
    dedupe_cache: int = 200_000
    """How many recent post ids are remembered to skip duplicates before enrichment."""
    neardup_distance: int = 7
    """Two posts are near-duplicates when their 64-bit SimHash fingerprints differ in at most
    this many bits (0..32): 7 groups copies with a word changed, added or cut."""
    neardup_capacity: int = 200_000
    """How many recent posts near-duplicates are looked for among (about 180 bytes each);
    0 turns near-duplicate grouping off."""
    neardup_window_s: float = 86_400.0
    """Posts created further apart than this are never near-duplicates of each other."""
    workers: int = 1
    """Worker processes that normalize, match and enrich batches beside the main process,
    each with its own copy of the models (about 190 MB); 0 does it all in the main process
    (best on a single core). One worker is the fastest on two cores."""


@dataclass(frozen=True, slots=True)
class WebConfig:
    host: str = "127.0.0.1"
    """Interface to listen on. Use 0.0.0.0 to let screens on the network connect."""
    port: int = 8765
    """TCP port of the console, API and screens."""
    live_backlog: int = 512
    """Live events a screen connection may fall behind before it gets a gap and refetches."""
    public_url: str = ""
    """The address people reach this console at (https://signalroom.example.com), for the
    links in notifications. Empty: notifications carry no links."""


@dataclass(frozen=True, slots=True)
class DemoConfig:
    rate_per_s: float = 20.0
    """Generated posts per second."""
    seed: int = 7
    """Seed of the scenario generator (same seed, same posts)."""
    campaign_at_s: float = 120.0
    """Seconds after start when the campaign surge begins."""
    campaign_for_s: float = 180.0
    """How long the campaign surge lasts."""
    crisis_at_s: float = 240.0
    """Seconds after start when the crisis (a complaint going viral) begins."""
    crisis_for_s: float = 240.0
    """How long the crisis lasts."""
    cycle_s: float = 900.0
    """The events repeat with this period, so a wall left running keeps having news."""
    history_s: float = 300.0
    """On a fresh data directory, first generate this much calm past, so charts start full."""


@dataclass(frozen=True, slots=True)
class AlertingConfig:
    enabled: bool = True
    """Run the detectors, escalate alerts and send notifications."""
    ack_link_hours: float = 24.0
    """How long the one-click acknowledge link in a notification works."""
    tick_seconds: float = 5.0
    """How often complete minutes are checked and escalation timers advanced."""
    auto_resolve_minutes: float = 60.0
    """An alert resolves by itself once its condition has not held for this long. 0: only
    people resolve alerts."""
    reopen_minutes: float = 30.0
    """The same problem coming back this soon after its alert was resolved re-opens that
    alert (and restarts its escalation) instead of opening a new one."""


@dataclass(frozen=True, slots=True)
class NlpConfig:
    expected_languages: str = ""
    """Comma-separated ISO 639-1 codes of the languages this deployment's posts are mostly
    in (a prior for language identification). Empty: the built-in set of 24."""

    @property
    def expected(self) -> tuple[str, ...]:
        return tuple(c.strip().lower() for c in self.expected_languages.split(",") if c.strip())


@dataclass(frozen=True, slots=True)
class ModerationConfig:
    recheck_hours: float = 24.0
    """When a block or allow rule changes, posts of this many past hours are judged again,
    so screens follow the new rules at once. 0 applies rules to new posts only."""


@dataclass(frozen=True, slots=True)
class Config:
    store: StoreConfig = field(default_factory=StoreConfig)
    pipeline: PipelineConfig = field(default_factory=PipelineConfig)
    web: WebConfig = field(default_factory=WebConfig)
    demo: DemoConfig = field(default_factory=DemoConfig)
    moderation: ModerationConfig = field(default_factory=ModerationConfig)
    nlp: NlpConfig = field(default_factory=NlpConfig)
    alerting: AlertingConfig = field(default_factory=AlertingConfig)
    sources: tuple[Mapping[str, Any], ...] = ()
    """The ``[[sources]]`` tables as written; the source registry checks them
    (``signalroom.sources.registry.parse_sources``)."""


ENV_PREFIX = "SIGNALROOM_"


def load_config(
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    base: Config | None = None,
) -> Config:
    """Build the configuration from a TOML file, the environment and explicit overrides.

    ``overrides`` uses dotted keys (``{"web.port": 9000}``); ``None`` values are ignored so
    CLI flags that were not given do not override anything.
    """
    values: dict[str, Any] = {}
    sources: tuple[Mapping[str, Any], ...] | None = None
    if path is not None:
        try:
            with path.open("rb") as handle:
                document = tomllib.load(handle)
        except FileNotFoundError as err:
            raise ConfigError(str(path), "file not found") from err
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(str(path), f"not valid TOML: {err}") from err
        if "sources" in document:
            sources = _source_tables(document.pop("sources"))
        values.update(_flatten(document))
    for name, value in (os.environ if environ is None else environ).items():
        if name.startswith(ENV_PREFIX) and "__" in name:
            section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
            values[f"{section}.{key}"] = value
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = value
    config = _apply(base or Config(), values)
    return config if sources is None else dataclasses.replace(config, sources=sources)


def _source_tables(value: Any) -> tuple[Mapping[str, Any], ...]:
    if not isinstance(value, list) or not all(isinstance(t, Mapping) for t in value):
        raise ConfigError("sources", "must be an array of tables: write each as [[sources]]")
    return tuple(value)


def _flatten(document: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in document.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def _apply(config: Config, values: Mapping[str, Any]) -> Config:
    sections = {f.name: f for f in dataclasses.fields(config) if f.name != "sources"}
    changes: dict[str, dict[str, Any]] = {}
    for dotted, raw in values.items():
        section_name, _, key = dotted.partition(".")
        if section_name not in sections or not key:
            raise ConfigError(dotted, f"unknown setting (sections: {', '.join(sections)})")
        section = getattr(config, section_name)
        hints = typing.get_type_hints(type(section))
        if key not in hints:
            known = ", ".join(f.name for f in dataclasses.fields(section))
            raise ConfigError(dotted, f"unknown setting (known in [{section_name}]: {known})")
        changes.setdefault(section_name, {})[key] = _coerce(dotted, raw, hints[key])
    replaced = {
        name: dataclasses.replace(getattr(config, name), **fields)
        for name, fields in changes.items()
    }
    result = dataclasses.replace(config, **replaced)
    _validate(result)
    return result


def _coerce(key: str, raw: Any, hint: Any) -> Any:
    if isinstance(hint, types.UnionType):
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    try:
        if hint is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError
        if hint is int:
            if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                raise ValueError
            return int(raw)
        if hint is float:
            if isinstance(raw, bool):
                raise ValueError
            return float(raw)
        if hint is Path:
            if not isinstance(raw, str | Path) or not str(raw):
                raise ValueError
            return Path(raw).expanduser()
        if hint is str:
            if not isinstance(raw, str):
                raise ValueError
            return raw
    except (TypeError, ValueError):
        pass
    else:
        raise ConfigError(key, f"unsupported setting type {hint!r}")
    name = getattr(hint, "__name__", str(hint))
    raise ConfigError(key, f"expected {_expectation(name)}, got {raw!r}")


def _expectation(type_name: str) -> str:
    return {
        "bool": "true or false",
        "int": "a whole number",
        "float": "a number",
        "Path": "a path",
        "str": "a string",
    }.get(type_name, type_name)


def _validate(config: Config) -> None:
    checks: list[tuple[str, bool, str]] = [
        ("store.retention_days", config.store.retention_days >= 0, "a number >= 0"),
        ("pipeline.queue_size", config.pipeline.queue_size >= 1, "a whole number >= 1"),
        ("pipeline.batch_size", 1 <= config.pipeline.batch_size <= 10_000, "1..10000"),
        ("pipeline.batch_wait_ms", config.pipeline.batch_wait_ms >= 1, "a whole number >= 1"),
        ("pipeline.dedupe_cache", config.pipeline.dedupe_cache >= 0, "a whole number >= 0"),
        ("pipeline.neardup_distance", 0 <= config.pipeline.neardup_distance <= 32, "0..32"),
        (
            "pipeline.neardup_capacity",
            0 <= config.pipeline.neardup_capacity <= 100_000_000,
            "0..100000000",
        ),
        ("pipeline.neardup_window_s", config.pipeline.neardup_window_s > 0, "seconds > 0"),
        ("pipeline.workers", 0 <= config.pipeline.workers <= 64, "0..64"),
        ("web.port", 0 <= config.web.port <= 65535, "a port number 0..65535"),
        ("web.live_backlog", config.web.live_backlog >= 1, "a whole number >= 1"),
        ("demo.rate_per_s", 0 < config.demo.rate_per_s <= 10_000, "a rate in (0, 10000]"),
        ("demo.campaign_at_s", config.demo.campaign_at_s >= 0, "seconds >= 0"),
        ("demo.campaign_for_s", config.demo.campaign_for_s > 0, "seconds > 0"),
        ("demo.crisis_at_s", config.demo.crisis_at_s >= 0, "seconds >= 0"),
        ("demo.crisis_for_s", config.demo.crisis_for_s > 0, "seconds > 0"),
        ("demo.cycle_s", config.demo.cycle_s > 0, "seconds > 0"),
        (
            "moderation.recheck_hours",
            0 <= config.moderation.recheck_hours <= 24 * 365,
            "hours in 0..8760",
        ),
        ("demo.history_s", 0 <= config.demo.history_s <= 86_400, "seconds in 0..86400"),
    ]
    codes = config.nlp.expected
    checks.append(
        (
            "nlp.expected_languages",
            all(len(c) == 2 and c.isascii() and c.isalpha() for c in codes),
            "comma-separated two-letter ISO 639-1 codes such as en,hu,de",
        )
    )
    for key, ok, expected in checks:
        if not ok:
            section, _, name = key.partition(".")
            value = getattr(getattr(config, section), name)
            raise ConfigError(key, f"expected {expected}, got {value!r}")


def describe(config: Config) -> dict[str, Any]:
    """The effective configuration as plain data (for ``signalroom config show``)."""
    described: dict[str, Any] = {
        section.name: {
            f.name: str(v)
            if isinstance(v := getattr(getattr(config, section.name), f.name), Path)
            else v
            for f in dataclasses.fields(getattr(config, section.name))
        }
        for section in dataclasses.fields(config)
        if section.name != "sources"
    }
    described["sources"] = [dict(table) for table in config.sources]
    return described
