"""The panel flows test_panel_journeys.py leaves out (issue 17, item 1): each opens over its page,
Cancel or Escape closes it with the database unchanged, and OK makes the change and shows the
page's message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from playwright.sync_api import Page, expect

from accounts import sandbox, selectors
from accounts.actors import Actor
from accounts.models import Account, LoginProfile, Principal, Sandbox
from accounts.services import users as user_services
from mfa import selectors as mfa_selectors
from security import services as security_services
from security.models import DomainAlias
from tests.browser import test_training_journeys as training
from tests.browser.helpers import TOTP_START, log_on, open_root_security_settings, path_re, totp, url
from tests.browser.test_domain_journeys import VERIFY_LABEL, advanced_re, open_advanced
from tests.browser.test_mfa_journeys import enter_logon_code, expect_mfa_step
from tests.browser.test_panel_journeys import DANGER, cancel, open_panel
from tests.browser.test_password_journeys import fill_new_password
from tests.conftest import ROOT_PASSWORD, USER_PASSWORD, bind_device

NEW_PASSWORD = "Fresh-pass-2031"


@pytest.fixture
def frozen_at() -> datetime:
    """The MFA journeys type TOTP codes: start a few seconds into a step."""
    return TOTP_START


@pytest.fixture
def dave(account: Account, ram_user_factory: Callable[..., Principal]) -> Principal:
    return ram_user_factory(account, "dave")


def open_user(page: Page, live_server: Any, root: Principal, user: Principal) -> None:
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    page.goto(url(live_server, "accounts:user-detail", user.user_id))


def test_modify_basic_information_pane(live_server: Any, page: Page, root: Principal, dave: Principal) -> None:
    open_user(page, live_server, root, dave)
    opener = page.get_by_role("link", name="Edit Basic Information")

    panel = open_panel(page, opener, "Modify Basic Information")
    expect(panel.get_by_label("Display Name")).to_have_value("Dave")
    panel.get_by_label("Display Name").fill("David")
    cancel(page, panel, opener)
    dave.refresh_from_db()
    assert dave.display_name == "Dave"

    panel = open_panel(page, opener, "Modify Basic Information")
    panel.get_by_label("Display Name").fill("David")
    cancel(page, panel, opener, key=True)
    dave.refresh_from_db()
    assert dave.display_name == "Dave"

    panel = open_panel(page, opener, "Modify Basic Information")
    panel.get_by_label("Display Name").fill("David")
    panel.get_by_role("button", name="OK").click()
    expect(page).to_have_url(path_re("accounts:user-detail", dave.user_id))
    expect(page.get_by_role("alert")).to_contain_text("The basic information is updated.")
    expect(panel).to_be_hidden()
    dave.refresh_from_db()
    assert dave.display_name == "David"


def test_modify_logon_settings_pane(live_server: Any, page: Page, root: Principal, dave: Principal) -> None:
    open_user(page, live_server, root, dave)
    opener = page.get_by_role("link", name="Modify Logon Settings")

    panel = open_panel(page, opener, "Modify Logon Settings")
    expect(panel.get_by_label("Keep Current Password")).to_be_checked()
    panel.get_by_label("Disabled", exact=True).check()
    cancel(page, panel, opener)
    assert LoginProfile.objects.get(principal=dave).console_password_enabled

    panel = open_panel(page, opener, "Modify Logon Settings")
    expect(panel.get_by_label("Enabled", exact=True)).to_be_checked()  # a fresh form, not the cancelled one
    cancel(page, panel, opener, key=True)

    panel = open_panel(page, opener, "Modify Logon Settings")
    panel.get_by_label("Disabled", exact=True).check()
    panel.get_by_role("button", name="OK").click()
    expect(page).to_have_url(path_re("accounts:user-detail", dave.user_id))
    expect(page.get_by_role("alert")).to_contain_text("The logon settings are saved.")
    expect(page.locator("#console-password-logon")).to_have_text("Disabled")
    assert not LoginProfile.objects.get(principal=dave).console_password_enabled
    dave.refresh_from_db()
    assert dave.check_password(USER_PASSWORD)  # Keep Current Password


def test_remove_logon_settings_dialog(live_server: Any, page: Page, root: Principal, dave: Principal) -> None:
    open_user(page, live_server, root, dave)
    opener = page.get_by_role("link", name="Remove Logon Settings")

    dialog = open_panel(page, opener, "Remove Logon Settings")
    expect(dialog).to_contain_text(dave.upn)
    expect(dialog.get_by_role("button", name="OK")).to_have_class(DANGER)
    cancel(page, dialog, opener)
    assert LoginProfile.objects.filter(principal=dave).exists()
    dialog = open_panel(page, opener, "Remove Logon Settings")
    cancel(page, dialog, opener, key=True)
    assert LoginProfile.objects.filter(principal=dave).exists()

    dialog = open_panel(page, opener, "Remove Logon Settings")
    dialog.get_by_role("button", name="OK").click()
    expect(page).to_have_url(path_re("accounts:user-detail", dave.user_id))
    expect(page.get_by_role("alert")).to_contain_text("The logon settings are removed.")
    expect(page.get_by_text("Console logon is not enabled for this user.")).to_be_visible()
    assert not LoginProfile.objects.filter(principal=dave).exists()


def test_disable_the_virtual_mfa_device_dialog(
    live_server: Any, page: Page, root: Principal, dave: Principal, frozen: time_machine.Traveller
) -> None:
    bind_device(dave, TOTP_START)
    open_user(page, live_server, root, dave)
    opener = page.get_by_role("link", name="Disable the Virtual MFA Device")

    dialog = open_panel(page, opener, "Disable the Virtual MFA Device")
    expect(dialog).to_contain_text(dave.upn)
    expect(dialog.get_by_role("button", name="OK")).to_have_class(DANGER)
    cancel(page, dialog, opener)
    assert mfa_selectors.device_of(dave) is not None
    dialog = open_panel(page, opener, "Disable the Virtual MFA Device")
    cancel(page, dialog, opener, key=True)
    assert mfa_selectors.device_of(dave) is not None

    dialog = open_panel(page, opener, "Disable the Virtual MFA Device")
    dialog.get_by_role("button", name="OK").click()
    expect(page).to_have_url(path_re("accounts:user-detail", dave.user_id))
    expect(page.get_by_role("alert")).to_contain_text("The virtual MFA device is disabled.")
    expect(page.get_by_text("No virtual MFA device is bound.")).to_be_visible()
    assert mfa_selectors.device_of(dave) is None


def test_own_change_password_pane(live_server: Any, page: Page, plain_user: Principal) -> None:
    log_on(page, live_server, plain_user.upn, USER_PASSWORD)
    expect(page).to_have_url(path_re("security:self-service"))
    opener = page.locator("#self-password").get_by_role("link", name="Change Password")

    panel = open_panel(page, opener, "Change Password")
    panel.get_by_label("Old Password").fill(USER_PASSWORD)
    panel.get_by_label("New Password").fill(NEW_PASSWORD)
    cancel(page, panel, opener)
    plain_user.refresh_from_db()
    assert plain_user.check_password(USER_PASSWORD)
    panel = open_panel(page, opener, "Change Password")
    expect(panel.get_by_label("Old Password")).to_have_value("")
    cancel(page, panel, opener, key=True)

    panel = open_panel(page, opener, "Change Password")
    panel.get_by_label("Old Password").fill(USER_PASSWORD)
    fill_new_password(page, NEW_PASSWORD)
    expect(page).to_have_url(path_re("security:self-service"))
    expect(page.get_by_role("alert")).to_contain_text("Your password is changed.")
    expect(panel).to_be_hidden()
    plain_user.refresh_from_db()
    assert plain_user.check_password(NEW_PASSWORD)


def test_account_protection_turn_off_dialog(
    live_server: Any, page: Page, root: Principal, frozen: time_machine.Traveller
) -> None:
    seed = bind_device(root, TOTP_START)
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    expect_mfa_step(page)
    logon_at = TOTP_START + timedelta(minutes=1)
    frozen.move_to(logon_at)
    enter_logon_code(page, totp(seed, logon_at))
    open_root_security_settings(page, root.email)
    page.locator("#account-protection").get_by_role("link", name="Edit").click()
    expect(page).to_have_url(path_re("mfa:account-protection"))
    opener = page.locator("#account-protect").get_by_role("link", name="Turn off")

    dialog = open_panel(page, opener, "Turn off Account Protection")
    dialog.get_by_label("Security Code").fill(totp(seed, logon_at, 1))
    cancel(page, dialog, opener)
    assert mfa_selectors.device_of(root) is not None
    dialog = open_panel(page, opener, "Turn off Account Protection")
    cancel(page, dialog, opener, key=True)
    assert mfa_selectors.device_of(root) is not None

    turn_off_at = logon_at + timedelta(seconds=30)
    frozen.move_to(turn_off_at)
    dialog = open_panel(page, opener, "Turn off Account Protection")
    dialog.get_by_label("Security Code").fill(totp(seed, turn_off_at))
    dialog.get_by_role("button", name="Turn off").click()
    expect(page).to_have_url(path_re("security:root-security-settings"))
    expect(page.get_by_role("alert")).to_contain_text("Account Protection is off.")
    expect(page.locator("#account-protection")).to_contain_text("Account Protect: Off")
    assert mfa_selectors.device_of(root) is None


def test_domain_ownership_verification_dialog(
    live_server: Any, page: Page, root: Principal, account: Account, sandbox_dns_server: int
) -> None:
    actor = Actor(principal=root)
    alias = security_services.domain_alias_create(actor=actor, domain="corp.example")
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    open_advanced(page)
    opener = page.get_by_role("link", name=VERIFY_LABEL)

    dialog = open_panel(page, opener, VERIFY_LABEL)
    expect(dialog.locator("#verify-value")).to_have_text(alias.verification_value)
    cancel(page, dialog, opener)
    dialog = open_panel(page, opener, VERIFY_LABEL)
    cancel(page, dialog, opener, key=True)
    assert DomainAlias.objects.get(account=account).verified_at is None

    security_services.sandbox_dns_record_create(actor=actor, name="corp.example", value=alias.verification_value)
    dialog = open_panel(page, opener, VERIFY_LABEL)
    dialog.get_by_role("button", name="OK").click()
    expect(page).to_have_url(advanced_re())
    expect(page.get_by_role("alert")).to_have_text("The domain ownership is verified.")
    expect(page.locator("#domain-alias-state")).to_have_text("Verified")
    assert DomainAlias.objects.get(account=account).verified_at is not None


@pytest.fixture
def trainee(settings: Any, transactional_db: None) -> Sandbox:
    """A seeded sandbox (demo mode) whose RAM user bob has been deleted since the seed."""
    settings.RAMCONSOLE_DEMO_MODE = True
    found = sandbox.sandbox_create(
        name=training.SANDBOX_NAME,
        email=f"{training.SANDBOX_NAME}@{sandbox.SANDBOX_EMAIL_DOMAIN}",
        alias=training.SANDBOX_NAME,
        logins=sandbox.SeedLogins.generated(),
    )
    bob = training.ram_user(found, "bob")
    user_services.ram_user_delete(actor=Actor(principal=selectors.root_of(bob.account)), user=bob, force=True)
    return found


def test_reset_sandbox_dialog(live_server: Any, page: Page, trainee: Sandbox) -> None:
    training.log_on_as(page, live_server, trainee, "root")
    training.open_sandbox_clock(page)
    opener = page.get_by_role("region", name="Reset sandbox").get_by_role("link", name="Reset sandbox")
    bob_exists = Principal.objects.filter(account__account_id=trainee.account_id, name="bob").exists

    dialog = open_panel(page, opener, "Reset sandbox")
    expect(dialog.get_by_role("button", name="Reset sandbox")).to_have_class(DANGER)
    cancel(page, dialog, opener)
    assert not bob_exists()
    dialog = open_panel(page, opener, "Reset sandbox")
    cancel(page, dialog, opener, key=True)
    assert not bob_exists()

    dialog = open_panel(page, opener, "Reset sandbox")
    dialog.get_by_role("button", name="Reset sandbox").click()
    expect(page).to_have_url(path_re("accounts:logon"))
    expect(page.get_by_text(training.RESET_DONE)).to_be_visible()
    assert bob_exists()
