"""Alerts in a real browser (the system's Chromium through Playwright) against a real node
with alerting: the /alerts page lists a real alert, shows its evidence and deliveries, and
acknowledges it; teams refuse raw channel URLs; a backtest counts what settings would have
raised; the console's "Escalate…" raises a manual alert; wall screens show open alerts as
a banner and a critical one nobody acknowledged as a full-screen takeover, until someone
does; and with alerting off, pages show none of it and log no error.

Alerts come from the engine (posts committed, minutes closed by ``tick``) or from the API,
never written by hand. With SIGNALROOM_SCREENSHOT_DIR set, the alerts page, the banner and
the takeover screenshots are copied there (for docs/screenshots).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import msgspec
import pytest
from playwright.sync_api import Browser, Page, expect

from signalroom.alerting import RoutingTable
from signalroom.bus.memory import MemoryBroadcaster
from signalroom.clock import ManualClock
from signalroom.models import Topic
from signalroom.monitor import AlertEngine
from signalroom.store.base import WriteBatch
from signalroom.store.sqlite import SqliteStore
from signalroom.store.sqlite_alerts import SqliteAlertStore
from signalroom.web.deps import AlertingDeps
from tests.e2e.test_screen_browser import (
    TIMEOUT_MS,
    WALL,
    _console_errors,
    keep_screenshot,
    seed_last_hour,
)
from tests.monitor.harness import COMMS, POLICY, SOCIAL
from tests.web.alert_system import ACK_KEY, ACK_TTL_S, PUBLIC_URL
from tests.web.builders import add_topic, enriched_post
from tests.web.live_server import LiveServer

WARROOM_POLICY = msgspec.structs.replace(
    POLICY,
    levels=(
        msgspec.structs.replace(POLICY.levels[0], takeover=("warroom",)),
        *POLICY.levels[1:],
    ),
)
"""The tests' policy: its first level takes over the war-room wall, not the lobby."""

pytestmark = pytest.mark.browser

CONSOLE = {"width": 1600, "height": 1000}
SIGNER = "Ana Ruiz"

# What people post when a product goes wrong (written for these tests).
COMPLAINTS = [
    (
        "Consumer Watch",
        "consumerwatch",
        310_000,
        "Voltra recalls 120,000 power banks over overheating batteries.",
    ),
    (
        "Priya Raman",
        "priyar",
        48_200,
        "My Voltra power bank was overheating on the desk. Is my batch in the recall?",
    ),
    (
        "Tom Becker",
        "tbecker",
        3_900,
        "Voltra recall hotline has been busy for an hour. Which batch numbers overheat?",
    ),
    (
        "Lucía Gómez",
        "luciag",
        1_250,
        "Returned my Voltra power bank for a refund today; the shop had a queue of recalls.",
    ),
    (
        "Sam Okoye",
        "samokoye",
        7_700,
        "Does the Voltra recall cover the 20,000 mAh power bank? Nothing about my batch.",
    ),
    (
        "Hanna Virtanen",
        "hannav",
        2_100,
        "Voltra recall: refund or replacement for an overheating power bank? Nobody knows.",
    ),
]


