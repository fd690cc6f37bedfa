"""The sources a node reads: those of the configuration file, and those added at run time.

:class:`SourceRoster` builds every enabled source when the node starts (the file's
``[[sources]]`` tables, then the tables stored by the console or the API), keeps each
one's health record, and adds, replaces or removes the stored ones while the pipeline runs:
a new source starts reading at once from its stored checkpoint, a removed one stops (what
it delivered is committed as usual). A stored table is exactly a ``[[sources]]`` table as
JSON, checked by the same code as the file (so secrets are only references), and the file
stays the file's: a source it names cannot be changed or removed here, nor a name it uses
taken.

A stored table that no longer passes (a newer version's stricter check, or the file took
its name since) is not run; it is listed with what is wrong, so it can be fixed or removed.
Must not import web or service.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from signalroom.clock import Clock
from signalroom.errors import ConfigError, ConflictError, NotFoundError, ValidationError
from signalroom.models import Topic
from signalroom.pipeline.runner import Pipeline
from signalroom.secrets import SecretResolver
from signalroom.sources import webhook
from signalroom.sources.base import Source, SourceCheck
from signalroom.sources.deps import SourceDeps
from signalroom.sources.health import HealthSnapshot, SourceHealth
from signalroom.sources.registry import SourceSpec, check_spec, parse_sources
from signalroom.sources.webhook import WebhookSettings
from signalroom.store.base import Store, StoredSourceTable

log = logging.getLogger(__name__)

Origin = Literal["config", "console"]
CHECK_TIMEOUT_S: Final = 30.0
_FIELD_PREFIX: Final = re.compile(r"^sources(?:\[0\]|\.[a-z0-9_-]+)\.?")
"""How the file's checks name a table (``sources[0].name``, ``sources.NAME.token``)."""
MAX_STORED: Final = 200


@dataclass(slots=True)
class RosterEntry:
    """One source the node knows: where it was defined and how it is doing."""

    name: str
    kind: str
    origin: Origin
    enabled: bool
    table: Mapping[str, Any] | None
    """The stored table (console sources only; secrets in it are references)."""
    health: SourceHealth | None
    """None while it does not run (disabled, ingest-only, or its table does not pass)."""
    problem: str = ""
    """Why a stored table is not run."""
    updated_at: float | None = None


