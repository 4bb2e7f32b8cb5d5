"""Helpers shared by the browser journeys: URLs, logging on and off, and common page checks."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from accounts.models import Principal

# Frozen-clock starts (the `frozen` fixture): in the future so cookies stay valid. TOTP journeys
# start a few seconds into a 30-second step, so a code typed at once is still current.
START = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
TOTP_START = START + timedelta(seconds=5)

LOGON_REFUSED = "The logon name or password is incorrect."
NAV_LABEL = "RAM console navigation"
ACCESS_KEYS_NOT_ALLOWED = "You are not allowed to manage AccessKeys"


def url(live_server: Any, name: str, *args: object) -> str:
    return f"{live_server.url}{reverse(name, args=args)}"


def path_re(name: str, *args: object) -> re.Pattern[str]:
    """Matches a page URL whose path is exactly `reverse(name)` (any query string)."""
    return re.compile(rf"^[^?#]*//[^/]+{re.escape(reverse(name, args=args))}(\?.*)?$")


def totp(seed: str, moment: datetime, steps: int = 0) -> str:
    """The code the app shows at `moment`, `steps` time steps later."""
    return pyotp.TOTP(seed).at(moment + timedelta(seconds=30 * steps))


def sidebar(page: Page) -> Locator:
    return page.get_by_role("navigation", name=NAV_LABEL)


def log_on(page: Page, live_server: Any, logon_name: str, password: str) -> None:
    page.goto(url(live_server, "accounts:logon"))
    page.get_by_label("Logon name").fill(logon_name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log On").click()


def log_out(page: Page, identity: str) -> None:
    page.get_by_role("button", name=identity).click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(path_re("accounts:logon"))


def expect_refused(page: Page) -> None:
    expect(page.get_by_text(LOGON_REFUSED)).to_be_visible()
    expect(page).to_have_url(path_re("accounts:logon"))


def expect_self_service(page: Page, user: Principal | str, *, heading: bool = True) -> None:
    """The self-service Security page of `user` (a Principal or a UPN); `heading` also checks its title."""
    upn = user if isinstance(user, str) else user.upn
    expect(page).to_have_url(path_re("security:self-service"))
    if heading:
        expect(page.get_by_role("heading", name="Security", exact=True)).to_be_visible()
    expect(page.locator("#self-upn")).to_have_text(upn)


def open_root_security_settings(page: Page, identity: str) -> None:
    """The root's profile menu > Security Settings."""
    page.get_by_role("button", name=identity).click()
    page.get_by_role("link", name="Security Settings").click()
    expect(page).to_have_url(path_re("security:root-security-settings"))
