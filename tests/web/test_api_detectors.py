"""Per-topic detector settings and backtests over HTTP: settings tuned through the API drive
the live engine, which raises a real volume spike from stored posts; a backtest over the
same stored minutes answers exactly what ``monitor.backtest`` does."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from signalroom.clock import to_iso
from signalroom.monitor import backtest
from signalroom.monitor.settings import settings_for
from tests.monitor.harness import MIN, T0
from tests.web.alert_system import AlertNode, alert_node, error

SPIKE = {
    "window_s": 900,
    "period_s": 3600,
    "baseline_days": 3,
    "slot_tolerance_s": 600,
    "warmup_s": 4 * 3600,
    "threshold_history_days": 2,
    "persistence_k": 2,
    "persistence_m": 3,
    "cooldown_s": 3600,
    "day_of_week": False,
}
HOURS = 12


@pytest.fixture
def node(tmp_path: Path) -> Iterator[AlertNode]:
    with alert_node(tmp_path) as made:
        yield made


def detectors(node: AlertNode, topic_id: int) -> dict[str, dict[str, Any]]:
    answer = node.client.get(f"/api/topics/{topic_id}/detectors")
    assert answer.status_code == 200, answer.text
    return {item["detector"]: item for item in answer.json()["items"]}


def put(node: AlertNode, topic_id: int, detector: str, body: dict[str, Any]) -> Any:
    return node.client.put(f"/api/topics/{topic_id}/detectors/{detector}", json=body)


def test_detectors_of_a_topic_follow_its_kind_with_defaults_and_help(node: AlertNode) -> None:
    items = detectors(node, node.system.brand.id)

    assert list(items) == ["spike", "sentiment", "keyword", "influencer", "trend"]
    assert {name: item["enabled"] for name, item in items.items()} == {
        "spike": True,
        "sentiment": True,
        "keyword": False,
        "influencer": True,
        "trend": True,
    }
    spike = items["spike"]
    assert spike["settings"] == spike["defaults"]
    assert spike["settings"]["threshold"] == 2.5
    assert spike["overridden"] == []
    assert set(spike["help"]) == set(spike["settings"])
    assert spike["help"]["threshold"].startswith("Sensitivity: the lowest z")
    assert detectors(node, node.system.risk.id)["keyword"]["enabled"] is True


def test_detector_put_overrides_settings_and_delete_restores_defaults(node: AlertNode) -> None:
    brand = node.system.brand.id

    tuned = put(node, brand, "spike", {"settings": {"threshold": 3, "warmup_s": 172800}})
    switched_off = put(node, brand, "trend", {"enabled": False})
    switched_on = put(node, brand, "keyword", {"enabled": True, "settings": {"min_count": 10}})
    stored = node.system.alerts.list_overrides(brand)
    reset = node.client.delete(f"/api/topics/{brand}/detectors/spike")

    assert tuned.status_code == 200, tuned.text
    assert tuned.json()["settings"]["threshold"] == 3
    assert tuned.json()["overridden"] == ["threshold"]
    assert [(o.detector, o.enabled, o.values) for o in stored] == [
        ("keyword", True, {"min_count": 10}),
        ("spike", True, {"threshold": 3}),
        ("trend", False, {}),
    ]
    assert (switched_off.json()["enabled"], switched_off.json()["overridden"]) == (False, [])
    assert switched_on.json()["enabled"] is True
    assert switched_on.json()["settings"]["min_count"] == 10
    assert reset.status_code == 200, reset.text
    assert reset.json()["settings"] == reset.json()["defaults"]
    items = detectors(node, brand)
    assert {name: item["enabled"] for name, item in items.items()}["trend"] is False
    assert items["keyword"]["enabled"] is True
    assert node.system.engine.detector_settings(brand).keyword is not None
    assert node.system.engine.detector_settings(brand).trend is None
    assert [o.detector for o in node.system.alerts.list_overrides(brand)] == ["keyword", "trend"]


def test_detector_put_keeps_settings_when_only_switching(node: AlertNode) -> None:
    brand = node.system.brand.id
    put(node, brand, "spike", {"settings": {"threshold": 4}})

    off = put(node, brand, "spike", {"enabled": False}).json()
    on = put(node, brand, "spike", {"enabled": True}).json()

    assert (off["enabled"], off["settings"]["threshold"]) == (False, 4)
    assert (on["enabled"], on["settings"]["threshold"], on["overridden"]) == (
        True,
        4,
        ["threshold"],
    )
    # Back to exactly what the kind gives: no override is kept.
    put(node, brand, "spike", {"settings": {}})
    assert node.system.alerts.list_overrides(brand) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"settings": {"threshold": "high"}}, "settings.threshold"),
        ({"settings": {"baseline_days": 2.5}}, "settings.baseline_days"),
        ({"settings": {"day_of_week": 1}}, "settings.day_of_week"),
        ({"settings": {"persistence_k": 9}}, "settings.persistence_k"),
        ({"settings": {"step_s": 90}}, "settings.step_s"),
        ({"settings": {"loudness": 11}}, "settings.loudness"),
        ({"enabled": "yes please"}, "enabled"),
        ({"extra": 1}, "extra"),
    ],
)
def test_detector_put_names_the_bad_setting(
    node: AlertNode, body: dict[str, Any], field: str
) -> None:
    found = error(put(node, node.system.brand.id, "spike", body), 400)

    assert found["field"] == field
    assert node.system.alerts.list_overrides() == []


def test_detector_settings_of_unknown_topic_or_detector_are_404(node: AlertNode) -> None:
    assert error(node.client.get("/api/topics/99/detectors"), 404)["code"] == "not_found"
    assert error(put(node, 99, "spike", {"enabled": False}), 404)["code"] == "not_found"
    found = error(put(node, node.system.brand.id, "manual", {"enabled": True}), 404)
    assert "spike, sentiment, keyword, influencer, trend" in found["message"]
    assert error(node.client.get("/api/topics/x/detectors"), 400)["field"] == "topic_id"


def rate(minute: int) -> tuple[int, int]:
    """Posts per minute on (brand, risk): calm, with two crises."""
    rng = random.Random(minute)
    brand = rng.choice((1, 2, 3, 4))
    risk = 1 if rng.random() < 0.05 else 0
    if 6 * 60 <= minute < 6 * 60 + 25 or 9 * 60 <= minute < 9 * 60 + 10:
        brand += 25
        risk += 2
    return brand, risk


def live_run(node: AlertNode) -> None:
    """Tune the brand topic's spike detector through the API, then live 12 hours."""
    s, brand = node.system, node.system.brand.id
    assert put(node, brand, "spike", {"settings": SPIKE}).status_code == 200
    for name in ("sentiment", "influencer", "trend"):
        assert put(node, brand, name, {"enabled": False}).json()["enabled"] is False
    s.engine.warm_up()
    for minute in range(HOURS * 60):
        volume, risk = rate(minute)
        at = T0 + minute * MIN + 10
        posts = [
            s.post(s.brand, at, label="neutral", text="kestrava delays") for _ in range(volume)
        ]
        posts += [s.post(s.risk, at, handle=f"r{minute}-{i}") for i in range(risk)]
        s.commit(*posts)
        s.clock.advance(MIN)
        s.engine.tick()
    node.run(3)


