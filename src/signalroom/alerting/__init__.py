"""Alerting: from detector findings to alerts people act on, and who gets told.

Grouping (one crisis, one alert), the ``open → acknowledged → resolved`` lifecycle with
an audit trail, silences, routing to an escalation policy, and the per-alert escalation
state machine. This package is the pure core: plain data and functions of explicit
instants. It does no I/O, reads no clock and imports only the foundation and the
detectors; the store persists its data, a scheduler drives it, notifiers deliver.
"""

from signalroom.alerting.escalation import (
    EscalationLevel,
    EscalationPolicy,
    EscalationState,
    EscalationStatus,
    Notification,
)
from signalroom.alerting.fingerprint import finding_fingerprint, fingerprint, group_finding
from signalroom.alerting.lifecycle import (
    acknowledge,
    auto_resolve,
    is_auto_resolve_due,
    mark_holding,
    resolve,
)
from signalroom.alerting.model import (
    ALERT_STATES,
    SYSTEM_ACTOR,
    Alert,
    AlertSettings,
    AlertState,
    AuditAction,
    AuditEntry,
    Change,
)
from signalroom.alerting.routing import Route, RoutingTable
from signalroom.alerting.silence import Silence, active_silence, silenced_until

__all__ = [
    "ALERT_STATES",
    "SYSTEM_ACTOR",
    "Alert",
    "AlertSettings",
    "AlertState",
    "AuditAction",
    "AuditEntry",
    "Change",
    "EscalationLevel",
    "EscalationPolicy",
    "EscalationState",
    "EscalationStatus",
    "Notification",
    "Route",
    "RoutingTable",
    "Silence",
    "acknowledge",
    "active_silence",
    "auto_resolve",
    "finding_fingerprint",
    "fingerprint",
    "group_finding",
    "is_auto_resolve_due",
    "mark_holding",
    "resolve",
    "silenced_until",
]
