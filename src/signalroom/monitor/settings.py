"""Which detectors watch a topic, with which settings: defaults by topic kind, plus overrides.

Every topic gets the detectors its kind calls for (a brand gets spike, negative surge,
influential author and trend; a risk query gets the keyword trigger and influential
author...). A stored :class:`~signalroom.store.alerts.DetectorOverride` switches one of them
on or off and changes any of its settings; the rest keep the detector's defaults. This
module turns overrides into checked settings objects and rejects a bad override with a
ValidationError naming ``<detector>.<setting>``. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal, TypeVar

from signalroom.detectors.influencer import InfluencerSettings
from signalroom.detectors.keyword import KeywordSettings
from signalroom.detectors.sentiment import SentimentSettings
from signalroom.detectors.spike import SpikeSettings
from signalroom.detectors.trend import TrendSettings
from signalroom.errors import ConfigError, ValidationError
from signalroom.models import BUCKET_SECONDS, TopicKind
from signalroom.store.alerts import DetectorOverride, SettingValue

RuleName = Literal["spike", "sentiment", "keyword", "influencer", "trend"]
"""The detectors that run by themselves (every DetectorName but ``manual``)."""
RULE_NAMES: Final[tuple[RuleName, ...]] = ("spike", "sentiment", "keyword", "influencer", "trend")
COUNT_RULES: Final[tuple[RuleName, ...]] = ("spike", "sentiment", "keyword")
"""Rules fed from minute rollups; the others are fed posts."""

AnySettings = (
    SpikeSettings | SentimentSettings | KeywordSettings | InfluencerSettings | TrendSettings
)
SETTINGS_TYPES: Final[dict[RuleName, type[AnySettings]]] = {
    "spike": SpikeSettings,
    "sentiment": SentimentSettings,
    "keyword": KeywordSettings,
    "influencer": InfluencerSettings,
    "trend": TrendSettings,
}
DEFAULT_RULES: Final[dict[TopicKind, tuple[RuleName, ...]]] = {
    "brand": ("spike", "sentiment", "influencer", "trend"),
    "competitor": ("spike",),
    "campaign": ("spike", "trend"),
    # A risk query's volume *is* its matches: a few are already worth a look.
    "risk": ("keyword", "influencer"),
}
_MINUTE: Final = BUCKET_SECONDS["minute"]

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class TopicRules:
    """The detectors watching one topic; None means that detector is off."""

    spike: SpikeSettings | None = None
    sentiment: SentimentSettings | None = None
    keyword: KeywordSettings | None = None
    influencer: InfluencerSettings | None = None
    trend: TrendSettings | None = None

    def enabled(self) -> tuple[RuleName, ...]:
        return tuple(name for name in RULE_NAMES if getattr(self, name) is not None)

    def history_s(self) -> float:
        """How much minute history rebuilds the count detectors' state after a restart."""
        spans = [0.0]
        if self.spike is not None:
            s = self.spike
            days = s.baseline_days + (s.threshold_history_days if s.threshold_quantile else 0)
            spans.append(max(days * s.period_s + s.slot_tolerance_s + s.window_s, s.warmup_s))
        if self.sentiment is not None:
            s2 = self.sentiment
            spans.append(max(s2.window_s + s2.baseline_s, s2.warmup_s, s2.cooldown_s))
        if self.keyword is not None:
            spans.append(max(self.keyword.window_s, self.keyword.cooldown_s))
        return max(spans)

    def post_history_s(self) -> float:
        """How much post history rebuilds the post detectors' state after a restart."""
        spans = [0.0]
        if self.influencer is not None:
            spans.append(self.influencer.author_cooldown_s)
        if self.trend is not None:
            spans.append(max(self.trend.warmup_s, self.trend.cooldown_s))
        return max(spans)


