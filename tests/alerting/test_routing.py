"""Routing: first matching rule wins, empty matchers match anything, a default catches the rest."""

from __future__ import annotations

import pytest

from signalroom.alerting import Route, RoutingTable, group_finding
from signalroom.errors import ValidationError
from tests.alerting.factory import T0, finding, open_alert

TABLE = RoutingTable(
    default_policy="social",
    routes=(
        Route(policy="crisis", topic_kinds=("brand",), min_severity="critical"),
        Route(policy="legal", detectors=("keyword",), topic_kinds=("risk",)),
        Route(policy="vip", topic_ids=(42,), detectors=("influencer", "sentiment")),
        Route(policy="anything-critical", min_severity="critical"),
    ),
)


def test_routing_sends_a_critical_brand_alert_to_the_first_matching_rule() -> None:
    alert = open_alert(severity="critical")
    assert TABLE.policy_for(alert, "brand") == "crisis"


def test_routing_falls_through_to_later_rules_in_order() -> None:
    assert TABLE.policy_for(open_alert(detector="keyword"), "risk") == "legal"
    assert TABLE.policy_for(open_alert(topic_id=42, detector="influencer"), "brand") == "vip"
    assert TABLE.policy_for(open_alert(severity="critical"), "competitor") == "anything-critical"


def test_routing_uses_the_default_when_no_rule_matches() -> None:
    alert = open_alert(detector="spike", severity="warning")
    assert (
        TABLE.match(topic_id=1, topic_kind="campaign", detector="spike", severity="warning") is None
    )
    assert TABLE.policy_for(alert, "campaign") == "social"


def test_routing_follows_the_alert_severity_as_it_rises() -> None:
    alert = open_alert(severity="warning")
    assert TABLE.policy_for(alert, "brand") == "social"
    risen = group_finding(alert, alert.topic_id, finding(severity="critical"), now=T0 + 60).alert
    assert TABLE.policy_for(risen, "brand") == "crisis"


def test_routing_min_severity_admits_that_severity_and_above() -> None:
    route = Route(policy="p", min_severity="warning")
    seen = [
        route.matches(topic_id=1, topic_kind="brand", detector="spike", severity=s)
        for s in ("info", "warning", "critical")
    ]
    assert seen == [False, True, True]


def test_routing_check_policies_names_the_route_with_an_unknown_policy() -> None:
    with pytest.raises(ValidationError) as caught:
        TABLE.check_policies({"social", "crisis", "legal", "anything-critical"})
    assert caught.value.field == "routes[2].policy"
    with pytest.raises(ValidationError) as caught:
        TABLE.check_policies({"crisis"})
    assert caught.value.field == "default_policy"
    TABLE.check_policies({"social", "crisis", "legal", "vip", "anything-critical"})


def test_routing_rejects_an_empty_policy_name() -> None:
    with pytest.raises(ValidationError):
        Route(policy=" ")
    with pytest.raises(ValidationError):
        RoutingTable(default_policy="")