def test_spike_raised_live_matches_the_backtest_of_the_same_minutes(node: AlertNode) -> None:
    s = node.system
    live_run(node)
    until = T0 + HOURS * 3600

    live = node.client.get("/api/alerts", params={"topic": "Kestrava Air"}).json()["items"]
    answer = node.client.post(
        f"/api/topics/{s.brand.id}/backtest",
        json={"detector": "spike", "since": to_iso(T0), "until": until},
    )

    assert live, "the engine raised no spike"
    assert {a["detector"] for a in live} == {"spike"}
    first = live[-1]
    assert first["evidence"]["top_posts"][0]["text"] == "kestrava delays"
    assert first["evidence"]["observed"] > first["evidence"]["band"][1]
    assert answer.status_code == 200, answer.text
    result = answer.json()
    oracle = backtest(
        s.store.query_rollups((s.brand.id,), T0, until, "minute"),
        topic_id=s.brand.id,
        detector="spike",
        since=T0,
        until=until,
        settings=settings_for("spike", SPIKE),
        lateness_s=s.engine.settings.lateness_s,
        alert_settings=s.engine.settings.alerts,
    )
    assert result["distinct_alerts"] == oracle.distinct_alerts >= 2
    assert [(a["alert_id"], a["trigger"], a["opened_at"]) for a in result["alerts"]] == [
        (a.alert_id, a.trigger, to_iso(a.opened_at)) for a in oracle.alerts
    ]
    assert [a["reason"] for a in result["alerts"]] == [a.reason for a in oracle.alerts]
    assert result["findings"] == len(oracle.findings)
    assert result["settings"]["threshold_history_days"] == 2
    # What the live engine opened is what the backtest says it would open.
    opened = sorted(
        (e["at"], e["action"])
        for a in live
        for e in node.client.get(f"/api/alerts/{a['id']}").json()["audit"]
        if e["action"] in ("opened", "reopened")
    )
    assert opened == [
        (a["opened_at"], "opened" if a["trigger"] == 1 else "reopened") for a in result["alerts"]
    ]
    series = result["series"]
    assert (len(series), result["series_step_s"]) == (HOURS * 60, 60)
    assert series[0] == {"t": "2023-11-14T00:00:00.000Z", "observed": rate(0)[0]}
    assert series[6 * 60]["observed"] == rate(6 * 60)[0]


