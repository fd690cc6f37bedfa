"""Routing: which escalation policy an alert follows.

Rules match on the topic (id or kind), the detector and a minimum severity; the first
rule that matches wins, and an alert no rule matches follows the default policy. A
matcher left empty matches anything. Pure: no I/O; policy names are checked against the
known policies by ``check_policies`` when the rules are loaded.
"""

from __future__ import annotations

from collections.abc import Collection

import msgspec

from signalroom.alerting.model import Alert, severity_rank
from signalroom.detectors.base import DetectorName, Severity
from signalroom.errors import ValidationError
from signalroom.models import TopicKind


class Route(msgspec.Struct, frozen=True, kw_only=True):
    """Send matching alerts to ``policy``. Empty tuples match any topic or detector."""

    policy: str
    topic_ids: tuple[int, ...] = ()
    topic_kinds: tuple[TopicKind, ...] = ()
    detectors: tuple[DetectorName, ...] = ()
    min_severity: Severity = "info"

    def __post_init__(self) -> None:
        if not self.policy.strip():
            raise ValidationError("must name an escalation policy", "policy")

    def matches(
        self, *, topic_id: int, topic_kind: TopicKind, detector: DetectorName, severity: Severity
    ) -> bool:
        return (
            (not self.topic_ids or topic_id in self.topic_ids)
            and (not self.topic_kinds or topic_kind in self.topic_kinds)
            and (not self.detectors or detector in self.detectors)
            and severity_rank(severity) >= severity_rank(self.min_severity)
        )


class RoutingTable(msgspec.Struct, frozen=True, kw_only=True):
    """Ordered routes and the policy for everything they miss."""

    default_policy: str
    routes: tuple[Route, ...] = ()

    def __post_init__(self) -> None:
        if not self.default_policy.strip():
            raise ValidationError("must name an escalation policy", "default_policy")

    def match(
        self, *, topic_id: int, topic_kind: TopicKind, detector: DetectorName, severity: Severity
    ) -> Route | None:
        """The first route that matches, or None when the default applies."""
        for route in self.routes:
            if route.matches(
                topic_id=topic_id, topic_kind=topic_kind, detector=detector, severity=severity
            ):
                return route
        return None

    def policy_for(self, alert: Alert, topic_kind: TopicKind) -> str:
        """The name of the escalation policy the alert follows."""
        route = self.match(
            topic_id=alert.topic_id,
            topic_kind=topic_kind,
            detector=alert.detector,
            severity=alert.severity,
        )
        return self.default_policy if route is None else route.policy

    def check_policies(self, known: Collection[str]) -> None:
        """Raise ValidationError naming the first route whose policy is not in ``known``."""
        if self.default_policy not in known:
            raise ValidationError(f"unknown policy {self.default_policy!r}", "default_policy")
        for index, route in enumerate(self.routes):
            if route.policy not in known:
                raise ValidationError(f"unknown policy {route.policy!r}", f"routes[{index}].policy")
