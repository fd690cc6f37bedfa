"""The console and wall-screen pages and their static files: served with a strict content
security policy, the screen name escaped, and every asset local (nothing from the internet)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from signalroom.web.pages import STATIC_DIR, TEMPLATES_DIR, screen_title


def test_console_page_is_served_with_a_strict_policy(client: httpx.Client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert 'src="/static/js/console.js"' in response.text
    assert 'id="topic-form"' in response.text


def test_screen_page_shows_its_name_as_title(client: httpx.Client) -> None:
    response = client.get("/screen/exec-floor")

    assert response.status_code == 200
    assert "<title>Exec Floor · Signalroom</title>" in response.text
    assert 'data-screen="exec-floor"' in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_screen_name_is_escaped(client: httpx.Client) -> None:
    response = client.get("/screen/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E%22")

    assert response.status_code == 200
    assert "<img src=x" not in response.text
    assert "&lt;img src=x onerror=alert(1)&gt;&quot;" in response.text


@pytest.mark.parametrize(
    ("name", "title"),
    [("lobby", "Lobby"), ("exec-floor", "Exec Floor"), ("war_room 2", "War Room 2"), ("HQ", "HQ")],
)
def test_screen_title_reads_like_a_name(name: str, title: str) -> None:
    assert screen_title(name) == title


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/static/js/screen.js", "javascript"),
        ("/static/js/console.js", "javascript"),
        ("/static/js/live.js", "javascript"),
        ("/static/css/screen.css", "text/css"),
        ("/static/vendor/echarts/echarts.min.js", "javascript"),
        ("/static/img/mark.svg", "image/svg+xml"),
    ],
)
def test_static_assets_are_served_and_revalidated(
    client: httpx.Client, path: str, kind: str
) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert kind in response.headers["content-type"]
    assert response.headers["cache-control"] == "no-cache"


def test_vendored_echarts_ships_with_its_licence() -> None:
    vendor = STATIC_DIR / "vendor" / "echarts"

    assert "Apache License" in (vendor / "LICENSE").read_text(encoding="utf-8")
    assert "Apache ECharts" in (vendor / "NOTICE").read_text(encoding="utf-8")


def _own_files() -> list[Path]:
    files = [*TEMPLATES_DIR.glob("*.html"), *(STATIC_DIR / "js").glob("*.js")]
    return [*files, *(STATIC_DIR / "css").glob("*.css")]


@pytest.mark.parametrize("path", _own_files(), ids=lambda p: p.name)
def test_pages_load_nothing_from_the_internet(path: Path) -> None:
    text = path.read_text(encoding="utf-8")

    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)
    assert not re.search(r"""url\(\s*["']?(https?:)?//""", text)
    assert "@import" not in text
    assert "fonts.googleapis" not in text


@pytest.mark.parametrize("path", _own_files(), ids=lambda p: p.name)
def test_pages_never_write_html_from_data(path: Path) -> None:
    text = path.read_text(encoding="utf-8")

    assert "innerHTML" not in text
    assert "outerHTML" not in text
    assert "insertAdjacentHTML" not in text
    assert "document.write" not in text
