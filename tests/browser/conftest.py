"""Browser tests: pytest-playwright on Debian's /usr/bin/chromium (never `playwright install`).

Every test under tests/browser gets the `browser` marker, skips (or fails in CI) when Chromium is
missing, and fails if the page sends any request to a host other than the live server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from playwright.sync_api import Page, Request

from tests.browser.helpers import START
from tests.conftest import skip_or_fail

# Playwright's sync API keeps an asyncio loop running in the main thread; without this Django's
# async guard raises SynchronousOnlyOperation for ORM calls made by tests and by DB teardown.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # the test machine runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROWSER_DIR = Path(__file__).resolve().parent
LOCAL_SCHEMES = {"data", "blob", "about"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests of this directory `browser` (before `-m` deselects anything)."""
    for item in items:
        if item.path.is_relative_to(BROWSER_DIR):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def _require_chromium() -> None:
    """Session-scoped, so it runs before pytest-playwright's session `browser` launches anything."""
    if not Path(CHROMIUM_PATH).is_file():
        skip_or_fail("Debian's chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="session")
def browser_type_launch_args(_require_chromium: None, browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch args, pointed at the system Chromium."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM_PATH,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(autouse=True)
def _no_foreign_requests(page: Page, live_server: Any) -> Iterator[None]:
    """Nothing the console loads may come from anywhere but the live server (no CDN, no beacon)."""
    own = urlsplit(live_server.url).netloc
    foreign: list[str] = []

    def check(request: Request) -> None:
        url = urlsplit(request.url)
        if url.scheme not in LOCAL_SCHEMES and url.netloc != own:
            foreign.append(request.url)

    page.on("request", check)
    yield
    page.remove_listener("request", check)
    assert foreign == [], f"requests left the live server ({own}): {foreign}"


@pytest.fixture
def screenshots_dir(pytestconfig: pytest.Config) -> Path:
    """screenshots/ (gitignored), outside test-results/, which pytest-playwright empties at every run."""
    path = pytestconfig.rootpath / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def frozen_at() -> datetime:
    """Where `frozen` stops the clock: START; a module whose journeys type TOTP codes overrides it."""
    return START


@pytest.fixture
def frozen(frozen_at: datetime) -> Iterator[time_machine.Traveller]:
    """The clock stopped at `frozen_at` for the whole test; `move_to` jumps it.

    `time_machine.travel(..., tick=False)` also reaches the live_server thread (STYLE.md §10).
    """
    with time_machine.travel(frozen_at, tick=False) as traveller:
        yield traveller