@dataclass
class Node:
    """A node with alerting: posts and alerts in one SQLite file, served on loopback."""

    clock: ManualClock
    store: SqliteStore
    alerts: SqliteAlertStore
    engine: AlertEngine
    server: LiveServer
    client: httpx.Client
    topics: list[Topic]
    recall: Topic

    def raise_recall_alert(self, posts: int) -> dict[str, object]:
        """``posts`` complaints on the risk topic three minutes ago, then a tick: the keyword
        detector opens an alert (critical from 25 posts in its window). The engine starts
        three minutes back, so the clock (and the wall's chart) need not jump ahead."""
        now = self.clock.now()
        self.engine.warm_up(now - 180)
        items = [
            enriched_post(
                COMPLAINTS[i % len(COMPLAINTS)][3],
                created_at=now - 200 + i * 0.1,
                topics=(self.recall.id,),
                sentiment="negative",
                name=COMPLAINTS[i % len(COMPLAINTS)][0],
                handle=COMPLAINTS[i % len(COMPLAINTS)][1],
                followers=COMPLAINTS[i % len(COMPLAINTS)][2],
            )
            for i in range(posts)
        ]
        result = self.store.write_batch(WriteBatch(posts=tuple(items)))
        self.engine.on_commit(result, now - 180)
        self.engine.tick()
        found = [a for a in self.active() if a["detector"] == "keyword"]
        assert len(found) == 1, found
        return found[0]

    def active(self) -> list[dict[str, object]]:
        """The open and acknowledged alerts (the risk topic's biggest author may have raised
        an influential-author alert next to the keyword one, as it would in production)."""
        items = self.client.get("/api/alerts", params={"state": "active"}).json()["items"]
        assert isinstance(items, list)
        return items

    def escalate(
        self,
        topic: Topic,
        note: str,
        severity: str,
        by: str = "Sam Lee",
        team: str | None = "comms",
    ) -> str:
        body = {"topic_id": topic.id, "team": team, "note": note, "by": by, "severity": severity}
        response = self.client.post("/api/alerts/escalate", json=body)
        assert response.status_code == 201, response.text
        alert_id = response.json()["id"]
        assert isinstance(alert_id, str)
        return alert_id

    def act(self, alert_id: str, action: str, by: str, note: str = "") -> None:
        response = self.client.post(
            f"/api/alerts/{alert_id}/{action}", json={"by": by, "note": note}
        )
        assert response.status_code == 200, response.text


@pytest.fixture
def clock() -> ManualClock:
    # 25 s into a real minute, as the wall tests: the screens' windows line up with it. A
    # float, as the system clock gives: alert guards compare stored JSON byte for byte.
    return ManualClock(start=float(math.floor(time.time() / 60) * 60 + 25))


@pytest.fixture
def node(tmp_path: Path, clock: ManualClock) -> Iterator[Node]:
    path = tmp_path / "alerts.db"
    store = SqliteStore.open(path, clock=clock)
    alerts = SqliteAlertStore.open(path)
    for team in (SOCIAL, COMMS):
        alerts.put_team(team)
    alerts.put_policy(WARROOM_POLICY)
    alerts.put_routing(RoutingTable(default_policy="crisis"))
    # An hour of posts on four topics, as on the other wall tests; the risk topic among them
    # would keyword-alert on its own, which these tests do not want.
    topics = seed_last_hour(store, clock.now() - 5)
    delays = next(t for t in topics if t.kind == "risk")
    recall = add_topic(store, "Voltra recall", "voltra AND (recall* OR refund*)", "risk", "#f472b6")
    engine = AlertEngine(store, alerts, clock)
    engine.set_detector_settings(delays.id, "keyword", enabled=False)
    deps = AlertingDeps(engine, alerts, ACK_KEY, PUBLIC_URL, ACK_TTL_S)
    server = LiveServer(store, MemoryBroadcaster(), clock, alerting=deps).start()
    try:
        with httpx.Client(base_url=server.base, timeout=10) as client:
            yield Node(clock, store, alerts, engine, server, client, [*topics, recall], recall)
    finally:
        server.stop()
        alerts.close()
        store.close()


def new_page(browser: Browser, tmp_path: Path, errors: list[str], viewport: dict[str, int]) -> Page:
    context = browser.new_context(
        viewport={"width": viewport["width"], "height": viewport["height"]}
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.extend(_console_errors(message.type, message.text)))
    return page


@pytest.fixture
def page(browser: Browser, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Page]:
    errors: list[str] = []
    page = new_page(browser, tmp_path, errors, dict(CONSOLE))
    try:
        yield page
        page.screenshot(path=str(tmp_path / f"{request.node.name}.png"))
    finally:
        page.context.close()
    assert not errors, f"the page logged errors: {errors}"