class SourceRoster:
    def __init__(
        self,
        config_tables: Sequence[Mapping[str, Any]],
        store: Store,
        clock: Clock,
        topics: Callable[[], Sequence[Topic]],
        secrets: SecretResolver | None = None,
    ) -> None:
        self._config_tables = list(config_tables)
        self._store = store
        self._clock = clock
        self._topics = topics
        self._secrets = secrets or SecretResolver()
        self._entries: dict[str, RosterEntry] = {}
        self._specs: dict[str, SourceSpec] = {}
        self._pipeline: Pipeline | None = None
        self._lock = asyncio.Lock()

    # -- start -----------------------------------------------------------------------------
    def load(self) -> list[Source]:
        """Build every enabled source, the file's first; return them for the pipeline's
        start. Raises ConfigError for a bad table in the file (a stored one is reported
        in its entry instead). Blocking (reads the store)."""
        self._entries.clear()
        self._specs.clear()
        built: list[Source] = []
        for spec in parse_sources(self._config_tables):
            source = self._admit(spec, "config", None)
            if source is not None:
                built.append(source)
        shown, hidden = shown_stored(self._config_tables, self._store.list_source_tables())
        for stored in hidden:
            log.warning(
                "source %s added from the console is hidden by the configuration file's "
                "source of that name",
                stored.name,
            )
        for stored in shown:
            try:
                spec = self.check_table(stored.table, name=stored.name)
            except (ConfigError, ConflictError, ValidationError) as err:
                log.warning("source %s (added from the console) is not run: %s", stored.name, err)
                self._entries[stored.name] = RosterEntry(
                    stored.name,
                    str(stored.table.get("kind", "")),
                    "console",
                    bool(stored.table.get("enabled", True)),
                    stored.table,
                    None,
                    problem=str(err),
                    updated_at=stored.updated_at,
                )
                continue
            source = self._admit(spec, "console", stored)
            if source is not None:
                built.append(source)
        return built

    def attach(self, pipeline: Pipeline) -> None:
        """The running pipeline that sources added later are handed to."""
        self._pipeline = pipeline

    # -- reading ---------------------------------------------------------------------------
    def entries(self) -> list[RosterEntry]:
        return list(self._entries.values())

    def snapshots(self) -> list[HealthSnapshot]:
        return [e.health.snapshot() for e in self._entries.values() if e.health is not None]

    @property
    def webhooks(self) -> Mapping[str, WebhookSettings]:
        """The enabled webhook sources' settings, live (one added later is there at once)."""
        return _Webhooks(self._specs)

    def check_table(self, table: Mapping[str, Any], *, name: str | None = None) -> SourceSpec:
        """The table checked as one ``[[sources]]`` table. Raises ValidationError naming the
        field (``name``, ``kind``, ``instances[0].token``...) or ConflictError when the
        configuration file uses the name."""
        if not isinstance(table, Mapping):
            raise ValidationError("must be a JSON object: one [[sources]] table", "body")
        if name is not None and table.get("name") != name:
            raise ValidationError(f"must be {name!r}, the source's name in the path", "name")
        try:
            (spec,) = parse_sources([table])
        except ConfigError as err:
            field = _FIELD_PREFIX.sub("", err.key) or "body"
            raise ValidationError(err.detail, field) from None
        if any(t.get("name") == spec.name for t in self._config_tables):
            raise ConflictError(
                f"the configuration file defines a source named {spec.name!r}: "
                "change it there, or choose another name"
            )
        return spec

    # -- changes ---------------------------------------------------------------------------
    async def add(self, table: Mapping[str, Any]) -> RosterEntry:
        """Store a new source and start it. Raises ValidationError, ConflictError (name
        taken), ValidationError when there are too many."""
        spec = self.check_table(table)
        async with self._lock:
            if spec.name in self._entries:
                raise ConflictError(f"a source named {spec.name!r} exists already")
            if sum(e.origin == "console" for e in self._entries.values()) >= MAX_STORED:
                raise ValidationError(f"at most {MAX_STORED} sources can be added here", "name")
            return await self._put(spec, table)

    async def replace(self, name: str, table: Mapping[str, Any]) -> RosterEntry:
        """Change a source added here: the old one stops, the new one starts from the same
        checkpoint. Raises NotFoundError, ConflictError (a source of the file),
        ValidationError."""
        async with self._lock:
            self._console_entry(name)
            spec = self.check_table(table, name=name)
            await self._stop(name)
            return await self._put(spec, table)

    async def remove(self, name: str) -> None:
        """Stop a source added here and forget its table (its posts and checkpoint stay).
        Raises NotFoundError, ConflictError (a source of the file)."""
        async with self._lock:
            self._console_entry(name)
            await asyncio.to_thread(self._store.delete_source_table, name)
            await self._stop(name)
            del self._entries[name]

    async def check(self, table: Mapping[str, Any]) -> SourceCheck:
        """Whether a table would work (``signalroom sources test`` for a table not saved
        yet): checked, then the connector's own check, within 30 s. Raises
        ValidationError or ConflictError for a table that does not pass."""
        spec = self.check_table(table)
        return await check_spec(
            spec, self._clock, self._secrets, self._topics, timeout_s=CHECK_TIMEOUT_S
        )

    # -- inside ------------------------------------------------------------------------------
    def _console_entry(self, name: str) -> RosterEntry:
        entry = self._entries.get(name)
        if entry is None:
            raise NotFoundError(f"no source named {name!r}")
        if entry.origin == "config":
            raise ConflictError(
                f"source {name!r} is defined in the configuration file: change it there"
            )
        return entry

    async def _put(self, spec: SourceSpec, table: Mapping[str, Any]) -> RosterEntry:
        now = self._clock.now()
        stored = await asyncio.to_thread(self._store.put_source_table, spec.name, table, now)
        source = self._admit(spec, "console", stored)
        if source is not None:
            if self._pipeline is None:
                raise RuntimeError("the roster has no running pipeline")
            self._pipeline.add_source(source)
            log.info("source %s (%s) added from the console", spec.name, spec.kind)
        return self._entries[spec.name]

    async def _stop(self, name: str) -> None:
        if self._pipeline is not None:
            await self._pipeline.remove_source(name)
        entry = self._entries.get(name)
        if entry is not None and entry.health is not None:
            entry.health = None
        self._specs.pop(name, None)

    def _admit(
        self, spec: SourceSpec, origin: Origin, stored: StoredSourceTable | None
    ) -> Source | None:
        """Record the spec; build its connector when it is enabled and has one."""
        build = spec.connector.build
        health: SourceHealth | None = None
        source: Source | None = None
        if spec.enabled and build is not None:
            health = SourceHealth(
                spec.name, spec.kind, self._clock, stale_after_s=spec.stale_after_s
            )
            deps = SourceDeps(self._clock, self._secrets, health, self._topics)
            source = build(spec.name, spec.settings, deps)
        self._specs[spec.name] = spec
        self._entries[spec.name] = RosterEntry(
            spec.name,
            spec.kind,
            origin,
            spec.enabled,
            None if stored is None else stored.table,
            health,
            updated_at=None if stored is None else stored.updated_at,
        )
        return source


def shown_stored(
    config_tables: Sequence[Mapping[str, Any]], stored: Sequence[StoredSourceTable]
) -> tuple[list[StoredSourceTable], list[StoredSourceTable]]:
    """Stored (console) sources split into those shown and those hidden because the
    configuration file names a source the same: the file's wins."""
    names = {t.get("name") for t in config_tables}
    return [t for t in stored if t.name not in names], [t for t in stored if t.name in names]


class _Webhooks(Mapping[str, WebhookSettings]):
    def __init__(self, specs: Mapping[str, SourceSpec]) -> None:
        self._specs = specs

    def _live(self) -> dict[str, WebhookSettings]:
        return {
            name: spec.settings
            for name, spec in self._specs.items()
            if spec.kind == webhook.KIND and spec.enabled
        }

    def __getitem__(self, name: str) -> WebhookSettings:
        return self._live()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._live())

    def __len__(self) -> int:
        return len(self._live())
