"""The one-click acknowledge pages: opening a link never acknowledges (link scanners open
every link), the button does, and every refused link is a plain page with its own status."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from signalroom.alerting.signing import sign_ack
from tests.monitor.harness import MIN
from tests.web.alert_system import ACK_TTL_S, AlertNode, alert_node


@pytest.fixture
def node(tmp_path: Path) -> Iterator[AlertNode]:
    with alert_node(tmp_path) as made:
        yield made


def state(node: AlertNode, alert_id: str) -> str:
    return str(node.client.get(f"/api/alerts/{alert_id}").json()["state"])


def outcome(page: httpx.Response) -> str:
    found = re.search(r'data-outcome="(\w+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


def is_page(page: httpx.Response) -> None:
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "<script" not in page.text
    assert "/static/css/base.css" in page.text


def test_ack_link_page_shows_the_alert_and_does_not_acknowledge(node: AlertNode) -> None:
    item = node.raise_keyword_alert()
    token = node.token(item["id"])

    page = node.client.get(f"/ack/{token}")
    head = node.client.head(f"/ack/{token}")

    assert page.status_code == 200
    is_page(page)
    assert outcome(page) == "confirm"
    assert "[WARNING] Keyword alert in Acme recalls" in page.text
    assert "5 posts matched Acme recalls in the last 15 min" in page.text
    assert f'<form class="ack-form" method="post" action="/ack/{token}"' in page.text
    assert '<button class="button primary" type="submit">Acknowledge</button>' in page.text
    assert head.status_code == 200
    assert state(node, item["id"]) == "open"


def test_ack_link_button_acknowledges_with_the_name_given(node: AlertNode) -> None:
    item = node.raise_keyword_alert()
    token = node.token(item["id"])

    page = node.client.post(f"/ack/{token}", data={"name": "  Ana\tRuiz "})

    assert page.status_code == 200
    is_page(page)
    assert outcome(page) == "acknowledged"
    assert "acknowledged by Ana Ruiz via ack link" in page.text
    detail = node.client.get(f"/api/alerts/{item['id']}").json()
    assert (detail["state"], detail["acknowledged_by"]) == ("acknowledged", "Ana Ruiz via ack link")
    assert detail["escalation"]["status"] == "stopped"
    assert detail["audit"][-1]["note"] == "acknowledged with the link of a notification"


def test_ack_link_without_a_name_acknowledges_as_the_link(node: AlertNode) -> None:
    item = node.raise_keyword_alert()

    page = node.client.post(f"/ack/{node.token(item['id'])}")

    assert outcome(page) == "acknowledged"
    assert node.client.get(f"/api/alerts/{item['id']}").json()["acknowledged_by"] == "ack link"


def test_ack_link_twice_says_who_acknowledged_first(node: AlertNode) -> None:
    item = node.raise_keyword_alert()
    token = node.token(item["id"])
    node.client.post(f"/ack/{token}", data={"name": "Ana"})

    again = node.client.post(f"/ack/{token}", data={"name": "Ben"})
    opened = node.client.get(f"/ack/{token}")

    for page in (again, opened):
        assert page.status_code == 409
        is_page(page)
        assert outcome(page) == "already"
        assert "Already acknowledged by Ana via ack link" in page.text
    assert node.client.get(f"/api/alerts/{item['id']}").json()["acknowledged_by"] == (
        "Ana via ack link"
    )


def test_ack_link_of_a_resolved_alert_says_so(node: AlertNode) -> None:
    item = node.raise_keyword_alert()
    node.client.post(f"/api/alerts/{item['id']}/resolve", json={"by": "Ben"})

    page = node.client.post(f"/ack/{node.token(item['id'])}")

    assert page.status_code == 409
    assert "Already resolved by Ben" in page.text
    assert state(node, item["id"]) == "resolved"


def test_ack_link_expired_is_refused(node: AlertNode) -> None:
    item = node.raise_keyword_alert()
    token = node.token(item["id"], ttl_s=ACK_TTL_S)
    node.system.clock.advance(ACK_TTL_S + MIN)

    opened = node.client.get(f"/ack/{token}")
    pressed = node.client.post(f"/ack/{token}")

    for page in (opened, pressed):
        assert page.status_code == 410
        is_page(page)
        assert outcome(page) == "expired"
        assert "This link has expired" in page.text
        assert 'class="ack-form" method="post"' in page.text
        assert re.search(r'class="ack-form"[^>]*\shidden>', page.text)
    assert state(node, item["id"]) == "open"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def longer_life(token: str) -> str:
    """The same signature on a payload whose expiry was pushed a year ahead."""
    payload, mac = token.split(".")
    trigger, expires, alert_id = base64.urlsafe_b64decode(payload + "==").decode().split(".", 2)
    forged = f"{trigger}.{int(expires) + 365 * 86400}.{alert_id}".encode()
    return f"{b64(forged)}.{mac}"


def other_mac(token: str) -> str:
    payload = token.split(".")[0]
    return f"{payload}.{b64(bytes(32))}"


@pytest.mark.parametrize(
    "tamper",
    [
        longer_life,
        other_mac,
        lambda t: "not-a-token",
        lambda t: t.replace(".", ""),
        lambda t: t + "x",
    ],
)
def test_ack_link_tampered_is_refused(node: AlertNode, tamper: Callable[[str], str]) -> None:
    item = node.raise_keyword_alert()
    token = tamper(node.token(item["id"]))
    assert token != node.token(item["id"])

    for page in (node.client.get(f"/ack/{token}"), node.client.post(f"/ack/{token}")):
        assert page.status_code == 400
        is_page(page)
        assert outcome(page) == "invalid"
        assert "This link is not valid" in page.text
        assert "Keyword alert" not in page.text
    assert state(node, item["id"]) == "open"


def test_ack_link_signed_with_another_key_is_refused(node: AlertNode) -> None:
    item = node.raise_keyword_alert()
    now = node.system.clock.now()
    token = sign_ack(item["id"], 1, expires_at=now + 600, key=b"another-key-of-32-bytes-long!!!!")

    page = node.client.post(f"/ack/{token}")

    assert (page.status_code, outcome(page)) == (400, "invalid")
    assert state(node, item["id"]) == "open"


def test_ack_link_of_an_earlier_trigger_does_not_acknowledge_the_new_one(
    node: AlertNode,
) -> None:
    risk = node.system.risk.id
    node.client.put(f"/api/topics/{risk}/detectors/keyword", json={"settings": {"cooldown_s": 600}})
    item = node.raise_keyword_alert()
    old_token = node.token(item["id"], trigger=1)
    node.client.post(f"/api/alerts/{item['id']}/resolve", json={"by": "Ana"})
    # The matches come back after the detector's cooldown, within the reopen window.
    node.run(11)
    node.burst()
    node.run(3)
    reopened = node.client.get(f"/api/alerts/{item['id']}").json()
    assert (reopened["state"], reopened["trigger"]) == ("open", 2)

    page = node.client.post(f"/ack/{old_token}")

    assert page.status_code == 410
    assert outcome(page) == "outdated"
    assert state(node, item["id"]) == "open"
    fresh = node.client.post(f"/ack/{node.token(item['id'], trigger=2)}")
    assert outcome(fresh) == "acknowledged"


def test_ack_link_of_an_alert_that_does_not_exist_is_404(node: AlertNode) -> None:
    page = node.client.get(f"/ack/{node.token('0123456789abcdef-9')}")

    assert (page.status_code, outcome(page)) == (404, "missing")


def test_ack_link_reads_only_the_start_of_a_huge_form(node: AlertNode) -> None:
    item = node.raise_keyword_alert()

    page = node.client.post(
        f"/ack/{node.token(item['id'])}",
        content=b"name=Ana&padding=" + b"x" * 1_000_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert outcome(page) == "acknowledged"
    assert node.client.get(f"/api/alerts/{item['id']}").json()["acknowledged_by"] == (
        "Ana via ack link"
    )