def open_alerts(page: Page, node: Node, fragment: str = "") -> None:
    page.goto(f"{node.server.base}/alerts{fragment}")
    # Live, and done loading what the connection's hello asked for: a change made after
    # this reaches the page only as a live event.
    page.wait_for_function(
        "() => window.signalroom?.connection === 'live' && window.signalroom.enabled === true"
        " && window.signalroom.syncs >= 1"
    )


def open_wall(page: Page, server: LiveServer, name: str = "lobby") -> None:
    page.set_viewport_size(WALL)
    page.goto(f"{server.base}/screen/{name}")
    page.wait_for_function(
        "() => window.signalroom?.connection === 'live' && window.signalroom.snapshots >= 1"
        " && window.signalroom.alerting !== null"
    )


def sign_in_browser(page: Page) -> None:
    """The name a person signs with, as the console remembers it after the first time."""
    page.add_init_script(f"localStorage.setItem('signalroom.corrector', {SIGNER!r})")


# -- the alerts page --------------------------------------------------------------------------


def test_alerts_page_shows_a_real_alert_and_acknowledges_it(
    page: Page, node: Node, tmp_path: Path
) -> None:
    alert = node.raise_recall_alert(posts=6)
    first, second = node.alerts.list_outbox(alert_id=str(alert["id"]), limit=10)[:2]
    node.alerts.mark_sent(first.id, node.clock.now())
    node.alerts.mark_failed(
        second.id, "HTTP 404 from the mail relay: mailbox unavailable", node.clock.now()
    )
    other = node.escalate(node.topics[1], "A reporter is asking about SkyJet refunds", "info")
    node.act(other, "ack", "Sam Lee", "drafting a reply")
    open_alerts(page, node)

    item = page.locator(f".alert-item[data-id='{alert['id']}']")
    expect(item).to_have_attribute("data-state", "open")
    expect(page.locator(".alert-item").first).to_have_attribute("data-id", str(alert["id"]))
    expect(page.locator(".alert-item", has_text="SkyJet")).to_contain_text(
        "Acknowledged by Sam Lee"
    )
    item.click()
    expect(page.locator("#detail-title")).to_have_text(str(alert["reason"]))
    expect(page.locator("#detail-summary")).to_contain_text("posts matched Voltra recall")
    expect(page.locator("#detail-posts .mini-text").first).to_contain_text("Voltra")
    expect(page.locator("#detail-terms")).to_contain_text("overheating")
    expect(page.locator("#detail-escalation")).to_contain_text("crisis")
    expect(page.locator(".delivery-failed")).to_contain_text("mailbox unavailable")
    expect(page.locator(".delivery-sent")).to_contain_text("env:SLACK_SOCIAL")
    expect(page.locator("#detail-audit")).to_contain_text("opened")
    page.fill("#act-note", "On it: drafting the FAQ update with legal")
    page.fill("#act-name", SIGNER)
    keep_screenshot(page, tmp_path, "alerts-console.png")

    page.click("#act-ack")

    expect(page.locator("#detail-tags .state-pill")).to_have_text("Acknowledged")
    expect(item).to_contain_text(f"Acknowledged by {SIGNER}")
    expect(page.locator("#detail-audit")).to_contain_text(f"{SIGNER} acknowledged")
    record = node.alerts.get_alert(str(alert["id"]))
    assert record.alert.state == "acknowledged"
    assert record.alert.acknowledged_by == SIGNER
    assert (
        node.alerts.audit(str(alert["id"]))[-1].note == "On it: drafting the FAQ update with legal"
    )
    expect(page.locator("#signer-name")).to_have_text(SIGNER)

    # Changes made elsewhere arrive live.
    node.escalate(node.recall, "Retailers are pulling the product", "critical")
    expect(page.locator(".alert-item[data-severity='critical']")).to_contain_text(
        "Retailers are pulling"
    )
    still_open = [a for a in node.active() if a["state"] == "open"]
    expect(page.locator("#open-count")).to_have_text(str(len(still_open)))