def test_backtest_tries_settings_on_top_of_the_topic_overrides(node: AlertNode) -> None:
    s = node.system
    node.raise_keyword_alert()
    put(node, s.risk.id, "keyword", {"settings": {"cooldown_s": 600}})

    as_saved = node.client.post(
        f"/api/topics/{s.risk.id}/backtest", json={"detector": "keyword"}
    ).json()
    stricter = node.client.post(
        f"/api/topics/{s.risk.id}/backtest",
        json={"detector": "keyword", "settings": {"min_count": 6}},
    ).json()

    assert as_saved["until"] == to_iso(s.clock.now())
    assert as_saved["since"] == to_iso(s.clock.now() - 30 * 86400)
    assert as_saved["settings"]["cooldown_s"] == 600
    assert as_saved["distinct_alerts"] == 1
    assert as_saved["alerts"][0]["observed"] == 5
    assert (stricter["settings"]["min_count"], stricter["settings"]["cooldown_s"]) == (6, 600)
    assert stricter["distinct_alerts"] == 0
    assert len(as_saved["series"]) <= 2000
    assert as_saved["series_step_s"] == 22 * 60
    assert max(p["observed"] for p in as_saved["series"]) == 5


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"detector": "influencer"}, "detector"),
        ({"detector": "loud"}, "detector"),
        ({"detector": "spike", "since": "2023-11-15T00:00:00Z"}, "since"),
        ({"detector": "spike", "since": 0}, "since"),
        ({"detector": "spike", "until": "later"}, "until"),
        (
            {"detector": "spike", "settings": {"threshold": -1, "critical_score": "x"}},
            "settings.critical_score",
        ),
        ({"detector": "keyword", "settings": {"window": 60}}, "settings.window"),
        ({}, "detector"),
    ],
)
def test_backtest_names_the_bad_field(node: AlertNode, body: dict[str, Any], field: str) -> None:
    found = error(node.client.post(f"/api/topics/{node.system.brand.id}/backtest", json=body), 400)

    assert found["field"] == field


def test_backtest_of_an_unknown_topic_is_404(node: AlertNode) -> None:
    answer = node.client.post("/api/topics/99/backtest", json={"detector": "spike"})

    assert error(answer, 404)["code"] == "not_found"
