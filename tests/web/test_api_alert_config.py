"""Teams, escalation policies, routing and silences over HTTP: create, read, replace and
delete, names that must exist, secrets only by reference, and 400s naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.alert_system import AlertNode, alert_node, error


@pytest.fixture
def node(tmp_path: Path) -> Iterator[AlertNode]:
    with alert_node(tmp_path) as made:
        yield made


PR_TEAM = {
    "members": [{"name": "Ana Ruiz", "contact": "+1 555 0100"}, {"name": "Ben"}],
    "channels": ["env:PR_SLACK"],
    "webhook": {"url": "https://hooks.example.test/pr", "key": "file:/run/secrets/pr_key"},
}


# -- teams ------------------------------------------------------------------------------------
def test_team_put_creates_then_replaces_and_delete_removes(node: AlertNode) -> None:
    created = node.client.put("/api/teams/pr", json=PR_TEAM)
    replaced = node.client.put("/api/teams/pr", json={"name": "pr", "channels": ["env:PR_MAIL"]})

    assert created.status_code == 201, created.text
    assert created.json() == {
        "name": "pr",
        "members": [{"name": "Ana Ruiz", "contact": "+1 555 0100"}, {"name": "Ben", "contact": ""}],
        "channels": ["env:PR_SLACK"],
        "webhook": {"url": "https://hooks.example.test/pr", "key": "file:/run/secrets/pr_key"},
    }
    assert replaced.status_code == 200, replaced.text
    assert node.client.get("/api/teams/pr").json() == {
        "name": "pr",
        "members": [],
        "channels": ["env:PR_MAIL"],
        "webhook": None,
    }
    names = [t["name"] for t in node.client.get("/api/teams").json()["items"]]
    assert sorted(names) == ["comms", "pr", "social"]
    assert node.client.delete("/api/teams/pr").status_code == 204
    assert error(node.client.get("/api/teams/pr"), 404)["code"] == "not_found"
    assert error(node.client.delete("/api/teams/pr"), 404)["code"] == "not_found"


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (
            {"channels": ["https://hooks.slack.com/services/T0/B0/SECRET"]},
            "channels[0]",
            "secret reference",
        ),
        ({"channels": ["env:A", "env:A"]}, "channels", "repeat"),
        ({"members": [{"name": " "}]}, "members[0].name", "empty"),
        ({"members": [{"name": "Ana", "contact": "c" * 201}]}, "members[0].contact", "200"),
        ({"webhook": {"url": "ftp://x", "key": "env:K"}}, "webhook.url", "http"),
        ({"webhook": {"url": "https://x.test", "key": "plain-key"}}, "webhook.key", "secret"),
        ({"name": "other"}, "name", "URL"),
        ({"members": "Ana"}, "members", "list"),
        ({"colour": "red"}, "colour", "not a known field"),
    ],
)
def test_team_put_names_the_bad_field(
    node: AlertNode, body: dict[str, Any], field: str, words: str
) -> None:
    found = error(node.client.put("/api/teams/pr", json=body), 400)

    assert found["field"] == field
    assert words in found["message"]
    assert "SECRET" not in found["message"]
    assert error(node.client.get("/api/teams/pr"), 404)["code"] == "not_found"


def test_team_with_a_bad_name_is_refused(node: AlertNode) -> None:
    found = error(node.client.put("/api/teams/%3Ateam", json={}), 400)

    assert found["field"] == "name"


def test_team_named_in_a_policy_cannot_be_deleted(node: AlertNode) -> None:
    found = error(node.client.delete("/api/teams/social"), 409)

    assert "escalation policy 'crisis'" in found["message"]
    assert node.client.get("/api/teams/social").status_code == 200


# -- policies ----------------------------------------------------------------------------------
def test_policy_put_creates_then_replaces_and_delete_removes(node: AlertNode) -> None:
    body = {
        "levels": [
            {"targets": ["social"], "timeout_s": 300},
            {"targets": ["comms", "social"], "timeout_s": 900, "takeover": ["warroom", "*"]},
        ],
        "repeat": 2,
    }

    created = node.client.put("/api/policies/night", json=body)
    replaced = node.client.put(
        "/api/policies/night", json={"levels": [{"targets": ["comms"], "timeout_s": 60}]}
    )

    assert created.status_code == 201, created.text
    assert created.json() == {
        "name": "night",
        "levels": [
            {"targets": ["social"], "timeout_s": 300, "takeover": []},
            {"targets": ["comms", "social"], "timeout_s": 900, "takeover": ["warroom", "*"]},
        ],
        "repeat": 2,
    }
    assert replaced.status_code == 200
    assert node.client.get("/api/policies/night").json()["levels"] == [
        {"targets": ["comms"], "timeout_s": 60, "takeover": []}
    ]
    names = [p["name"] for p in node.client.get("/api/policies").json()["items"]]
    assert sorted(names) == ["crisis", "night"]
    assert node.client.delete("/api/policies/night").status_code == 204
    assert error(node.client.get("/api/policies/night"), 404)["code"] == "not_found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"levels": []}, "levels"),
        ({"levels": [{"targets": ["nobody"], "timeout_s": 60}]}, "levels[0].targets"),
        ({"levels": [{"targets": [], "timeout_s": 60}]}, "levels[0].targets"),
        ({"levels": [{"targets": ["social"], "timeout_s": 0}]}, "levels[0].timeout_s"),
        (
            {"levels": [{"targets": ["social"], "timeout_s": 60, "takeover": ["war room"]}]},
            "levels[0].takeover",
        ),
        ({"levels": [{"targets": ["social"], "timeout_s": 60}], "repeat": 99}, "repeat"),
        ({"levels": [{"targets": ["social"]}]}, "levels.0.timeout_s"),
        ({}, "levels"),
    ],
)
def test_policy_put_names_the_bad_field(node: AlertNode, body: dict[str, Any], field: str) -> None:
    found = error(node.client.put("/api/policies/night", json=body), 400)

    assert found["field"] == field
    assert error(node.client.get("/api/policies/night"), 404)["code"] == "not_found"


def test_policy_in_the_routing_table_cannot_be_deleted(node: AlertNode) -> None:
    found = error(node.client.delete("/api/policies/crisis"), 409)

    assert "routing table" in found["message"]


# -- routing -----------------------------------------------------------------------------------
def test_routing_put_replaces_the_table_the_engine_follows(node: AlertNode) -> None:
    s = node.system
    table = {
        "default_policy": "crisis",
        "routes": [
            {
                "policy": "team:comms",
                "topic_ids": [s.risk.id],
                "detectors": ["keyword"],
                "min_severity": "warning",
            },
            {"policy": "crisis", "topic_kinds": ["brand", "campaign"]},
        ],
    }

    saved = node.client.put("/api/routing", json=table)
    item = node.raise_keyword_alert()

    assert saved.status_code == 200, saved.text
    assert saved.json() == {
        "default_policy": "crisis",
        "routes": [
            {
                "policy": "team:comms",
                "topic_ids": [s.risk.id],
                "topic_kinds": [],
                "detectors": ["keyword"],
                "min_severity": "warning",
            },
            {
                "policy": "crisis",
                "topic_ids": [],
                "topic_kinds": ["brand", "campaign"],
                "detectors": [],
                "min_severity": "info",
            },
        ],
    }
    assert node.client.get("/api/routing").json() == saved.json()
    assert item["escalation"]["policy"] == "team:comms"
    teams = {m["team"] for m in node.client.get("/api/outbox").json()["items"]}
    assert teams == {"comms"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"default_policy": "nope"}, "default_policy"),
        ({"default_policy": "crisis", "routes": [{"policy": "nope"}]}, "routes[0].policy"),
        (
            {"default_policy": "crisis", "routes": [{"policy": "crisis", "topic_ids": [99]}]},
            "routes[0].topic_ids",
        ),
        (
            {"default_policy": "crisis", "routes": [{"policy": "crisis", "topic_kinds": ["x"]}]},
            "routes[0].topic_kinds[0]",
        ),
        (
            {"default_policy": "crisis", "routes": [{"policy": "crisis", "detectors": ["y"]}]},
            "routes[0].detectors[0]",
        ),
        (
            {"default_policy": "crisis", "routes": [{"policy": "crisis", "min_severity": "z"}]},
            "routes[0].min_severity",
        ),
    ],
)
def test_routing_put_names_the_bad_field(node: AlertNode, body: dict[str, Any], field: str) -> None:
    before = node.client.get("/api/routing").json()

    found = error(node.client.put("/api/routing", json=body), 400)

    assert found["field"] == field
    assert node.client.get("/api/routing").json() == before


# -- silences ------------------------------------------------------------------------------------
def test_silence_post_lists_and_delete(node: AlertNode) -> None:
    s = node.system
    created = node.client.post(
        "/api/silences",
        json={
            "duration_minutes": 90,
            "by": "Ana",
            "comment": "planned recall announcement",
            "topic_id": s.risk.id,
            "detector": "keyword",
        },
    )
    later = node.client.post(
        "/api/silences",
        json={
            "starts_at": "2023-11-14T06:00:00Z",
            "ends_at": 1_699_945_200,
            "by": "Ben",
            "comment": "maintenance",
            "fingerprint": "CEC66034AE035D19",
        },
    )

    assert created.status_code == 201, created.text
    silence = created.json()
    assert silence == {
        "id": silence["id"],
        "starts_at": "2023-11-14T00:00:00.000Z",
        "ends_at": "2023-11-14T01:30:00.000Z",
        "created_by": "Ana",
        "comment": "planned recall announcement",
        "topic_id": s.risk.id,
        "detector": "keyword",
        "fingerprint": None,
        "max_severity": None,
        "windows": [],
        "timezone": "UTC",
        "muting": True,
        "muting_until": "2023-11-14T01:30:00.000Z",
        "next_mute_at": None,
    }
    assert later.status_code == 201, later.text
    assert later.json()["muting"] is False
    assert later.json()["next_mute_at"] == "2023-11-14T06:00:00.000Z"
    assert later.json()["ends_at"] == "2023-11-14T07:00:00.000Z"
    assert later.json()["fingerprint"] == "cec66034ae035d19"
    listed = node.client.get("/api/silences").json()["items"]
    assert [x["id"] for x in listed] == [silence["id"], later.json()["id"]]
    assert node.client.delete(f"/api/silences/{silence['id']}").status_code == 204
    assert error(node.client.delete(f"/api/silences/{silence['id']}"), 404)["code"] == "not_found"
    assert [x["id"] for x in node.client.get("/api/silences").json()["items"]] == [
        later.json()["id"]
    ]


def test_silence_holds_the_escalation_of_matching_alerts(node: AlertNode) -> None:
    s = node.system
    node.client.post(
        "/api/silences",
        json={"duration_minutes": 30, "by": "Ana", "comment": "drill", "topic_id": s.risk.id},
    )

    item = node.raise_keyword_alert()

    assert item["state"] == "open"
    assert item["escalation"]["next_at"] == "2023-11-14T00:30:00.000Z"
    assert node.client.get("/api/outbox").json()["items"] == []


def test_mute_window_post_is_recurring_and_kept_until_removed(node: AlertNode) -> None:
    # The node's clock is 2023-11-14T00:00Z, a Tuesday: 01:00 in Budapest.
    created = node.client.post(
        "/api/silences",
        json={
            "by": "Ana",
            "comment": "nobody is paged at night for warnings",
            "max_severity": "warning",
            "windows": [
                {"days": ["Mon", "tue", "wed", "thu", "fri"], "start": "22:00", "end": "07:00"},
                {"days": ["sat", "sun"], "start": "00:00", "end": "00:00"},
            ],
            "timezone": "Europe/Budapest",
        },
    )

    assert created.status_code == 201, created.text
    body = created.json()
    assert body["ends_at"] is None
    assert body["windows"] == [
        {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "22:00", "end": "07:00"},
        {"days": ["sat", "sun"], "start": "00:00", "end": "00:00"},
    ]
    assert (body["timezone"], body["max_severity"]) == ("Europe/Budapest", "warning")
    assert (body["muting"], body["muting_until"]) == (True, "2023-11-14T06:00:00.000Z")
    assert body["next_mute_at"] is None
    (listed,) = node.client.get("/api/silences").json()["items"]
    assert listed == body


def test_a_muted_warning_waits_for_morning_but_the_silence_spares_other_topics(
    node: AlertNode,
) -> None:
    s = node.system
    node.client.post(
        "/api/silences",
        json={
            "by": "Ana",
            "comment": "nights",
            "topic_id": s.risk.id,
            "max_severity": "warning",
            "windows": [{"start": "22:00", "end": "07:00"}],
            "timezone": "Europe/Budapest",
        },
    )

    item = node.raise_keyword_alert()

    assert item["severity"] == "warning"
    assert item["escalation"]["next_at"] == "2023-11-14T06:00:00.000Z"
    assert item["escalation"]["held"] is True
    assert node.client.get("/api/outbox").json()["items"] == []


WINDOW = {"start": "22:00", "end": "07:00"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"windows": [WINDOW] * 15}, "windows"),
        ({"windows": [{"start": "25:00", "end": "07:00"}]}, "windows[0].start"),
        ({"windows": [WINDOW, {"start": "22:00", "end": "7pm"}]}, "windows[1].end"),
        ({"windows": [{"days": ["mon", "funday"], **WINDOW}]}, "windows[0].days[1]"),
        ({"windows": [{"days": [], **WINDOW}]}, "windows[0].days"),
        ({"windows": [{"days": ["sat", "sat"], **WINDOW}]}, "windows[0].days"),
        ({"windows": [{"start": "22:00"}]}, "windows.0.end"),
        ({"windows": [WINDOW], "timezone": "Europe/Atlantis"}, "timezone"),
        ({"windows": [WINDOW], "timezone": "../etc/passwd"}, "timezone"),
        (
            {"windows": [WINDOW], "duration_minutes": 60, "ends_at": "2023-11-15T00:00:00Z"},
            "ends_at",
        ),
        # Only Saturdays, but the silence ends on Wednesday: it would never mute.
        ({"windows": [{"days": ["sat"], **WINDOW}], "duration_minutes": 600}, "windows"),
        ({"windows": [WINDOW], "max_severity": "disaster"}, "max_severity"),
    ],
)
def test_mute_window_post_names_the_bad_field(
    node: AlertNode, change: dict[str, Any], field: str
) -> None:
    body = {"by": "Ana", "comment": "why", "topic_id": node.system.risk.id}

    found = error(node.client.post("/api/silences", json=body | change), 400)

    assert found["field"] == field
    assert node.client.get("/api/silences").json()["items"] == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"by": ""}, "by"),
        ({"comment": " "}, "comment"),
        ({"duration_minutes": None}, "ends_at"),
        ({"ends_at": "2023-11-14T02:00:00Z"}, "ends_at"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 10**7}, "duration_minutes"),
        ({"starts_at": "soon"}, "starts_at"),
        ({"starts_at": "2023-11-13T00:00:00Z", "duration_minutes": 60}, "ends_at"),
        ({"topic_id": None}, "topic_id"),
        ({"topic_id": 99}, "topic_id"),
        ({"detector": "everything"}, "detector"),
        ({"fingerprint": "abc"}, "fingerprint"),
    ],
)
def test_silence_post_names_the_bad_field(
    node: AlertNode, change: dict[str, Any], field: str
) -> None:
    body = {"duration_minutes": 60, "by": "Ana", "comment": "why", "topic_id": node.system.risk.id}

    found = error(node.client.post("/api/silences", json=body | change), 400)

    assert found["field"] == field
    assert node.client.get("/api/silences").json()["items"] == []