def test_alerts_page_says_when_an_alert_is_already_acknowledged(page: Page, node: Node) -> None:
    alert_id = node.escalate(node.recall, "Check the recall coverage", "warning")
    sign_in_browser(page)
    open_alerts(page, node, f"#alert-{alert_id}")
    expect(page.locator("#detail-title")).to_contain_text("Check the recall coverage")
    # Someone else acknowledges first; this page has not heard yet when the click goes out.
    node.engine.acknowledge(alert_id, "Sam Lee")

    page.click("#act-ack")

    expect(page.locator("#act-error")).to_contain_text("acknowledged")
    expect(page.locator("#detail-tags .state-pill")).to_have_text("Acknowledged")
    assert node.alerts.get_alert(alert_id).alert.acknowledged_by == "Sam Lee"


def test_teams_take_secret_references_never_raw_urls(page: Page, node: Node) -> None:
    sign_in_browser(page)
    open_alerts(page, node, "#teams")
    expect(page.locator("#team-list")).to_contain_text("env:SLACK_SOCIAL")

    page.click("#team-new")
    page.fill("#t-name", "legal")
    page.fill("#t-members", "Rita Alves, counsel on call")
    page.fill("#t-channels", "https://hooks.slack.com/services/T0/B0/secret-token")
    page.click("#team-save")
    expect(page.locator("#team-error")).to_contain_text("environment variable")
    assert sorted(t.name for t in node.alerts.list_teams()) == ["comms", "social"]

    page.fill("#t-channels", "env:SLACK_LEGAL")
    page.click("#team-save")
    expect(page.locator("#team-list")).to_contain_text("legal")
    team = node.alerts.get_team("legal")
    assert team.channels == ("env:SLACK_LEGAL",)
    assert team.members[0].contact == "counsel on call"

    page.select_option("#s-topic", str(node.recall.id))
    page.fill("#s-comment", "Recall announcement at 15:00, spikes expected")
    page.click("#silence-form button[type=submit]")
    expect(page.locator("#silence-list")).to_contain_text("Voltra recall")
    (silence,) = node.alerts.list_silences()
    assert silence.topic_id == node.recall.id
    assert silence.created_by == SIGNER


def test_a_weekly_mute_window_is_set_from_the_console(
    page: Page, node: Node, tmp_path: Path
) -> None:
    sign_in_browser(page)
    open_alerts(page, node, "#teams")

    page.select_option("#s-kind", "weekly")
    expect(page.locator("#s-duration-field")).to_be_hidden()
    # The first row comes filled in: weeknights, 22:00 to 07:00.
    expect(page.locator("#s-windows li")).to_have_count(1)
    page.click("#s-window-add")
    expect(page.locator("#s-windows li")).to_have_count(2)
    page.select_option("#s-timezone", "Europe/Budapest")
    page.select_option("#s-severity", "warning")
    page.fill("#s-comment", "Nobody is paged for warnings at night or at weekends")
    page.click("#silence-form button[type=submit]")

    item = page.locator("#silence-list li").first
    expect(item).to_contain_text("Every week: Mon–Fri 22:00–07:00 (next day) · Sat, Sun all day")
    expect(item).to_contain_text("(Europe/Budapest)")
    expect(item).to_contain_text("warnings and info")
    (silence,) = node.alerts.list_silences()
    assert silence.ends_at is None
    assert silence.max_severity == "warning"
    assert silence.timezone == "Europe/Budapest"
    assert [(w.days, w.start, w.end) for w in silence.windows] == [
        (("mon", "tue", "wed", "thu", "fri"), "22:00", "07:00"),
        (("sat", "sun"), "00:00", "00:00"),
    ]
    page.locator("#silences-title").scroll_into_view_if_needed()
    keep_screenshot(page, tmp_path, "alerts-mute-window.png")

    # A weekly row with no day picked is refused before it is sent.
    checked = page.locator("#s-windows li").first.locator("input[type=checkbox]:checked")
    while checked.count():
        checked.first.uncheck()
    page.fill("#s-comment", "again")
    page.click("#silence-form button[type=submit]")
    expect(page.locator("#silence-error")).to_contain_text("pick at least one day")
    assert len(node.alerts.list_silences()) == 1


