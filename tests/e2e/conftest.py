"""What the browser tests share: Chromium, started per test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.e2e.test_screen_browser import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture
def browser() -> Iterator[Browser]:
    # Per test, not per module: Playwright's loop starts executor threads as it goes, and
    # the leak guard must see them gone when each test ends.
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium to run browser tests)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
