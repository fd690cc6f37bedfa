"""Sources added from the console (the API it calls) on a real ``signalroom serve``: a table is
tried before it is saved, checked like the configuration file's (field named, secrets only
by reference, the file's names kept), starts reading at once, can be switched off and on,
survives a restart, and is removed. The feed it reads is a fake on loopback."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.node import Node, running_node
from tests.e2e.test_alerts_browser import CONSOLE, new_page
from tests.e2e.test_sources_restart import LoopThread, wait_until
from tests.sources.fakes.feeds import Entry, FakeFeedHost, Feed

pytestmark = pytest.mark.e2e


class Wire:
    """A fake news host serving one feed, on an event loop of its own."""

    def __init__(self, thread: LoopThread) -> None:
        self.thread = thread
        self.host = thread.call(_host())
        self.feed = Feed("Acme Wire", "https://news.example")
        self.host.feeds["acme.xml"] = self.feed
        self.count = 0

    def publish(self, n: int) -> list[str]:
        guids = []
        for _ in range(n):
            self.count += 1
            guid = f"https://news.example/acme/{self.count}"
            entry = Entry(guid, f"Acme story {self.count}", time.time(), link=guid)
            self.thread.loop.call_soon_threadsafe(self.feed.add, entry)
            guids.append(guid)
        return guids

    def table(self, **more: Any) -> dict[str, Any]:
        return {
            "name": "press",
            "kind": "rss",
            "feeds": [f"{self.host.server.base}/acme.xml"],
            "poll_interval_s": 0.25,
            "host_min_interval_s": 0,
            "jitter": 0,
            **more,
        }


async def _host() -> FakeFeedHost:
    return FakeFeedHost()


@pytest.fixture
def wire() -> Iterator[Wire]:
    with LoopThread().running() as thread:
        made = Wire(thread)
        thread.call(made.host.server.start())
        try:
            yield made
        finally:
            thread.call(made.host.server.stop())


def start(tmp_path: Path) -> Any:
    config = tmp_path / "signalroom.toml"
    # The file's own source: the console may not take its name or change it.
    config.write_text(
        '[[sources]]\nname = "inbox"\nkind = "webhook"\nsecret = "env:INBOX_SECRET"\n',
        encoding="utf-8",
    )
    args = ["serve", "--config", str(config), "--data-dir", str(tmp_path / "data")]
    return running_node(args, tmp_path)


def sources(node: Node) -> dict[str, dict[str, Any]]:
    items = httpx.get(f"{node.base}/api/sources", timeout=5).json()["items"]
    return {item["name"]: item for item in items}


def stored_urls(node: Node) -> list[str]:
    items = httpx.get(f"{node.base}/api/posts", params={"limit": 200}, timeout=5).json()["items"]
    return [item["url"] for item in items]


def test_a_source_added_from_the_console_runs_at_once_and_after_a_restart(
    wire: Wire, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INBOX_SECRET", "s" * 32)
    with start(tmp_path) as node, httpx.Client(base_url=node.base, timeout=40) as api:
        topic = {"name": "Acme", "query": "acme"}
        assert api.post("/api/topics", json=topic).status_code == 201
        first = wire.publish(3)

        # Tried before saving: the connector's own check, nothing stored.
        tried = api.post("/api/sources/check", json=wire.table()).json()
        assert tried["ok"] is True, tried
        missing = api.post(
            "/api/sources/check", json=wire.table(feeds=[f"{wire.host.server.base}/gone.xml"])
        )
        assert missing.status_code == 200
        assert missing.json()["ok"] is False
        assert "press" not in sources(node)
        # A webhook has nothing to connect to; trying it says whether its key can be read.
        partner = {"name": "partner", "kind": "webhook", "secret": "env:SIGNALROOM_UNSET_KEY"}
        unset = api.post("/api/sources/check", json=partner).json()
        assert unset["ok"] is False
        assert "SIGNALROOM_UNSET_KEY is not set" in unset["detail"]

        # Checked like the file: the field is named; a secret must be a reference.
        bad = [
            ({**wire.table(), "kind": "myspace"}, 400, "kind"),
            ({**wire.table(), "poll_interval_s": "often"}, 400, "poll_interval_s"),
            (
                {
                    "name": "fedi",
                    "kind": "mastodon",
                    "instances": [
                        {
                            "url": "https://social.example",
                            "token": "abc123",
                            "streams": [{"tag": "acme"}],
                        }
                    ],
                },
                400,
                "instances[0].token",
            ),
            ({**wire.table(), "name": "inbox"}, 409, None),
        ]
        for table, status, field in bad:
            response = api.post("/api/sources", json=table)
            assert response.status_code == status, (table, response.text)
            if field is not None:
                assert response.json()["error"]["field"] == field, response.text

        added = api.post("/api/sources", json=wire.table())
        assert added.status_code == 201, added.text
        assert added.json()["origin"] == "console"
        assert api.post("/api/sources", json=wire.table()).status_code == 409
        wait_until(node, lambda: set(first) <= set(stored_urls(node)), lambda: "first stories")
        listed = sources(node)
        assert listed["inbox"]["origin"] == "config"
        assert listed["press"]["status"] == "connected"
        assert listed["press"]["table"]["feeds"] == wire.table()["feeds"]

        # The file's source is the file's.
        assert (
            api.put("/api/sources/inbox", json={"name": "inbox", "kind": "webhook"}).status_code
            == 409
        )
        assert api.delete("/api/sources/inbox").status_code == 409

        switched = api.put("/api/sources/press", json=wire.table(enabled=False))
        assert switched.status_code == 200, switched.text
        assert switched.json()["status"] == "off"
        held = wire.publish(2)

    # After a restart the console's source is still there, still off.
    with start(tmp_path) as node, httpx.Client(base_url=node.base, timeout=40) as api:
        assert sources(node)["press"]["status"] == "off"
        time.sleep(1.0)
        assert not set(held) & set(stored_urls(node))
        assert api.put("/api/sources/press", json=wire.table()).status_code == 200
        wait_until(node, lambda: set(held) <= set(stored_urls(node)), lambda: "held stories")
        urls = stored_urls(node)
        assert len(urls) == len(set(urls)) == 5  # each story once, across the restart

        assert api.delete("/api/sources/press").status_code == 204
        assert "press" not in sources(node)
        assert api.delete("/api/sources/press").status_code == 404
        late = wire.publish(1)
        time.sleep(1.0)
        assert not set(late) & set(stored_urls(node))


def test_a_person_adds_tries_switches_off_and_removes_a_source_in_the_console(
    wire: Wire, browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INBOX_SECRET", "s" * 32)
    errors: list[str] = []
    with start(tmp_path) as node, httpx.Client(base_url=node.base, timeout=40) as api:
        assert api.post("/api/topics", json={"name": "Acme", "query": "acme"}).status_code == 201
        first = wire.publish(2)
        page = new_page(browser, tmp_path, errors, dict(CONSOLE))
        try:
            page.goto(f"{node.base}/")
            expect(page.locator(".source[data-name='inbox']")).to_contain_text("takes posts")
            page.click("#add-source")
            expect(page.locator("#source-dialog")).to_be_visible()
            page.select_option("#s-kind", "rss")
            page.fill("#s-name", "press")
            # What the kind takes is beside the JSON; a click adds a setting with its default.
            page.click("#kind-doc summary")
            poll = page.locator(
                "#kind-settings tr", has=page.locator("button", has_text="max_age_s")
            )
            expect(poll.locator("td").nth(2)).to_have_text("172800")
            expect(poll).to_contain_text("not press hits any more")
            poll.locator("button").click()
            assert json.loads(page.input_value("#s-settings"))["max_age_s"] == 172800
            settings = {k: v for k, v in wire.table().items() if k not in ("name", "kind")}

            # A wrong setting is named, in place; nothing is saved.
            page.fill("#s-settings", json.dumps({**settings, "poll_interval_s": "often"}))
            page.click("#s-save")
            expect(page.locator("#source-error")).to_have_text(
                "poll_interval_s: expected float, got str"
            )
            expect(page.locator("#s-settings")).to_have_class(re.compile("invalid"))

            page.fill("#s-settings", json.dumps(settings))
            page.click("#s-try")
            expect(page.locator("#source-verdict")).to_have_attribute("data-state", "ok")
            expect(page.locator("#source-verdict")).to_contain_text("Works")
            page.click("#s-save")
            expect(page.locator("#source-dialog")).to_be_hidden()
            press = page.locator(".source[data-name='press']")
            expect(press).to_contain_text("press · live", timeout=20_000)
            wait_until(node, lambda: set(first) <= set(stored_urls(node)), lambda: "stories")

            # The file's source is not editable here; the console's opens its editor.
            expect(page.locator(".source[data-name='inbox'] button")).to_have_count(0)
            press.locator("button").click()
            expect(page.locator("#source-dialog-title")).to_have_text("Source “press”")
            expect(page.locator("#s-name")).to_be_disabled()
            page.uncheck("#s-enabled")
            page.click("#s-save")
            expect(press).to_contain_text("switched off")
            assert api.get("/api/sources").json()["items"][1]["table"]["enabled"] is False

            press.locator("button").click()
            page.click("#s-remove")
            expect(page.locator("#s-remove")).to_have_text("Click again to remove")
            page.click("#s-remove")
            expect(press).to_have_count(0)
            assert [i["name"] for i in api.get("/api/sources").json()["items"]] == ["inbox"]
        finally:
            page.context.close()
    assert not errors, f"the page logged errors: {errors}"
