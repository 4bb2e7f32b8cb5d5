"""Accessibility (issue 18): axe-core on every URL pattern of the console, for every role, on a desktop
and on a phone, and in 简体中文.

The URLs are the isolation walker's (`tests/integration/test_isolation.py`): walked out of
`get_resolver()` and filled from its `world`, so a new page is checked the moment it is routed.
Each role opens every pattern; what it lands on (the page, the logon page it is sent to, a 403 or
405 page inside the shell) is checked once per distinct page. A page fails on any serious or
critical axe violation, at 1440x900 or at 390x844 (the same page, resized), and at 390 px on
a document wider than the viewport (the page itself scrolling sideways).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import BrowserContext, Page

from accounts.models import Principal
from tests.integration import test_isolation as isolation
from tests.integration.test_isolation import ROUTES, World, allow_list_reason, url_of

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
BLOCKING = {"serious", "critical"}
# Every console URL pattern (the Django admin and the language switch's POST are the walker's allow-list).
PATTERNS = [r for r in ROUTES if allow_list_reason(r) is None]
AXE_SCRIPT = Axe().axe_script
# The outermost elements that reach past the right edge of the viewport, to name in a failure.
OVERFLOWING = """() => {
  const past = [...document.body.querySelectorAll("*")].filter(
    (el) => el.getBoundingClientRect().right > window.innerWidth + 1 && getComputedStyle(el).visibility !== "hidden");
  return past.filter((el) => !past.includes(el.parentElement)).slice(0, 4).map((el) =>
    el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className ? "." + String(el.className).split(" ").join(".") : ""));
}"""
world = isolation.world  # the walker's fixture: the accounts, personas and objects its URLs name
ROLES = ["anonymous", "root", "admin", "readonly", "self_service"]


def log_in(context: BrowserContext, live_server: Any, client: Client | None) -> None:
    """The browser takes the test client's session cookie: the same session as after a logon."""
    context.clear_cookies()
    if client is not None:
        name = django_settings.SESSION_COOKIE_NAME
        context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": live_server.url}])


def violations(page: Page) -> list[str]:
    """Serious and critical axe violations of the page as it is laid out now, one line per rule."""
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:4]]}"
        for v in results["violations"]
        if v["impact"] in BLOCKING
    ]


def check_page(page: Page, lang: str) -> list[str]:
    """What is wrong with the loaded page at desktop width, then at phone width."""
    problems = []
    html_lang = page.evaluate("document.documentElement.lang")
    if html_lang != lang:
        problems.append(f'<html lang="{html_lang}">, expected "{lang}"')
    page.evaluate(AXE_SCRIPT)
    page.set_viewport_size(DESKTOP)
    problems += [f"1440px: {v}" for v in violations(page)]
    page.set_viewport_size(PHONE)
    problems += [f"390px: {v}" for v in violations(page)]
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        past = page.evaluate(OVERFLOWING)
        problems.append(f"390px: the document is {width}px wide (scrolls sideways); past the edge: {past}")
    return problems


def walk(page: Page, live_server: Any, world: World, lang: str) -> tuple[list[str], int]:
    """Every URL pattern as the logged-in role; returns the problems and how many pages were checked."""
    seen: set[tuple[str, int]] = set()
    problems: list[str] = []
    for route in PATTERNS:
        url = live_server.url + url_of(route, world)
        probe = page.request.get(url)
        if not probe.headers.get("content-type", "").startswith("text/html") or not probe.body():
            continue  # a download (CSV, JSON), the health probe, or a bare 405 to a GET: no page
        # Error pages share one template; any other page is one per path it ends on (after redirects).
        status = probe.status
        key = ("", status) if status >= 400 else (urlsplit(probe.url).path, status)
        if key in seen:
            continue
        seen.add(key)
        page.goto(url)
        problems += [f"{route.name} → {page.url} ({status}): {p}" for p in check_page(page, lang)]
    return problems, len(seen)


def client_of(role: str, world: World, root: Principal, admin_user: Principal, client_for: Any) -> Client | None:
    if role == "anonymous":
        return None
    if role == "root":
        return client_for(root)
    if role == "admin":
        return client_for(admin_user)
    return world.clients[role]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_axe_on_desktop_and_phone(
    role: str,
    page: Page,
    live_server: Any,
    world: World,
    root: Principal,
    admin_user: Principal,
    client_for: Any,
) -> None:
    log_in(page.context, live_server, client_of(role, world, root, admin_user, client_for))
    problems, checked = walk(page, live_server, world, "en")
    print(f"axe as {role}: {checked} distinct pages of {len(PATTERNS)} URL patterns, at 1440 and 390 px")
    assert checked >= 1
    assert not problems, f"{len(problems)} problem(s) as {role}:\n" + "\n".join(problems)


def test_every_page_passes_axe_in_simplified_chinese(
    page: Page,
    live_server: Any,
    world: World,
    root: Principal,
    client_for: Any,
) -> None:
    log_in(page.context, live_server, client_for(root))
    page.context.add_cookies(
        [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "url": live_server.url}]
    )
    page.context.set_extra_http_headers({"Accept-Language": "zh-hans"})
    problems, checked = walk(page, live_server, world, "zh-hans")
    print(f"axe in zh-hans as root: {checked} distinct pages of {len(PATTERNS)} URL patterns")
    assert checked >= 10
    assert not problems, f"{len(problems)} problem(s) in 简体中文:\n" + "\n".join(problems)


SCREENSHOT_PAGES = {
    "logon": "accounts:logon",
    "overview": "accounts:overview",
    "users": "accounts:user-list",
    "user-detail": "accounts:user-detail",
    "events": "security:event-list",
    "user-sso": "security:user-sso",
}


def test_screenshots_at_phone_and_desktop_width(
    page: Page,
    live_server: Any,
    world: World,
    root: Principal,
    client_for: Any,
    screenshots_dir: Path,
) -> None:
    """screenshots/a11y-<page>-<width>.png of the pages people open most, and none scrolls sideways."""
    client = client_for(root)
    for name, route_name in SCREENSHOT_PAGES.items():
        log_in(page.context, live_server, None if route_name == "accounts:logon" else client)
        route = next(r for r in PATTERNS if r.name == route_name)
        page.goto(live_server.url + url_of(route, world))
        for width, height in ((390, 844), (1440, 900)):
            page.set_viewport_size({"width": width, "height": height})
            assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} at {width}px"
            page.screenshot(path=screenshots_dir / f"a11y-{name}-{width}.png", full_page=True)
