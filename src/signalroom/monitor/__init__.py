"""The monitor: runs the detectors over what the pipeline commits and keeps alerts moving.

:class:`AlertEngine` turns committed rollups and posts into findings, findings into
grouped alerts with evidence, alerts into routed escalations, and escalation steps into
outbox messages, each decision in one store transaction. :func:`backtest` replays a
topic's stored minutes through a detector to show what it would have raised. This
package sits on the pipeline's layer: it uses the store's protocols (never a concrete
backend), alerting, detectors and the foundation, and never the web, the service or the
notifiers.
"""

from signalroom.monitor.backtest import BacktestAlert, BacktestResult, backtest, backtest_topic
from signalroom.monitor.engine import (
    CLOSED_UNTIL_MARK,
    TEAM_POLICY_PREFIX,
    AlertEngine,
    EngineSettings,
    TickReport,
    WarmUpReport,
)
from signalroom.monitor.evidence import EvidenceLimits, build_evidence, summarise
from signalroom.monitor.render import (
    NotificationContext,
    Rendered,
    Renderer,
    render_notification,
)
from signalroom.monitor.settings import (
    DEFAULT_RULES,
    RULE_NAMES,
    RuleName,
    TopicRules,
    settings_for,
    topic_rules,
)
from signalroom.monitor.watch import TopicWatch

__all__ = [
    "CLOSED_UNTIL_MARK",
    "DEFAULT_RULES",
    "RULE_NAMES",
    "TEAM_POLICY_PREFIX",
    "AlertEngine",
    "BacktestAlert",
    "BacktestResult",
    "EngineSettings",
    "EvidenceLimits",
    "NotificationContext",
    "Rendered",
    "Renderer",
    "RuleName",
    "TickReport",
    "TopicRules",
    "TopicWatch",
    "WarmUpReport",
    "backtest",
    "backtest_topic",
    "build_evidence",
    "render_notification",
    "settings_for",
    "summarise",
    "topic_rules",
]