def topic_rules(kind: TopicKind, overrides: Iterable[DetectorOverride] = ()) -> TopicRules:
    """The detectors for a topic of this kind, with its overrides applied.

    An override that no longer validates (a setting renamed by an upgrade) is skipped for
    its detector, which keeps its defaults: a stored mistake must not stop monitoring.
    """
    chosen: dict[RuleName, AnySettings | None] = {
        name: SETTINGS_TYPES[name]() if name in DEFAULT_RULES[kind] else None for name in RULE_NAMES
    }
    for override in overrides:
        if override.detector == "manual":
            continue
        name: RuleName = override.detector
        if not override.enabled:
            chosen[name] = None
            continue
        try:
            chosen[name] = settings_for(name, override.values)
        except ValidationError:
            chosen[name] = SETTINGS_TYPES[name]()
    return rules_of(chosen)


def rules_of(chosen: Mapping[RuleName, AnySettings | None]) -> TopicRules:
    """TopicRules from a map of detector → settings (absent or None: off). Raises
    ValidationError when a detector is given another detector's settings."""
    return TopicRules(
        spike=_of_type(chosen.get("spike"), SpikeSettings, "spike"),
        sentiment=_of_type(chosen.get("sentiment"), SentimentSettings, "sentiment"),
        keyword=_of_type(chosen.get("keyword"), KeywordSettings, "keyword"),
        influencer=_of_type(chosen.get("influencer"), InfluencerSettings, "influencer"),
        trend=_of_type(chosen.get("trend"), TrendSettings, "trend"),
    )


def _of_type(value: object, kind: type[_T], field: str) -> _T | None:
    if value is None:
        return None
    if not isinstance(value, kind):
        raise ValidationError(f"must be {kind.__name__}, got {type(value).__name__}", field)
    return value


def settings_for(name: RuleName, values: Mapping[str, SettingValue]) -> AnySettings:
    """The detector's default settings with ``values`` replacing some of them.

    Raises ValidationError naming ``<detector>.<setting>``: an unknown setting, a value of
    the wrong type, or one the detector refuses.
    """
    kind = SETTINGS_TYPES.get(name)
    if kind is None:
        raise ValidationError(f"no detector {name!r} has settings", "detector")
    return _replace(kind(), name, values)


def tried_settings(
    overrides: Iterable[DetectorOverride], name: RuleName, changes: Mapping[str, SettingValue]
) -> AnySettings:
    """What a backtest replays: the topic's saved settings for the detector (its override
    among ``overrides``), with ``changes`` on top. Raises ValidationError as
    :func:`settings_for` does."""
    saved = next((o.values for o in overrides if o.detector == name), {})
    return settings_for(name, {**saved, **changes})


def _replace(base: AnySettings, name: str, values: Mapping[str, SettingValue]) -> AnySettings:
    fields = {f.name: f for f in dataclasses.fields(base)}
    clean: dict[str, SettingValue] = {}
    for key, value in values.items():
        field = fields.get(key)
        if field is None:
            known = ", ".join(sorted(fields))
            raise ValidationError(f"unknown setting (known: {known})", f"{name}.{key}")
        clean[key] = _typed(value, str(field.type), f"{name}.{key}")
    try:
        settings = dataclasses.replace(base, **clean)  # type: ignore[arg-type]
    except ConfigError as err:
        raise ValidationError(err.detail, err.key) from err
    if isinstance(settings, SpikeSettings) and settings.step_s % _MINUTE:
        raise ValidationError("must be a whole number of minutes", f"{name}.step_s")
    return settings


def _typed(value: object, annotation: str, field: str) -> SettingValue:
    if annotation == "bool":
        if isinstance(value, bool):
            return value
        raise ValidationError(f"must be true or false, got {value!r}", field)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"must be a number, got {value!r}", field)
    if annotation == "int":
        if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
            raise ValidationError(f"must be a whole number, got {value!r}", field)
        return int(value)
    # "float" and "float | None": a number is what every other setting takes.
    return float(value)
