"""Training sandboxes in a real browser (issue #10, PRODUCT.md §12): the Training page checks off
scenarios from the account's real state, the sandbox clock expires passwords and fills the Outbox,
Reset sandbox puts the seed back, and only administrators see any of it (demo mode).

Every journey runs in a sandbox seeded by `sandbox_create` (the demo's imperfect state, with
generated logins read through `logins_of`). The clock is real: the seed is relative to it.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from accesskeys.models import AccessKey
from accounts import sandbox
from accounts.models import Account, Principal, Sandbox
from tests.browser.helpers import (
    expect_self_service,
    log_on,
    log_out,
    open_root_security_settings,
    path_re,
    sidebar,
    url,
)

SANDBOX_NAME = "trainee-01"
SCENARIOS = (
    "admins_mfa",
    "rotate_old_keys",
    "strong_password_rule",
    "restrict_logon_network",
    "root_mfa",
    "remove_unused_keys",
    "user_sso",
)
DELETE_CONFIRMATION = "I am aware of the risk and confirm the deletion"
DELETE_USER_CONFIRMATION = "Also remove the logon settings and permissions listed above"
RESET_DONE = "The sandbox is back to its seed state."
KEY_CREATED_SUBJECT = "[Alibaba Cloud] A new AccessKey was created"
PASSWORD_EXPIRED_SUBJECT = "[Alibaba Cloud] Your RAM user password has expired"


@pytest.fixture(autouse=True)
def _demo_mode(settings: Any) -> None:
    settings.RAMCONSOLE_DEMO_MODE = True


@pytest.fixture
def trainee(transactional_db: None) -> Sandbox:
    """A fresh sandbox, seeded with the demo's state and its own generated logins."""
    return sandbox.sandbox_create(
        name=SANDBOX_NAME,
        email=f"{SANDBOX_NAME}@{sandbox.SANDBOX_EMAIL_DOMAIN}",
        alias=SANDBOX_NAME,
        logins=sandbox.SeedLogins.generated(),
    )


def login_of(found: Sandbox, name: str) -> sandbox.SandboxLogin:
    """The seed login of RAM user `name`, or of the root for "root"."""
    logins = sandbox.logins_of(found)
    if name == "root":
        return logins[0]
    return next(login for login in logins if login.logon_name.startswith(f"{name}@"))


def ram_user(found: Sandbox, name: str) -> Principal:
    return Principal.objects.get(account__account_id=found.account_id, kind=Principal.Kind.RAM_USER, name=name)


def log_on_as(page: Page, live_server: Any, found: Sandbox, name: str) -> sandbox.SandboxLogin:
    login = login_of(found, name)
    log_on(page, live_server, login.logon_name, login.password)
    return login


def scenario(page: Page, key: str) -> Locator:
    return page.locator("#training-scenarios").locator(f'li[data-scenario="{key}"]')


def open_training(page: Page) -> int:
    """Sandbox > Training (left navigation); returns the score it shows."""
    sidebar(page).get_by_role("link", name="Training").click()
    expect(page).to_have_url(path_re("reports:training"))
    expect(page.get_by_role("heading", name="Training")).to_be_visible()
    score = page.locator("#training-score")
    expect(score).to_have_text(re.compile(r"^\d+$"))
    return int(score.inner_text())


def overview_score(page: Page) -> int:
    sidebar(page).get_by_role("link", name="Overview").click()
    expect(page).to_have_url(path_re("accounts:overview"))
    score = page.locator("#security-score")
    expect(score).to_have_text(re.compile(r"^\d+$"))
    return int(score.inner_text())


def open_sandbox_clock(page: Page) -> None:
    sidebar(page).get_by_role("link", name="Sandbox clock").click()
    expect(page).to_have_url(path_re("accounts:sandbox-clock"))


