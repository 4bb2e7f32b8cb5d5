"""Keyboard-only journeys (issue 18): logon, Edit Password Rule, Create AccessKey, enabling MFA, and
the phone's navigation menu, with Tab, Shift+Tab, Enter, Space and typing only.

Every control that takes the focus on the way must show the focus ring (a solid outline of at least
2 px), and the skip link must be the first stop of a page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from playwright.sync_api import Locator, Page, expect

from accounts.models import Account, Principal
from mfa import selectors as mfa_selectors
from security.models import PasswordPolicy
from tests.browser.helpers import TOTP_START, path_re, sidebar, totp, url
from tests.conftest import ROOT_PASSWORD

MAX_TABS = 40
FOCUS_RING = """() => {
  const style = getComputedStyle(document.activeElement);
  return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
}"""


@pytest.fixture
def frozen_at() -> datetime:
    """The MFA journey types TOTP codes: start a few seconds into a 30-second step."""
    return TOTP_START


def focused(locator: Locator) -> bool:
    return locator.evaluate("(e) => e === document.activeElement")


def tab_to(page: Page, target: Locator, *, limit: int = MAX_TABS) -> int:
    """Press Tab until `target` has the focus; every stop on the way shows the focus ring."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        described = page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
        assert page.evaluate(FOCUS_RING), f"no visible focus ring on {described}"
        if focused(target):
            return presses
    raise AssertionError(f"{target} not reached in {limit} Tabs")


def skip_to_main(page: Page) -> None:
    """The first Tab of a page reaches the skip link; Enter puts the focus at the start of <main>."""
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert focused(skip), page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def keyboard_log_on(page: Page, live_server: Any, logon_name: str, password: str) -> None:
    page.goto(url(live_server, "accounts:logon"))
    logon_name_field = page.get_by_label("Logon name")
    assert focused(logon_name_field)  # autofocus: the page is for typing a logon name
    page.keyboard.type(logon_name)
    page.keyboard.press("Tab")
    assert focused(page.get_by_label("Password"))
    page.keyboard.type(password)
    page.keyboard.press("Enter")


def test_logon_with_the_keyboard(live_server: Any, page: Page, root: Principal) -> None:
    keyboard_log_on(page, live_server, root.email, ROOT_PASSWORD)
    expect(page).to_have_url(path_re("accounts:overview"))
    # The profile menu opens from the keyboard and shows who is logged on.
    profile = page.get_by_role("button", name=root.email)
    tab_to(page, profile)
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Security Settings")).to_be_visible()


def test_edit_password_rule_with_the_keyboard(live_server: Any, page: Page, root: Principal, account: Account) -> None:
    keyboard_log_on(page, live_server, root.email, ROOT_PASSWORD)
    expect(page).to_have_url(path_re("accounts:overview"))
    tab_to(page, sidebar(page).get_by_role("link", name="Settings", exact=True))
    page.keyboard.press("Enter")
    expect(page).to_have_url(path_re("security:settings"))

    skip_to_main(page)
    presses = tab_to(page, page.get_by_role("link", name="Edit Password Rule"))
    assert presses <= 3, f"{presses} Tabs from the skip link to Edit Password Rule"
    page.keyboard.press("Enter")
    length = page.get_by_label("Password Length")
    tab_to(page, length)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("14")
    tab_to(page, page.get_by_label("Digits"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name="OK"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("alert")).to_contain_text("The password rule is saved.")
    saved = PasswordPolicy.objects.get(account=account)
    assert saved.minimum_length == 14
    assert "digits" in saved.required_elements


def test_create_accesskey_with_the_keyboard(
    live_server: Any, page: Page, root: Principal, account: Account, ram_user_factory: Callable[..., Principal]
) -> None:
    dave = ram_user_factory(account, "dave")
    keyboard_log_on(page, live_server, root.email, ROOT_PASSWORD)
    expect(page).to_have_url(path_re("accounts:overview"))
    tab_to(page, sidebar(page).get_by_role("link", name="Users", exact=True))
    page.keyboard.press("Enter")
    expect(page).to_have_url(path_re("accounts:user-list"))
    skip_to_main(page)
    tab_to(page, page.get_by_role("link", name=dave.upn))
    page.keyboard.press("Enter")
    expect(page).to_have_url(path_re("accounts:user-detail", dave.user_id))

    skip_to_main(page)
    tab_to(page, page.locator("#user-accesskeys").get_by_role("button", name="Create AccessKey"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Create AccessKey")).to_be_visible()
    key_id = page.locator("#accesskey-id").inner_text()
    assert [key.access_key_id for key in dave.access_keys.all()] == [key_id]
    tab_to(page, page.get_by_role("link", name="Close"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(path_re("accounts:user-detail", dave.user_id))


def test_enable_mfa_with_the_keyboard(
    live_server: Any,
    page: Page,
    root: Principal,
    account: Account,
    ram_user_factory: Callable[..., Principal],
    frozen: time_machine.Traveller,
) -> None:
    gus = ram_user_factory(account, "gus")
    keyboard_log_on(page, live_server, root.email, ROOT_PASSWORD)
    expect(page).to_have_url(path_re("accounts:overview"))
    page.goto(url(live_server, "accounts:user-detail", gus.user_id))  # the journey above reached it by keyboard
    skip_to_main(page)
    tab_to(page, page.get_by_role("button", name="Enable the Virtual MFA Device"), limit=60)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Enable the Virtual MFA Device")).to_be_visible()

    tab_to(page, page.get_by_text("Retrieve manually enter information"))
    page.keyboard.press("Enter")
    key = page.locator("#mfa-manual-key")
    expect(key).to_have_text(re.compile(r"^[A-Z2-7]{16,}$"))
    seed = key.inner_text()
    enable_at = TOTP_START + timedelta(seconds=30)
    frozen.move_to(enable_at)
    tab_to(page, page.get_by_label("First Security Code"))
    page.keyboard.type(totp(seed, enable_at, -1))
    tab_to(page, page.get_by_label("Second Security Code"))
    page.keyboard.type(totp(seed, enable_at))
    tab_to(page, page.get_by_role("button", name="Enable"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("alert")).to_contain_text("The virtual MFA device is enabled.")
    assert mfa_selectors.device_of(gus) is not None


def test_phone_navigation_menu_with_the_keyboard(live_server: Any, page: Page, root: Principal) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    keyboard_log_on(page, live_server, root.email, ROOT_PASSWORD)
    expect(page).to_have_url(path_re("accounts:overview"))
    nav = sidebar(page)
    expect(nav).to_be_hidden()  # behind the menu button below the lg breakpoint
    menu = page.get_by_role("button", name="Open navigation")
    tab_to(page, menu)
    page.keyboard.press("Enter")
    expect(nav).to_be_visible()
    events = nav.get_by_role("link", name="Events", exact=True)
    tab_to(page, events)
    page.keyboard.press("Enter")
    expect(page).to_have_url(path_re("security:event-list"))
    expect(nav).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_side_panel_and_dialog_fit_a_phone(live_server: Any, page: Page, root: Principal, account: Account) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    keyboard_log_on(page, live_server, root.email, ROOT_PASSWORD)
    expect(page).to_have_url(path_re("accounts:overview"))
    page.goto(url(live_server, "security:settings"))
    skip_to_main(page)
    tab_to(page, page.get_by_role("link", name="Edit Password Rule"))
    page.keyboard.press("Enter")
    panel = page.get_by_role("dialog", name="Edit Password Rule")
    expect(panel).to_be_visible()
    box = panel.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    tab_to(page, page.get_by_role("button", name="OK"))  # every field on the way is reachable
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