def test_backtest_counts_the_alerts_settings_would_have_raised(page: Page, node: Node) -> None:
    node.raise_recall_alert(posts=6)
    sign_in_browser(page)
    open_alerts(page, node, "#detectors")
    page.select_option("#d-topic", str(node.recall.id))
    page.wait_for_function("() => document.querySelector('#d-detector').value === 'keyword'")

    page.click("#d-backtest")
    page.wait_for_function("() => window.signalroom.backtests === 1")
    expect(page.locator("#bt-verdict")).to_have_attribute("data-count", "1")
    assert int(page.locator("#bt-chart").get_attribute("data-points") or "0") > 1000
    expect(page.locator("#bt-chart")).to_have_attribute("data-alerts", "1")

    page.fill("#d-form input[data-name='min_count']", "10")
    page.click("#d-backtest")
    page.wait_for_function("() => window.signalroom.backtests === 2")
    expect(page.locator("#bt-verdict")).to_have_attribute("data-count", "0")

    page.click("#d-save")
    expect(page.locator(".setting.changed[data-name='min_count']")).to_be_visible()
    (override,) = node.alerts.list_overrides(node.recall.id)
    assert override.detector == "keyword"
    assert dict(override.values) == {"min_count": 10}

    # A click on a moment of the chart escalates that point of the topic to a team.
    box = page.locator("#bt-chart").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.98, box["y"] + box["height"] / 2)
    dialog = page.locator("#escalate-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#e-point")).to_contain_text("posts a minute at")
    page.select_option("#e-team", "social")
    page.fill("#e-note", "This minute: the recall story broke")
    page.click("#e-send")
    expect(dialog).to_be_hidden()
    manual = [r for r in node.alerts.list_alerts(limit=10) if r.alert.detector == "manual"]
    assert len(manual) == 1
    assert manual[0].alert.topic_id == node.recall.id
    assert manual[0].alert.subject.startswith("point ")


# -- the console --------------------------------------------------------------------------------


def test_console_escalates_a_post_to_a_team(page: Page, node: Node) -> None:
    page.goto(f"{node.server.base}/")
    page.wait_for_function(
        "() => window.signalroom?.openAlerts === 0 && document.querySelector('#stream-empty').hidden"
    )
    expect(page.locator("#alert-badge")).to_have_text("No open alerts")
    post = page.locator(".mini-post").first
    post_id = post.get_attribute("data-id")

    post.get_by_role("button", name="Escalate…").click()
    form = post.locator(".esc-form")
    form.get_by_label("Team or policy").select_option("social")
    form.get_by_label("Note").fill("Big account, angry: needs a reply from a person")
    form.get_by_label("Your name").fill(SIGNER)
    form.get_by_role("button", name="Escalate").click()

    expect(post.locator(".esc-done")).to_contain_text("Escalated to social")
    expect(page.locator("#alert-badge")).to_have_text("1 open alert")
    (record,) = node.alerts.list_alerts(limit=10)
    assert record.alert.detector == "manual"
    assert record.alert.subject == post_id
    assert record.alert.severity == "warning"
    assert record.escalation is not None
    assert record.escalation.policy == "team:social"
    assert node.alerts.audit(record.alert.id)[0].actor == SIGNER


# -- wall screens ---------------------------------------------------------------------------------