def move_clock(page: Page, step: str, offset: str) -> None:
    page.get_by_role("button", name=step, exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("The account's time is now")
    expect(page.locator("#clock-offset")).to_contain_text(offset)


def open_outbox(page: Page) -> None:
    sidebar(page).get_by_role("link", name="Outbox").click()
    expect(page).to_have_url(path_re("accounts:outbox"))
    expect(page.get_by_role("heading", name="Outbox")).to_be_visible()


def outbox_message(page: Page, subject: str, text: str) -> Locator:
    """The Outbox message with this subject whose card holds `text`."""
    return page.locator("article.outbox-message").filter(
        has=page.get_by_role("heading", name=subject, exact=True), has_text=text
    )


def key_row(page: Page, access_key_id: str) -> Locator:
    return page.locator("#accesskey-table").get_by_role("row").filter(has_text=access_key_id)


def test_trainee_completes_two_scenarios_and_watches_a_password_expire(
    live_server: Any, page: Page, trainee: Sandbox
) -> None:
    root = log_on_as(page, live_server, trainee, "root")
    expect(page).to_have_url(path_re("accounts:overview"))
    expect(page.get_by_role("button", name=root.logon_name)).to_be_visible()
    seeded_overview_score = int(page.locator("#security-score").inner_text())

    seeded_score = open_training(page)
    assert seeded_score == seeded_overview_score
    expect(page.locator("#training-progress")).to_have_text("0 / 7")
    expect(page.locator("#training-scenarios li")).to_have_count(len(SCENARIOS))
    for key in SCENARIOS:
        expect(scenario(page, key)).to_have_attribute("data-done", "false")
        expect(scenario(page, key).get_by_role("link", name="Go")).to_be_visible()
    expect(scenario(page, "strong_password_rule")).to_contain_text("Require 12 characters and 3 elements in passwords")

    # Scenario 1: Go > Edit Password Rule: 12 characters, three required elements.
    scenario(page, "strong_password_rule").get_by_role("link", name="Go").click()
    expect(page).to_have_url(path_re("security:password-policy"))
    expect(page.get_by_role("heading", name="Edit Password Rule")).to_be_visible()
    expect(page.get_by_label("Password Length")).to_have_value("8")
    page.get_by_label("Password Length").fill("12")
    for element in ("Uppercase letters", "Lowercase letters", "Digits"):
        page.get_by_label(element).check()
    page.get_by_role("button", name="OK").click()
    expect(page).to_have_url(path_re("security:settings"))
    expect(page.get_by_role("alert")).to_contain_text("The password rule is saved.")

    # Scenario 2: Go > Users > ci-robot: disable, then delete, its 200-day-old key (used yesterday).
    ci_robot = ram_user(trainee, "ci-robot")
    old_key, new_key = AccessKey.objects.filter(principal=ci_robot).order_by("created_at")
    open_training(page)
    scenario(page, "rotate_old_keys").get_by_role("link", name="Go").click()
    expect(page).to_have_url(path_re("accounts:user-list"))
    page.get_by_role("link", name=ci_robot.upn).click()
    expect(page).to_have_url(path_re("accounts:user-detail", ci_robot.user_id))
    expect(page.get_by_role("heading", name=ci_robot.name, exact=True)).to_be_visible()
    expect(key_row(page, old_key.access_key_id)).to_have_count(1)
    expect(key_row(page, new_key.access_key_id)).to_have_count(1)

    key_row(page, old_key.access_key_id).get_by_role("link", name="Disable").click()
    page.get_by_role("dialog", name="Disable AccessKey").get_by_role("button", name="OK").click()
    expect(page.get_by_role("alert")).to_contain_text(f"The AccessKey {old_key.access_key_id} is updated.")
    expect(key_row(page, old_key.access_key_id).get_by_role("cell").nth(1)).to_have_text("Inactive")
    key_row(page, old_key.access_key_id).get_by_role("link", name="Delete").click()
    dialog = page.get_by_role("dialog", name="Delete AccessKey")
    dialog.get_by_label(DELETE_CONFIRMATION).check()
    dialog.get_by_role("button", name="OK").click()
    expect(page).to_have_url(path_re("accounts:user-detail", ci_robot.user_id))
    expect(page.get_by_role("alert")).to_contain_text(f"The AccessKey {old_key.access_key_id} is deleted.")
    expect(key_row(page, old_key.access_key_id)).to_have_count(0)
    expect(key_row(page, new_key.access_key_id)).to_have_count(1)

    trained_score = open_training(page)
    expect(page.locator("#training-progress")).to_have_text("2 / 7")
    for key in SCENARIOS:
        done = key in ("strong_password_rule", "rotate_old_keys")
        expect(scenario(page, key)).to_have_attribute("data-done", "true" if done else "false")
        expect(scenario(page, key).get_by_role("link", name="Go")).to_have_count(0 if done else 1)
    assert trained_score > seeded_score
    assert overview_score(page) == trained_score

    # The sandbox clock: 91 days on, carol's 10-day-old password is past the 90-day rule.
    open_sandbox_clock(page)
    move_clock(page, "+90d", "90 days")
    move_clock(page, "+1d", "91 days")
    carol = login_of(trainee, "carol")
    open_outbox(page)
    expired = outbox_message(page, PASSWORD_EXPIRED_SUBJECT, carol.logon_name)
    expect(expired).to_have_count(1)
    expect(expired).to_contain_text(f"The console password of {carol.logon_name} expired on")
    expect(expired).to_contain_text(f"To: {root.logon_name}")
    log_out(page, root.logon_name)

    # The seeded rule allows logon after expiry (hard expiry off): carol must change her password.
    log_on(page, live_server, carol.logon_name, carol.password)
    expect(page).to_have_url(path_re("accounts:logon-password"))
    expect(page.get_by_role("heading", name="Change Password")).to_be_visible()


def test_root_resets_the_sandbox(live_server: Any, page: Page, trainee: Sandbox) -> None:
    root = log_on_as(page, live_server, trainee, "root")
    expect(page).to_have_url(path_re("accounts:overview"))
    bob = ram_user(trainee, "bob")

    sidebar(page).get_by_role("link", name="Users", exact=True).click()
    expect(page).to_have_url(path_re("accounts:user-list"))
    page.get_by_role("row").filter(has_text=bob.upn).get_by_role("link", name="Delete").click()
    expect(page).to_have_url(path_re("accounts:user-delete", bob.user_id))
    page.get_by_label(DELETE_USER_CONFIRMATION).check()
    page.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(path_re("accounts:user-list"))
    expect(page.get_by_role("alert")).to_contain_text(f"The RAM user {bob.upn} is deleted.")
    expect(page.get_by_role("link", name=bob.upn)).to_have_count(0)

    open_sandbox_clock(page)
    move_clock(page, "+30d", "30 days")
    reset_card = page.get_by_role("region", name="Reset sandbox")
    reset_card.get_by_role("link", name="Reset sandbox").click()
    dialog = page.get_by_role("dialog", name="Reset sandbox")  # over the Sandbox clock page
    expect(dialog.get_by_role("alert")).to_contain_text(f"Sandbox {SANDBOX_NAME} goes back to its seed state")
    dialog.get_by_role("button", name="Reset sandbox").click()

    expect(page).to_have_url(path_re("accounts:logon"))
    expect(page.get_by_text(RESET_DONE)).to_be_visible()
    expect(page.get_by_role("button", name="Log On")).to_be_visible()
    page.goto(url(live_server, "accounts:overview"))
    expect(page).to_have_url(path_re("accounts:logon"))  # the reset signed the root out

    log_on(page, live_server, root.logon_name, root.password)
    expect(page).to_have_url(path_re("accounts:overview"))
    sidebar(page).get_by_role("link", name="Users", exact=True).click()
    expect(page.get_by_role("link", name=bob.upn)).to_be_visible()
    open_sandbox_clock(page)
    expect(page.locator("#clock-offset")).to_have_text("0 minutes")
    assert Account.objects.get(account_id=trainee.account_id).clock_offset.total_seconds() == 0


def test_outbox_tells_of_a_new_access_key_without_its_secret(live_server: Any, page: Page, trainee: Sandbox) -> None:
    alice = log_on_as(page, live_server, trainee, "alice")  # a RAM user with AliyunRAMFullAccess
    expect(page).to_have_url(path_re("accounts:overview"))
    carol = ram_user(trainee, "carol")

    sidebar(page).get_by_role("link", name="Users", exact=True).click()
    page.get_by_role("link", name=carol.upn).click()
    expect(page).to_have_url(path_re("accounts:user-detail", carol.user_id))
    page.locator("#user-accesskeys").get_by_role("button", name="Create AccessKey").click()
    expect(page.get_by_role("heading", name="Create AccessKey")).to_be_visible()
    expect(page.locator("#accesskey-id")).to_have_text(re.compile(r"^LTAI[A-Za-z0-9]{20}$"))
    expect(page.locator("#accesskey-secret")).to_have_text(re.compile(r"^[A-Za-z0-9]{30}$"))
    key_id = page.locator("#accesskey-id").inner_text()
    secret = page.locator("#accesskey-secret").inner_text()
    page.get_by_role("link", name="Close").click()
    expect(page).to_have_url(path_re("accounts:user-detail", carol.user_id))

    open_outbox(page)
    created = outbox_message(page, KEY_CREATED_SUBJECT, key_id)
    expect(created).to_have_count(1)
    expect(created).to_contain_text(f"An AccessKey pair was created for {carol.upn}")
    expect(created).to_contain_text(f"AccessKey ID: {key_id}")
    expect(created).to_contain_text(f"Created by: {alice.logon_name}")
    expect(created).to_contain_text(f"To: {trainee.root_email}")
    content = page.content()
    assert secret not in content
    assert html.escape(secret) not in content


def test_users_without_admin_rights_see_no_sandbox(live_server: Any, page: Page, trainee: Sandbox) -> None:
    carol = log_on_as(page, live_server, trainee, "carol")  # self-service only
    expect_self_service(page, carol.logon_name)
    expect(page.get_by_role("link", name="Training")).to_have_count(0)
    expect(page.get_by_role("link", name="Sandbox clock")).to_have_count(0)
    expect(page.get_by_role("link", name="Outbox")).to_have_count(0)
    for name in ("reports:training", "accounts:sandbox-clock", "accounts:outbox", "accounts:sandbox-reset"):
        response = page.goto(url(live_server, name))
        assert response is not None and response.status == 403, name
    page.goto(url(live_server, "security:self-service"))
    expect_self_service(page, carol.logon_name)
    log_out(page, carol.logon_name)

    log_on_as(page, live_server, trainee, "bob")  # read-only: the navigation, without Sandbox
    expect(page).to_have_url(path_re("accounts:overview"))
    nav = sidebar(page)
    expect(nav.get_by_role("link", name="Users", exact=True)).to_be_visible()
    expect(nav.get_by_text("Sandbox", exact=True)).to_have_count(0)
    expect(nav.get_by_role("link", name="Training")).to_have_count(0)
    for name in ("reports:training", "accounts:sandbox-clock", "accounts:outbox"):
        response = page.goto(url(live_server, name))
        assert response is not None and response.status == 403, name


def test_root_verifies_identity_with_a_code_from_the_outbox(live_server: Any, page: Page, trainee: Sandbox) -> None:
    root = log_on_as(page, live_server, trainee, "root")
    open_root_security_settings(page, root.logon_name)
    page.locator("#login-password").get_by_role("link", name="Change").click()
    expect(page.get_by_role("heading", name="Verify Identity")).to_be_visible()
    page.get_by_role("button", name="Send Code").click()
    expect(page.get_by_role("alert")).to_contain_text("A verification code was sent")

    open_outbox(page)
    message = outbox_message(page, "[Alibaba Cloud] Your verification code", root.logon_name)
    expect(message).to_have_count(1)
    code = re.search(r"\b(\d{6})\b", message.inner_text()).group(1)

    open_root_security_settings(page, root.logon_name)
    page.locator("#login-password").get_by_role("link", name="Change").click()
    page.get_by_role("radio", name="Email Verification Code").check()
    page.get_by_role("textbox", name="Email Verification Code").fill(f"{(int(code) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Verify now").click()
    expect(page.get_by_text("The verification code is incorrect.")).to_be_visible()
    page.get_by_role("radio", name="Email Verification Code").check()
    page.get_by_role("textbox", name="Email Verification Code").fill(code)
    page.get_by_role("button", name="Verify now").click()
    expect(page).to_have_url(path_re("security:root-password-change"))
    expect(page.get_by_role("heading", name="Change Password")).to_be_visible()
