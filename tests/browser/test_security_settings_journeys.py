"""Security settings journeys in a real browser: logon address masks, the IP tester, session lifetime,
the self-service toggles and the root's Login Mask (PRODUCT.md §5.1, §5.2, §5.4, §9).

The browser reaches the live server from 127.0.0.1, so a mask of 10.0.0.0/8 shuts it out. The
session-lifetime journey freezes the clock at START with the `frozen` fixture (conftest.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import time_machine
from playwright.sync_api import Browser, Locator, Page, expect

from accounts.actors import Actor
from accounts.models import Account, Principal
from security import services as security_services
from security.models import SecurityPreference
from tests.browser.helpers import (
    ACCESS_KEYS_NOT_ALLOWED,
    START,
    expect_refused,
    expect_self_service,
    log_on,
    log_out,
    open_root_security_settings,
    path_re,
    sidebar,
    url,
)
from tests.conftest import ROOT_PASSWORD, USER_PASSWORD

NOT_AUTHORIZED = "You are not authorized to do this action."
BROWSER_IP = "127.0.0.1"
LOCKOUT_WARNING = f"Your current address {BROWSER_IP} is outside these masks"
LOCKOUT_CONFIRMATION = "I understand that logons from my current address will be refused"


def setting_value(page: Page, term: str) -> Locator:
    """The value shown next to `term` on the Settings page (RAM User Security Settings)."""
    return page.locator("#user-security-settings").locator(f'dt:text-is("{term}") + dd')


def open_user_security_settings(page: Page) -> None:
    """Settings > Update RAM User Security Settings, from the left navigation."""
    sidebar(page).get_by_role("link", name="Settings", exact=True).click()
    page.get_by_role("link", name="Update RAM User Security Settings").click()
    expect(page.get_by_role("dialog", name="Update RAM User Security Settings")).to_be_visible()


def choose(page: Page, setting: str, value: str) -> None:
    """Ticks the `value` radio ("Allowed" / "Not Allowed") of one Allowed/Not Allowed setting."""
    page.get_by_role("group", name=setting).get_by_label(value, exact=True).check()


def event_rows(page: Page, action: str, result: str) -> Locator:
    """The Events rows of `action` whose Result cell is `result` (the page opened from the sidebar)."""
    sidebar(page).get_by_role("link", name="Events", exact=True).click()
    expect(page.get_by_role("heading", name="Events")).to_be_visible()
    rows = page.locator("#event-table tbody").get_by_role("row")
    return rows.filter(has=page.get_by_role("cell", name=action, exact=True)).filter(
        has=page.get_by_role("cell", name=result, exact=True)
    )


def saved_masks(account: Account) -> str:
    row = SecurityPreference.objects.filter(account=account).first()
    return row.login_network_masks if row else ""


def test_logon_address_mask_needs_a_lockout_confirmation_and_refuses_other_addresses(
    live_server: Any,
    page: Page,
    root: Principal,
    account: Account,
    ram_user_factory: Callable[..., Principal],
) -> None:
    user = ram_user_factory(account, "hana")
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    open_user_security_settings(page)

    page.get_by_label("Logon Address Mask").fill("10.0.0.0/8")
    page.get_by_role("button", name="OK").click()
    expect(page.get_by_text(LOCKOUT_WARNING)).to_be_visible()
    expect(page.get_by_role("dialog", name="Update RAM User Security Settings")).to_be_visible()
    expect(page.get_by_label("Logon Address Mask")).to_have_value("10.0.0.0/8")
    assert saved_masks(account) == ""

    page.get_by_label(LOCKOUT_CONFIRMATION).check()
    page.get_by_role("button", name="OK").click()
    expect(page).to_have_url(path_re("security:settings"))
    expect(page.get_by_role("alert")).to_contain_text("The RAM user security settings are saved.")
    expect(setting_value(page, "Logon Address Mask")).to_have_text("10.0.0.0/8")
    assert saved_masks(account) == "10.0.0.0/8"

    log_out(page, root.email)
    log_on(page, live_server, user.upn, USER_PASSWORD)
    expect_refused(page)

    log_on(page, live_server, root.email, ROOT_PASSWORD)  # the RAM users' mask does not bind the root
    refused = event_rows(page, "ConsoleLogon", "LoginMaskRefused")
    expect(refused).to_have_count(1)
    expect(refused.get_by_role("cell", name=BROWSER_IP, exact=True)).to_be_visible()
    expect(refused).to_contain_text(user.upn)


def test_bad_masks_are_all_named(live_server: Any, page: Page, root: Principal, account: Account) -> None:
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    open_user_security_settings(page)

    masks = page.get_by_label("Logon Address Mask")
    masks.fill("10.0.0.0/8;nope;10.1.1.1/16")
    page.get_by_role("button", name="OK").click()
    expect(page.get_by_text('"nope" is not an IPv4 or IPv6 address or CIDR block.')).to_be_visible()
    expect(page.get_by_text('"10.1.1.1/16" has host bits set; did you mean 10.1.0.0/16?')).to_be_visible()
    expect(masks).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(masks).to_have_value("10.0.0.0/8;nope;10.1.1.1/16")
    assert saved_masks(account) == ""


def test_ip_tester_shows_the_matching_mask(live_server: Any, page: Page, root: Principal, account: Account) -> None:
    security_services.security_preference_update(
        actor=Actor(principal=root), login_network_masks="127.0.0.0/8;10.0.0.0/8"
    )
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    open_user_security_settings(page)

    tester = page.locator("#address-tester")
    expect(tester.get_by_role("heading", name="IP tester")).to_be_visible()
    result = page.locator("#address-test-result")
    expect(result).to_have_text(
        re.compile(rf"^\s*{re.escape(BROWSER_IP)} is allowed\s*—\s*matched by 127\.0\.0\.0/8\s*$")
    )
    expect(tester.get_by_label("Test an address")).to_have_value(BROWSER_IP)

    tester.get_by_label("Test an address").fill("192.0.2.1")
    tester.get_by_role("button", name="Test").click()
    expect(result).to_have_text(re.compile(r"192\.0\.2\.1 is denied: no mask matches"))
    expect(tester.get_by_label("Test an address")).to_have_value("192.0.2.1")
    expect(page.get_by_label("Logon Address Mask")).to_have_value("127.0.0.0/8;10.0.0.0/8")


def test_shortened_session_lifetime_ends_the_ram_users_session(
    live_server: Any,
    page: Page,
    browser: Browser,
    root: Principal,
    account: Account,
    ram_user_factory: Callable[..., Principal],
    frozen: time_machine.Traveller,
) -> None:
    user = ram_user_factory(account, "ivan")
    log_on(page, live_server, user.upn, USER_PASSWORD)
    expect_self_service(page, user)

    admin_context = browser.new_context()
    try:
        admin = admin_context.new_page()
        log_on(admin, live_server, root.email, ROOT_PASSWORD)
        expect(admin).to_have_url(path_re("accounts:overview"))
        open_user_security_settings(admin)
        expect(admin.get_by_label("Logon Session Valid For")).to_have_value("6")
        admin.get_by_label("Logon Session Valid For").fill("1")
        admin.get_by_role("button", name="OK").click()
        expect(admin).to_have_url(path_re("security:settings"))
        expect(setting_value(admin, "Logon Session Valid For")).to_have_text("1 hour")

        frozen.move_to(START + timedelta(minutes=59))
        page.reload()
        expect_self_service(page, user)

        frozen.move_to(START + timedelta(minutes=61))
        page.reload()
        expect(page).to_have_url(path_re("accounts:logon"))
        expect(page.get_by_role("alert")).to_have_text("Your session has expired. Log on again.")
        expect(page.get_by_role("button", name="Log On")).to_be_visible()
        page.goto(url(live_server, "security:self-service"))
        expect(page).to_have_url(path_re("accounts:logon"))

        expired = event_rows(admin, "ConsoleLogout", "SessionExpired")
        expect(expired).to_have_count(1)
        expect(expired).to_contain_text(user.upn)
        expect(expired.get_by_role("cell", name=BROWSER_IP, exact=True)).to_be_visible()
    finally:
        admin_context.close()


def test_manage_toggles_change_the_self_service_page(
    live_server: Any, page: Page, browser: Browser, root: Principal, plain_user: Principal
) -> None:
    log_on(page, live_server, plain_user.upn, USER_PASSWORD)
    expect_self_service(page, plain_user)
    password_card = page.locator("#self-password")
    main = page.get_by_role("main")
    create_access_key = main.get_by_role("button", name="Create AccessKey")
    expect(password_card.get_by_role("link", name="Change Password")).to_be_visible()
    expect(main.get_by_text(ACCESS_KEYS_NOT_ALLOWED)).to_be_visible()
    expect(create_access_key).to_have_count(0)

    admin_context = browser.new_context()
    try:
        admin = admin_context.new_page()
        log_on(admin, live_server, root.email, ROOT_PASSWORD)
        open_user_security_settings(admin)
        choose(admin, "Manage AccessKey", "Allowed")
        choose(admin, "Manage Passwords", "Not Allowed")
        admin.get_by_role("button", name="OK").click()
        expect(admin).to_have_url(path_re("security:settings"))
        expect(setting_value(admin, "Manage AccessKey")).to_have_text("Allowed")
        expect(setting_value(admin, "Manage Passwords")).to_have_text("Not Allowed")
    finally:
        admin_context.close()

    page.reload()
    expect_self_service(page, plain_user)
    expect(password_card.get_by_role("link", name="Change Password")).to_have_count(0)
    expect(password_card).to_contain_text("Manage Passwords is not allowed")
    expect(main.get_by_text(ACCESS_KEYS_NOT_ALLOWED)).to_have_count(0)
    expect(create_access_key).to_be_visible()

    response = page.goto(url(live_server, "security:self-password"))
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", name=NOT_AUTHORIZED)).to_be_visible()


def test_root_login_mask_refuses_the_root_elsewhere(
    live_server: Any, page: Page, root: Principal, account: Account
) -> None:
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    open_root_security_settings(page, root.email)
    login_mask = page.locator("#login-mask")
    expect(login_mask).to_contain_text("Not set: logon is allowed from any address.")
    login_mask.get_by_role("link", name="Set").click()

    panel = page.get_by_role("dialog", name="Login Mask")  # the side panel
    panel.get_by_label("Login Mask").fill("10.0.0.0/8")
    panel.get_by_role("button", name="Save").click()
    expect(page.get_by_text(LOCKOUT_WARNING)).to_be_visible()
    account.refresh_from_db()
    assert account.login_mask == ""

    panel.get_by_label(LOCKOUT_CONFIRMATION).check()
    panel.get_by_role("button", name="Save").click()
    expect(page).to_have_url(path_re("security:root-security-settings"))
    expect(page.get_by_role("alert")).to_contain_text("The login mask is saved.")
    expect(login_mask).to_contain_text("10.0.0.0/8")

    log_out(page, root.email)
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    expect_refused(page)