def test_wall_shows_open_alerts_as_a_banner_until_resolved(
    page: Page, node: Node, tmp_path: Path
) -> None:
    alert = node.raise_recall_alert(posts=7)
    other = node.escalate(node.topics[1], "Reporter asking about SkyJet refund delays", "info")
    node.act(other, "ack", "Sam Lee")
    open_wall(page, node.server)

    banner = page.locator("#alert-banner")
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("data-id", str(alert["id"]))
    expect(banner).to_have_attribute("data-severity", "warning")
    expect(page.locator("#ab-topic")).to_have_text("Voltra recall")
    expect(page.locator("#ab-reason")).to_have_text(str(alert["reason"]))
    expect(page.locator("#ab-pager")).to_have_text(f"1 / {len(node.active())}")
    expect(page.locator("#takeover")).to_be_hidden()  # the policy takes over the war room only
    sizes = page.evaluate(
        """() => ({
            topic: parseFloat(getComputedStyle(document.querySelector('#ab-topic')).fontSize),
            reason: parseFloat(getComputedStyle(document.querySelector('#ab-reason')).fontSize),
            scrollY: document.documentElement.scrollHeight - window.innerHeight,
        })"""
    )
    assert sizes["topic"] >= 40
    assert sizes["reason"] >= 34
    assert sizes["scrollY"] <= 0
    keep_screenshot(page, tmp_path, "wall-alert-banner.png")

    node.act(str(alert["id"]), "ack", SIGNER)
    # The banner takes turns with the alerts: wait for this one's.
    shown = page.locator(f"#alert-banner[data-id='{alert['id']}'] #ab-status")
    expect(shown).to_have_text(f"✓ Acknowledged by {SIGNER}", timeout=TIMEOUT_MS)
    for item in node.active():
        node.act(str(item["id"]), "resolve", SIGNER)
    expect(banner).to_be_hidden()
    assert page.evaluate("() => window.signalroom.alertsShown") == 0


def test_wall_takes_over_for_a_critical_alert_until_acknowledged(
    page: Page, node: Node, tmp_path: Path
) -> None:
    alert = node.raise_recall_alert(posts=30)
    assert alert["severity"] == "critical"
    open_wall(page, node.server, "warroom")

    takeover = page.locator("#takeover")
    expect(takeover).to_be_visible()
    expect(takeover).to_have_attribute("data-id", str(alert["id"]))
    expect(takeover).to_have_attribute("data-severity", "critical")
    expect(page.locator("#to-sev")).to_have_text("Critical alert")
    expect(page.locator("#to-topic")).to_have_text("Voltra recall")
    expect(page.locator("#to-reason")).to_have_text(str(alert["reason"]))
    expect(page.locator("#to-numbers")).to_contain_text("30")
    expect(page.locator("#to-numbers")).to_contain_text("Normal range")
    # The top post passed moderation (the API says so), so the wall may quote it.
    expect(page.locator("#to-post-text")).to_contain_text("Voltra")
    expect(takeover).to_contain_text("Acknowledge on the console")
    size = page.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector('#to-topic')).fontSize)"
    )
    assert size >= 100
    keep_screenshot(page, tmp_path, "wall-crisis-takeover.png")

    node.act(str(alert["id"]), "ack", SIGNER, "statement going out at 15:30")
    # The risk topic's influencer alert (@consumerwatch) follows the same policy: the war
    # room is given back once every alert that took it over is acknowledged.
    for other in node.active():
        if other["state"] == "open":
            node.act(str(other["id"]), "ack", SIGNER)

    expect(takeover).to_be_hidden()
    shown = page.locator(f"#alert-banner[data-id='{alert['id']}'] #ab-status")
    expect(shown).to_have_text(f"✓ Acknowledged by {SIGNER}", timeout=TIMEOUT_MS)
    assert page.evaluate("() => window.signalroom.takeover") is None


