"""The demo panel fills in the logon form and keeps frank's MFA code live; every time is shown in
the browser's time zone (`YYYY-MM-DD HH:mm:ss` and the zone), UTC on hover; a missing page is the
shell's, with DEBUG on or off."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Browser, Page, expect

from accounts import sandbox
from accounts.models import Principal
from tests.browser.helpers import TOTP_START, log_on, totp, url
from tests.conftest import ROOT_PASSWORD

PHONE = {"width": 390, "height": 844}
BROWSER_ZONE = "Asia/Shanghai"  # UTC+8 all year: no daylight saving to straddle


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "timezone_id": BROWSER_ZONE}


@pytest.fixture
def demo(settings: Any) -> list[sandbox.SandboxLogin]:
    settings.RAMCONSOLE_DEMO_MODE = True
    sandbox.demo_sandbox_ensure()
    return sandbox.demo_panel_logins()


def test_a_demo_login_fills_in_the_form(live_server: Any, page: Page, demo, screenshots_dir: Path) -> None:
    alice = next(login for login in demo if login.logon_name.startswith("alice@"))
    page.goto(url(live_server, "accounts:logon"))
    page.get_by_role("button", name=alice.logon_name).click()
    expect(page.get_by_label("Logon name")).to_have_value(alice.logon_name)
    expect(page.get_by_label("Password")).to_have_value(alice.password)
    expect(page.get_by_role("button", name="Log On")).to_be_focused()
    page.get_by_role("button", name="Log On").click()
    expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()


@pytest.fixture
def frozen_at() -> datetime:
    return TOTP_START  # 5 s into a TOTP step: 25 s left


def test_franks_code_is_live_and_logs_him_on(
    live_server: Any, page: Page, demo, frozen: time_machine.Traveller, screenshots_dir: Path
) -> None:
    frank = next(login for login in demo if login.mfa_key)
    page.set_viewport_size(PHONE)
    page.clock.install()  # the page's timers run when the test says so
    page.goto(url(live_server, "accounts:logon"))
    panel = page.locator(f'[data-demo-mfa="{frank.logon_name}"]')
    expect(panel.locator("[data-demo-mfa-key]")).to_have_text(frank.mfa_key)
    expect(panel.locator("[data-demo-mfa-code]")).to_have_text(totp(frank.mfa_key, TOTP_START))
    expect(panel.locator("[data-demo-mfa-expires]")).to_have_text("25")
    page.clock.run_for(10_000)
    expect(panel.locator("[data-demo-mfa-expires]")).to_have_text("15")  # it counts down
    # At 390 px nothing spills out of the demo card, nor the page sideways.
    card = page.locator(".demo-logins")
    assert card.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=screenshots_dir / "demo-panel-390.png", full_page=True)

    # The step ends: the panel asks the server for the next code.
    frozen.move_to(TOTP_START + timedelta(seconds=30))
    page.clock.run_for(16_000)
    expect(panel.locator("[data-demo-mfa-code]")).to_have_text(totp(frank.mfa_key, TOTP_START, 1))
    expect(panel.locator("[data-demo-mfa-expires]")).to_have_text(re.compile(r"^(2[0-9]|30)$"))

    code = panel.locator("[data-demo-mfa-code]").inner_text()
    page.get_by_role("button", name=frank.logon_name).click()
    page.get_by_role("button", name="Log On").click()
    expect(panel.locator("[data-demo-mfa-code]")).to_have_text(code)  # the MFA step shows it too
    page.get_by_label("Verification Code").fill(code)
    page.get_by_label("Verification Code").press("Enter")
    # MFA passed. At the frozen 2030 clock frank's seeded password has expired: the next step.
    expect(page.get_by_role("heading", name="Change Password")).to_be_visible()


LOCAL_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\+8$")


def test_times_are_local_with_the_zone_and_utc_on_hover(
    live_server: Any, page: Page, root: Principal, screenshots_dir: Path
) -> None:
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    page.goto(url(live_server, "security:event-list"))
    first = page.locator("#event-table time").first
    expect(first).to_have_text(LOCAL_TIME)
    utc = datetime.fromisoformat(first.get_attribute("datetime"))
    assert first.inner_text() == f"{utc.astimezone(ZoneInfo(BROWSER_ZONE)):%Y-%m-%d %H:%M:%S} GMT+8"
    assert first.get_attribute("title") == f"{utc:%Y-%m-%d %H:%M:%S} UTC"

    # The filter is read in the browser's zone, which is preselected: the logon's own minute finds it.
    expect(page.get_by_label("Time zone")).to_have_value(BROWSER_ZONE)
    local = utc.astimezone(ZoneInfo(BROWSER_ZONE))
    page.get_by_label("From", exact=True).fill(f"{local:%Y-%m-%dT%H:%M}")
    page.get_by_label("To", exact=True).fill(f"{local:%Y-%m-%dT%H:%M}")
    # Whatever the picker displays (en-US: mm/dd/yyyy), the value is echoed in the console's format.
    expect(page.locator("#id_since + .form-text")).to_have_text(f"{local:%Y-%m-%d %H:%M} {BROWSER_ZONE}")
    page.screenshot(path=screenshots_dir / "events-local-time.png", full_page=True)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#event-table time").first).to_have_text(first.inner_text())
    expect(page.get_by_label("Time zone")).to_have_value(BROWSER_ZONE)
    page.get_by_label("Time zone").select_option("UTC")  # the same wall-clock minute in UTC: 8 hours off
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No events match.")).to_be_visible()


def test_without_javascript_times_stay_utc(live_server: Any, browser: Browser, root: Principal) -> None:
    context = browser.new_context(java_script_enabled=False, timezone_id=BROWSER_ZONE)
    page = context.new_page()
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    page.goto(url(live_server, "security:event-list"))
    expect(page.locator("#event-table time").first).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$"))
    expect(page.get_by_label("Time zone")).to_have_value("UTC")
    context.close()


@pytest.mark.parametrize("debug", [True, False], ids=["debug-on", "debug-off"])
def test_a_missing_page_is_inside_the_shell(
    live_server: Any, page: Page, root: Principal, settings: Any, debug: bool, screenshots_dir: Path
) -> None:
    settings.DEBUG = debug  # make run serves with DEBUG on
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    answer = page.goto(f"{live_server.url}/no-such-page/")
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", name="The page or object does not exist.")).to_be_visible()
    expect(page.get_by_role("navigation", name="RAM console navigation")).to_be_attached()
    expect(page.get_by_text("URLconf")).to_have_count(0)
    page.screenshot(path=screenshots_dir / f"not-found-{'debug' if debug else 'production'}.png", full_page=True)
