"""Browser fixtures: the app served on loopback and the system Chromium driven by Playwright.

No browser is downloaded: Playwright launches /usr/bin/chromium (Debian's
package). Without it the browser tests skip, unless APOA_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.factories import TEST_PASSWORD

CHROMIUM = os.environ.get("APOA_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
PHONE = {"width": 360, "height": 740}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The suite runs in two processes on two cores: a page may wait for the other
# process's work. Assertions keep their meaning; they wait longer before failing.
expect.set_options(timeout=15_000)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("APOA_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM}", pytrace=False)
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """Serve the test's app on a free loopback port in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def phone(browser) -> Callable[..., Any]:
    """Open a new phone-sized page (360x740, touch) in a fresh browser context."""
    contexts = []

    def open_page(**options: Any) -> Any:
        context = browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, locale="id-ID", **options
        )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def sign_in(live_server: str) -> Callable[..., None]:
    """Return a function that signs a page in through the login form of the live server."""

    def sign(page: Any, username: str, password: str = TEST_PASSWORD) -> None:
        page.goto(f"{live_server}/login")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("button[type=submit]")

    return sign