def test_wall_takeover_says_the_severity_and_the_most_severe_leads(page: Page, node: Node) -> None:
    warning = node.raise_recall_alert(posts=7)
    assert warning["severity"] == "warning"
    open_wall(page, node.server, "warroom")

    # The policy takes the war room over for a warning too: in amber, saying so.
    takeover = page.locator("#takeover")
    expect(takeover).to_have_attribute("data-id", str(warning["id"]))
    expect(takeover).to_have_attribute("data-severity", "warning")
    expect(page.locator("#to-sev")).to_have_text("Warning alert")
    border = page.evaluate(
        "() => getComputedStyle(document.querySelector('#takeover'), '::before').borderTopColor"
    )
    assert border.startswith("rgba(251, 191, 36"), border

    # The more severe alert leads, whichever is newer; a manual one says it was escalated.
    manual = node.escalate(node.topics[0], "CEO quoted in a recall story", "critical", team=None)
    expect(takeover).to_have_attribute("data-id", manual, timeout=TIMEOUT_MS)
    expect(takeover).to_have_attribute("data-severity", "critical")
    expect(page.locator("#to-sev")).to_have_text("Escalated")
    still_open = [a for a in node.active() if a["state"] == "open"]
    expect(page.locator("#to-more")).to_have_text(f"+{len(still_open) - 1} more")

    # Acknowledged, it gives the screen back to the most severe of the rest.
    node.act(manual, "ack", SIGNER)
    rank = {"critical": 0, "warning": 1, "info": 2}
    rest = [a for a in node.active() if a["state"] == "open"]
    lead = min(rank[str(a["severity"])] for a in rest)
    expect(takeover).not_to_have_attribute("data-id", manual, timeout=TIMEOUT_MS)
    shown = takeover.get_attribute("data-id")
    assert shown in {a["id"] for a in rest if rank[str(a["severity"])] == lead}


def test_wall_takeover_never_quotes_a_post_moderation_did_not_pass(page: Page, node: Node) -> None:
    alert = node.raise_recall_alert(posts=26)
    evidence = alert["evidence"]
    assert isinstance(evidence, dict)
    top = evidence["top_posts"][0]["id"]
    response = node.client.put(
        f"/api/posts/{top}/moderation", json={"verdict": "block", "by": "Moderator"}
    )
    assert response.status_code == 200, response.text
    open_wall(page, node.server, "warroom")

    expect(page.locator("#takeover")).to_be_visible()
    expect(page.locator("#to-reason")).to_have_text(str(alert["reason"]))
    # Give the page the time to ask about the post: the answer must keep it off the wall.
    page.wait_for_load_state("networkidle")
    expect(page.locator("#to-post")).to_be_hidden()
    assert page.locator("#to-post-text").text_content() == ""


def test_wall_takes_over_live_when_someone_escalates_a_crisis(page: Page, node: Node) -> None:
    open_wall(page, node.server, "warroom")
    expect(page.locator("#alert-banner")).to_be_hidden()

    # Escalated through the policy (not one team), whose first level takes over the war room.
    alert_id = node.escalate(
        node.recall, "Fire reported at a store, video going viral", "critical", team="crisis"
    )

    expect(page.locator("#takeover")).to_be_visible()
    expect(page.locator("#to-reason")).to_contain_text("Fire reported at a store")
    expect(page.locator("#to-numbers")).to_be_hidden()
    node.act(alert_id, "resolve", SIGNER, "false alarm, it was a drill")
    expect(page.locator("#takeover")).to_be_hidden()
    expect(page.locator("#alert-banner")).to_be_hidden()


# -- alerting switched off ------------------------------------------------------------------------


def test_pages_show_no_alerts_and_log_no_error_when_alerting_is_off(
    page: Page, tmp_path: Path, clock: ManualClock
) -> None:
    store = SqliteStore.open(tmp_path / "plain.db", clock=clock)
    seed_last_hour(store, clock.now())
    server = LiveServer(store, MemoryBroadcaster(), clock).start()
    try:
        open_wall(page, server)
        assert page.evaluate("() => window.signalroom.alerting") is False
        expect(page.locator("#alert-banner")).to_be_hidden()
        expect(page.locator("#takeover")).to_be_hidden()

        page.set_viewport_size({"width": CONSOLE["width"], "height": CONSOLE["height"]})
        page.goto(f"{server.base}/")
        page.wait_for_function("() => document.body.dataset.alerting === 'false'")
        expect(page.locator("#alert-badge")).to_be_hidden()
        expect(page.locator(".mini-post").first).to_be_visible()
        expect(page.get_by_role("button", name="Escalate…")).to_have_count(0)

        page.goto(f"{server.base}/alerts")
        page.wait_for_function("() => window.signalroom?.enabled === false")
        expect(page.locator("#alerting-off")).to_be_visible()
        expect(page.locator("#section-alerts")).to_be_hidden()
    finally:
        server.stop()
        store.close()
