"""Password journeys in a real browser: the password rule, expiry, lockout, logon settings, changes.

Time-dependent journeys freeze the clock at START with the `frozen` fixture (conftest.py).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import time_machine
from playwright.sync_api import Browser, Locator, Page, expect

from accounts.actors import Actor
from accounts.models import Account, LoginProfile, Principal
from security import services as security_services
from security.models import PasswordPolicy
from tests.browser.helpers import (
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

NEW_PASSWORD = "Fresh-pass-2030"
LENGTH_RANGE_ERROR = "Enter a whole number from 8 to 32."


def rule_value(page: Page, term: str) -> Locator:
    """The value shown next to `term` on the Settings page (Password Strength Settings)."""
    return page.locator("#password-rule").locator(f'dt:text-is("{term}") + dd')


def fill_new_password(page: Page, password: str, confirmation: str | None = None) -> None:
    page.get_by_label("New Password").fill(password)
    page.get_by_label("Confirm Password").fill(password if confirmation is None else confirmation)
    page.get_by_role("button", name="OK").click()


def set_policy(root: Principal, **values: int | bool) -> None:
    security_services.password_policy_update(actor=Actor(principal=root), **values)


def test_admin_edits_the_password_rule(live_server: Any, page: Page, root: Principal, account: Account) -> None:
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    sidebar(page).get_by_role("link", name="Settings", exact=True).click()
    expect(rule_value(page, "Password Length")).to_have_text("8")
    page.get_by_role("link", name="Edit Password Rule").click()
    expect(page.get_by_role("dialog", name="Edit Password Rule")).to_be_visible()  # the side panel

    page.get_by_label("Password Length").fill("12")
    page.get_by_label("Uppercase letters").check()
    page.get_by_label("Digits").check()
    page.get_by_label("Password History Check Policy").fill("3")
    page.get_by_label("Password Retry Constraint Policy").fill("5")
    page.get_by_role("button", name="OK").click()

    expect(page).to_have_url(path_re("security:settings"))
    expect(page.get_by_role("alert")).to_contain_text("The password rule is saved.")
    expect(rule_value(page, "Password Length")).to_have_text("12")
    expect(rule_value(page, "Required Elements in Password")).to_have_text(re.compile(r"uppercase.*digits", re.I))
    expect(rule_value(page, "Password History Check Policy")).to_have_text("3")
    expect(rule_value(page, "Password Retry Constraint Policy")).to_have_text("5")
    expect(rule_value(page, "Password Validity Period")).to_have_text("Never expires")

    page.get_by_role("link", name="Edit Password Rule").click()
    length = page.get_by_label("Password Length")
    expect(length).to_have_value("12")
    expect(page.get_by_label("Uppercase letters")).to_be_checked()
    expect(page.get_by_label("Lowercase letters")).not_to_be_checked()
    form = page.locator("#password-policy-form")
    for out_of_range, overflow in (("33", "rangeOverflow"), ("7", "rangeUnderflow")):
        length.fill(out_of_range)
        page.get_by_label("Password History Check Policy").fill("4")
        page.get_by_role("button", name="OK").click()
        # The field's min/max stop the browser from sending it at all ...
        assert length.evaluate(f"(e) => e.validity.{overflow}")
        expect(page).to_have_url(path_re("security:settings"))  # still in the panel over Settings
        # ... and without that check the server refuses it and names the range.
        form.evaluate("(f) => { f.noValidate = true; }")
        page.get_by_role("button", name="OK").click()
        expect(page.get_by_text(LENGTH_RANGE_ERROR)).to_be_visible()
        expect(length).to_have_class(re.compile(r"\bis-invalid\b"))
        expect(length).to_have_value(out_of_range)
        saved = PasswordPolicy.objects.get(account=account)
        assert (saved.minimum_length, saved.reuse_prevention, saved.max_login_attempts) == (12, 3, 5)
        assert saved.required_elements == ["uppercase", "digits"]

    page.get_by_role("dialog", name="Edit Password Rule").get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("dialog", name="Edit Password Rule")).to_be_hidden()
    expect(rule_value(page, "Password Length")).to_have_text("12")
    expect(rule_value(page, "Password History Check Policy")).to_have_text("3")


def test_expired_password_must_be_changed_at_logon(
    live_server: Any,
    page: Page,
    root: Principal,
    account: Account,
    ram_user_factory: Callable[..., Principal],
    frozen: time_machine.Traveller,
) -> None:
    set_policy(root, max_password_age_days=30, hard_expiry=False, reuse_prevention=2)
    user = ram_user_factory(account, "erin")
    frozen.move_to(START + timedelta(days=31))

    log_on(page, live_server, user.upn, USER_PASSWORD)
    expect(page).to_have_url(path_re("accounts:logon-password"))
    expect(page.get_by_role("heading", name="Change Password")).to_be_visible()
    expect(page.get_by_text("Differs from the last 2 passwords.")).to_be_visible()

    fill_new_password(page, USER_PASSWORD)
    expect(page.get_by_text("The password must differ from the last 2 passwords.")).to_be_visible()
    expect(page).to_have_url(path_re("accounts:logon-password"))

    fill_new_password(page, NEW_PASSWORD)
    expect_self_service(page, user)
    expect(page.get_by_role("alert")).to_contain_text("Your password is changed.")

    log_out(page, user.upn)
    log_on(page, live_server, user.upn, NEW_PASSWORD)
    expect_self_service(page, user)


def test_locked_user_is_refused_for_an_hour(
    live_server: Any,
    page: Page,
    browser: Browser,
    root: Principal,
    account: Account,
    ram_user_factory: Callable[..., Principal],
    frozen: time_machine.Traveller,
) -> None:
    set_policy(root, max_login_attempts=3)
    user = ram_user_factory(account, "frank")

    for _attempt in range(3):
        log_on(page, live_server, user.upn, "Wrong-pass-2030")
        expect_refused(page)
    log_on(page, live_server, user.upn, USER_PASSWORD)
    expect_refused(page)

    admin_context = browser.new_context()
    try:
        admin = admin_context.new_page()
        log_on(admin, live_server, root.email, ROOT_PASSWORD)
        expect(admin).to_have_url(path_re("accounts:overview"))
        admin.goto(url(live_server, "accounts:user-detail", user.user_id))
        expect(admin.locator("#logon-lock")).to_contain_text("Locked until")

        frozen.move_to(START + timedelta(minutes=61))
        log_on(page, live_server, user.upn, USER_PASSWORD)
        expect_self_service(page, user)

        admin.reload()
        expect(admin.get_by_role("heading", name=user.name)).to_be_visible()
        expect(admin.locator("#logon-lock")).to_have_count(0)
    finally:
        admin_context.close()


def test_admin_removes_logon_settings(
    live_server: Any, page: Page, root: Principal, account: Account, plain_user: Principal
) -> None:
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    page.goto(url(live_server, "accounts:user-detail", plain_user.user_id))
    logon_management = page.locator("#console-logon-management")
    expect(logon_management.locator("#console-password-logon")).to_have_text("Enabled")
    logon_management.get_by_role("link", name="Remove Logon Settings").click()

    expect(page.get_by_role("heading", name="Remove Logon Settings")).to_be_visible()
    expect(page.get_by_text("This cannot be undone.")).to_be_visible()
    page.get_by_role("button", name="OK").click()

    expect(page).to_have_url(path_re("accounts:user-detail", plain_user.user_id))
    expect(page.get_by_role("alert")).to_contain_text("The logon settings are removed.")
    expect(logon_management.get_by_role("link", name="Enable Console Logon")).to_be_visible()
    expect(logon_management.get_by_role("link", name="Remove Logon Settings")).to_have_count(0)
    assert not LoginProfile.objects.filter(principal=plain_user).exists()

    log_out(page, root.email)
    log_on(page, live_server, plain_user.upn, USER_PASSWORD)
    expect_refused(page)


def test_generated_password_is_shown_once(
    live_server: Any,
    page: Page,
    root: Principal,
    account: Account,
    ram_user_factory: Callable[..., Principal],
) -> None:
    user = ram_user_factory(account, "grace", password=None)
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    page.goto(url(live_server, "accounts:user-detail", user.user_id))
    expect(page.get_by_text("Console logon is not enabled for this user.")).to_be_visible()
    page.get_by_role("link", name="Enable Console Logon").click()

    expect(page.get_by_role("heading", name="Enable Console Logon")).to_be_visible()
    page.get_by_label("Enabled", exact=True).check()
    page.get_by_label("Automatically Regenerate Default Password").check()
    page.get_by_role("button", name="OK").click()

    shown = page.locator("#generated-password")
    expect(shown).to_have_text(re.compile(r"^\S{16,}$"))
    password = shown.inner_text()
    expect(page.get_by_text("The password is shown only once.")).to_be_visible()

    page.get_by_role("link", name="Close").click()
    expect(page).to_have_url(path_re("accounts:user-detail", user.user_id))
    expect(page.locator("#console-password-logon")).to_have_text("Enabled")
    page.reload()
    expect(page.get_by_role("heading", name=user.name)).to_be_visible()
    content = page.content()
    assert password not in content
    assert html.escape(password) not in content
    expect(page.locator("#generated-password")).to_have_count(0)

    log_out(page, root.email)
    log_on(page, live_server, user.upn, password)
    expect_self_service(page, user)


def test_ram_user_changes_own_password(live_server: Any, page: Page, plain_user: Principal) -> None:
    log_on(page, live_server, plain_user.upn, USER_PASSWORD)
    expect_self_service(page, plain_user)
    page.get_by_role("button", name=plain_user.upn).click()
    page.get_by_role("link", name="Security", exact=True).click()
    expect_self_service(page, plain_user)
    page.locator("#self-password").get_by_role("link", name="Change Password").click()
    expect(page.get_by_role("heading", name="Change Password")).to_be_visible()

    page.get_by_label("Old Password").fill("Wrong-pass-2030")
    fill_new_password(page, NEW_PASSWORD)
    expect(page.get_by_text("The old password is incorrect.")).to_be_visible()
    expect(page.get_by_role("dialog", name="Change Password")).to_be_visible()  # the side panel stays open

    page.get_by_label("Old Password").fill(USER_PASSWORD)
    fill_new_password(page, NEW_PASSWORD)
    expect_self_service(page, plain_user)
    expect(page.get_by_role("alert")).to_contain_text("Your password is changed.")

    log_out(page, plain_user.upn)
    log_on(page, live_server, plain_user.upn, USER_PASSWORD)
    expect_refused(page)
    log_on(page, live_server, plain_user.upn, NEW_PASSWORD)
    expect_self_service(page, plain_user)


def test_root_changes_the_account_password(live_server: Any, page: Page, root: Principal) -> None:
    new_root_password = "Root-new-2030"
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    expect(page).to_have_url(path_re("accounts:overview"))
    open_root_security_settings(page, root.email)
    page.locator("#login-password").get_by_role("link", name="Change").click()

    expect(page.get_by_role("heading", name="Verify Identity")).to_be_visible()
    page.get_by_label("Current Password").fill("Wrong-pass-2030")
    page.get_by_role("button", name="Verify now").click()
    expect(page.get_by_text("The password is incorrect.")).to_be_visible()
    page.get_by_label("Current Password").fill(ROOT_PASSWORD)
    page.get_by_role("button", name="Verify now").click()

    expect(page).to_have_url(path_re("security:root-password-change"))
    expect(page.get_by_role("heading", name="Change Password")).to_be_visible()
    fill_new_password(page, new_root_password)
    expect(page).to_have_url(path_re("security:root-security-settings"))
    expect(page.get_by_role("alert")).to_contain_text("The logon password is changed.")

    log_out(page, root.email)
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    expect_refused(page)
    log_on(page, live_server, root.email, new_root_password)
    expect(page).to_have_url(path_re("accounts:overview"))
    expect(page.get_by_role("button", name=root.email)).to_be_visible()
