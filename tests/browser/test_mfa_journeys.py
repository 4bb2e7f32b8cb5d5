"""MFA journeys in a real browser: Account Protection, forced enrolment at logon, replay, "remember
this browser", and an administrator's Enable/Disable the Virtual MFA Device (PRODUCT.md §8, §9).

Codes are real: pyotp computes them from the key the page shows under "Retrieve manually enter
information". The `frozen` fixture stops the clock, live_server thread included, so the server checks
each code at the frozen time; `move_to` steps it on. Here it starts at TOTP_START, a few seconds into
a 30-second TOTP step.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from playwright.sync_api import Page, expect

from accounts.actors import Actor
from accounts.models import Account, Principal
from accounts.services import login_profiles as login_profile_services
from mfa import selectors as mfa_selectors
from security import services as security_services
from tests.browser.helpers import (
    TOTP_START,
    expect_self_service,
    log_on,
    log_out,
    open_root_security_settings,
    path_re,
    totp,
    url,
)
from tests.conftest import ROOT_PASSWORD, USER_PASSWORD, bind_device

CODE_REFUSED = "The code is incorrect or was already used. Enter the code your MFA app shows now."
REMEMBER = "Remember this browser for 7 days"


def expect_mfa_step(page: Page) -> None:
    expect(page).to_have_url(path_re("accounts:logon-mfa"))
    expect(page.get_by_role("heading", name="Multi-factor Authentication")).to_be_visible()


def enter_logon_code(page: Page, code: str, *, remember: bool = False) -> None:
    page.get_by_label("Verification Code").fill(code)
    if remember:
        page.get_by_label(REMEMBER).check()
    page.get_by_role("button", name="Submit").click()


def read_manual_key(page: Page) -> str:
    """The scan step: the QR code, and the base32 key under Retrieve manually enter information."""
    expect(page.locator("#mfa-qr")).to_be_visible()
    key = page.locator("#mfa-manual-key")
    expect(key).to_be_hidden()
    page.get_by_text("Retrieve manually enter information").click()
    expect(key).to_have_text(re.compile(r"^[A-Z2-7]{16,}$"))
    return key.inner_text()


def enter_two_codes(page: Page, seed: str, moment: datetime, submit: str) -> None:
    """Two consecutive codes: the previous step's and the current one's."""
    page.get_by_label("First Security Code").fill(totp(seed, moment, -1))
    page.get_by_label("Second Security Code").fill(totp(seed, moment))
    page.get_by_role("button", name=submit).click()


@pytest.fixture
def frozen_at() -> datetime:
    """`frozen` stops the clock at TOTP_START (not START): a few seconds into a TOTP step."""
    return TOTP_START


def test_root_turns_account_protection_on_and_off(
    live_server: Any, page: Page, root: Principal, frozen: time_machine.Traveller
) -> None:
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    expect(page).to_have_url(path_re("accounts:overview"))
    open_root_security_settings(page, root.email)
    protection = page.locator("#account-protection")
    expect(protection).to_contain_text("Account Protect: Off")
    protection.get_by_role("link", name="Edit").click()

    expect(page.get_by_role("heading", name="Turn on Account Protection")).to_be_visible()
    expect(page.get_by_label("Virtual MFA device (TOTP)")).to_be_checked()
    page.get_by_role("button", name="Submit").click()

    expect(page.get_by_role("heading", name="Identity Verification")).to_be_visible()
    steps = page.locator("#protection-steps")
    expect(steps).to_contain_text("Verify identity")
    page.get_by_label("Current Password").fill(ROOT_PASSWORD)
    page.get_by_role("button", name="Verify now").click()

    expect(page.get_by_text("Install an authenticator app on your phone")).to_be_visible()
    page.get_by_role("button", name="Next").click()

    expect(steps.locator("li", has_text="Enable the MFA")).to_have_class(re.compile(r"\bfw-semibold\b"))
    seed = read_manual_key(page)
    expect(page.locator("#mfa-manual-account")).to_have_text(root.email)
    page.get_by_label("Security Code").fill(totp(seed, TOTP_START))
    page.get_by_role("button", name="Next").click()

    expect(page).to_have_url(path_re("security:root-security-settings"))
    expect(page.get_by_role("alert")).to_contain_text("Account Protection is on.")
    expect(protection).to_contain_text("Account Protect: On")
    expect(protection).to_contain_text(f"acs:ram::{root.account.account_id}:mfa/root")

    log_out(page, root.email)
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    expect_mfa_step(page)
    expect(page.get_by_label(REMEMBER)).to_have_count(0)  # remembering is for RAM users only
    logon_at = TOTP_START + timedelta(minutes=1)
    frozen.move_to(logon_at)
    enter_logon_code(page, totp(seed, logon_at))
    expect(page).to_have_url(path_re("accounts:overview"))
    expect(page.get_by_role("button", name=root.email)).to_be_visible()

    page.goto(url(live_server, "security:root-security-settings"))
    protection.get_by_role("link", name="Edit").click()  # Turn off sits next to Account Protect there
    expect(page).to_have_url(path_re("mfa:account-protection"))
    page.locator("#account-protect").get_by_role("link", name="Turn off").click()
    dialog = page.get_by_role("dialog", name="Turn off Account Protection")
    turn_off_at = TOTP_START + timedelta(minutes=1, seconds=30)
    frozen.move_to(turn_off_at)
    dialog.get_by_label("Security Code").fill(totp(seed, turn_off_at))
    dialog.get_by_role("button", name="Turn off").click()

    expect(page).to_have_url(path_re("security:root-security-settings"))
    expect(page.get_by_role("alert")).to_contain_text("Account Protection is off.")
    expect(protection).to_contain_text("Account Protect: Off")
    expect(protection.get_by_role("link", name="Edit")).to_be_visible()
    assert mfa_selectors.device_of(root) is None


def test_mfa_required_forces_enrolment_at_logon(
    live_server: Any,
    page: Page,
    root: Principal,
    account: Account,
    ram_user_factory: Callable[..., Principal],
    frozen: time_machine.Traveller,
) -> None:
    user = ram_user_factory(account, "dora")
    login_profile_services.login_profile_update(actor=Actor(root), user=user, mfa_required=True)

    log_on(page, live_server, user.upn, USER_PASSWORD)
    expect(page).to_have_url(path_re("accounts:logon-mfa-enrol"))
    enable = page.get_by_role("button", name="Enable the Virtual MFA Device")
    expect(enable).to_be_visible()

    page.goto(url(live_server, "security:self-service"))
    expect(page).to_have_url(path_re("accounts:logon"))
    expect(page.get_by_role("button", name="Log On")).to_be_visible()

    page.goto(url(live_server, "accounts:logon-mfa-enrol"))
    enable.click()
    seed = read_manual_key(page)
    expect(page.locator("#mfa-manual-account")).to_have_text(user.upn)
    enrol_at = TOTP_START + timedelta(seconds=30)
    frozen.move_to(enrol_at)
    enter_two_codes(page, seed, enrol_at, "Enable")

    expect_self_service(page, user)
    expect(page.get_by_role("alert")).to_contain_text("The MFA device is enabled.")
    mfa = page.locator("#mfa-device-management")
    expect(mfa.get_by_role("link", name="Disable MFA Device")).to_be_visible()
    expect(mfa).to_contain_text(f"Bound: acs:ram::{account.account_id}:mfa/dora")


def test_a_replayed_code_is_refused(
    live_server: Any,
    page: Page,
    account: Account,
    ram_user_factory: Callable[..., Principal],
    frozen: time_machine.Traveller,
) -> None:
    user = ram_user_factory(account, "eve")
    seed = bind_device(user, TOTP_START)
    logon_at = TOTP_START + timedelta(minutes=1)
    frozen.move_to(logon_at)
    code = totp(seed, logon_at)

    log_on(page, live_server, user.upn, USER_PASSWORD)
    expect_mfa_step(page)
    enter_logon_code(page, code)
    expect_self_service(page, user)
    log_out(page, user.upn)

    log_on(page, live_server, user.upn, USER_PASSWORD)
    expect_mfa_step(page)
    enter_logon_code(page, code)
    expect(page.get_by_text(CODE_REFUSED)).to_be_visible()
    expect(page.get_by_label("Verification Code")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect_mfa_step(page)

    next_step = logon_at + timedelta(seconds=30)
    frozen.move_to(next_step)
    enter_logon_code(page, totp(seed, next_step))
    expect_self_service(page, user)


def test_remember_this_browser_for_seven_days(
    live_server: Any,
    page: Page,
    root: Principal,
    account: Account,
    ram_user_factory: Callable[..., Principal],
    frozen: time_machine.Traveller,
) -> None:
    security_services.security_preference_update(actor=Actor(root), enable_save_mfa_ticket=True)
    user = ram_user_factory(account, "fay")
    seed = bind_device(user, TOTP_START)
    logon_at = TOTP_START + timedelta(minutes=1)
    frozen.move_to(logon_at)

    log_on(page, live_server, user.upn, USER_PASSWORD)
    expect_mfa_step(page)
    enter_logon_code(page, totp(seed, logon_at), remember=True)
    expect_self_service(page, user)
    log_out(page, user.upn)

    log_on(page, live_server, user.upn, USER_PASSWORD)
    expect_self_service(page, user)
    log_out(page, user.upn)

    frozen.move_to(logon_at + timedelta(days=7, minutes=1))
    log_on(page, live_server, user.upn, USER_PASSWORD)
    expect_mfa_step(page)
    expect(page.get_by_label(REMEMBER)).not_to_be_checked()


def test_admin_enables_and_disables_a_users_device(
    live_server: Any,
    page: Page,
    root: Principal,
    account: Account,
    ram_user_factory: Callable[..., Principal],
    frozen: time_machine.Traveller,
) -> None:
    user = ram_user_factory(account, "gus")
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    expect(page).to_have_url(path_re("accounts:overview"))
    page.goto(url(live_server, "accounts:user-detail", user.user_id))
    virtual_mfa = page.locator("#virtual-mfa")
    expect(virtual_mfa).to_contain_text("No virtual MFA device is bound.")
    virtual_mfa.get_by_role("button", name="Enable the Virtual MFA Device").click()

    expect(page).to_have_url(path_re("mfa:user-enable", user.user_id))
    expect(page.get_by_role("heading", name="Enable the Virtual MFA Device")).to_be_visible()
    seed = read_manual_key(page)
    expect(page.locator("#mfa-manual-account")).to_have_text(user.upn)
    serial = f"acs:ram::{account.account_id}:mfa/gus"
    expect(page.locator("#mfa-scan")).to_contain_text(f"Serial number: {serial}")
    enable_at = TOTP_START + timedelta(seconds=30)
    frozen.move_to(enable_at)
    enter_two_codes(page, seed, enable_at, "Enable")

    expect(page).to_have_url(path_re("accounts:user-detail", user.user_id))
    expect(page.get_by_role("alert")).to_contain_text("The virtual MFA device is enabled.")
    expect(page.locator("#mfa-serial")).to_have_text(serial)

    virtual_mfa.get_by_role("link", name="Disable the Virtual MFA Device").click()
    dialog = page.get_by_role("dialog", name="Disable the Virtual MFA Device")
    dialog.get_by_role("button", name="OK").click()

    expect(page).to_have_url(path_re("accounts:user-detail", user.user_id))
    expect(page.get_by_role("alert")).to_contain_text("The virtual MFA device is disabled.")
    expect(virtual_mfa).to_contain_text("No virtual MFA device is bound.")
    expect(page.locator("#mfa-serial")).to_have_count(0)
    expect(virtual_mfa.get_by_role("button", name="Enable the Virtual MFA Device")).to_be_visible()
    assert mfa_selectors.device_of(user) is None
