"""Side panels and dialogs in a real browser (issue 17, item 1; PRODUCT.md §2): each create/edit form
opens over its page with OK / Cancel, each destructive action confirms in a dialog with a danger
button, Cancel and Escape close without writing and give focus back to what opened the panel; with
JavaScript off the same links are the same forms as pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Locator, Page, expect

from accesskeys import services as accesskey_services
from accesskeys.models import AccessKey
from accounts.actors import Actor
from accounts.models import Account, Principal
from security.models import PasswordPolicy, SecurityPreference
from tests.browser.helpers import log_on, open_root_security_settings, path_re, sidebar, url
from tests.conftest import ROOT_PASSWORD

DANGER = re.compile(r"\bbtn-danger\b")


def open_settings(page: Page, tab: str = "Security Settings") -> None:
    sidebar(page).get_by_role("link", name="Settings", exact=True).click()
    page.get_by_role("link", name=tab, exact=True).click()


def open_panel(page: Page, opener: Locator, title: str) -> Locator:
    """Clicks `opener`; the panel or dialog named `title` opens over the same page, focus inside it."""
    before = page.url
    opener.click()
    panel = page.get_by_role("dialog", name=title)
    expect(panel).to_be_visible()
    expect(page).to_have_url(before)
    expect(panel.locator(":focus")).to_have_count(1)
    return panel


def cancel(page: Page, panel: Locator, opener: Locator, *, key: bool = False) -> None:
    """Cancel (or Escape): the panel closes and focus is back on its opener."""
    if key:
        page.keyboard.press("Escape")
    else:
        panel.get_by_role("button", name="Cancel").or_(panel.get_by_role("link", name="Cancel")).click()
    expect(panel).to_be_hidden()
    expect(opener).to_be_focused()


def test_edit_password_rule_pane(live_server: Any, page: Page, root: Principal, screenshots_dir: Path) -> None:
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    open_settings(page)
    opener = page.get_by_role("link", name="Edit Password Rule")

    panel = open_panel(page, opener, "Edit Password Rule")
    expect(panel.get_by_label("Password Length")).to_be_focused()
    panel.get_by_label("Password Length").fill("20")
    page.screenshot(path=screenshots_dir / "edit-password-rule-panel.png")
    cancel(page, panel, opener)
    assert not PasswordPolicy.objects.filter(account=root.account, minimum_length=20).exists()

    panel = open_panel(page, opener, "Edit Password Rule")
    expect(panel.get_by_label("Password Length")).to_have_value("8")  # a fresh form, not the cancelled one
    cancel(page, panel, opener, key=True)

    panel = open_panel(page, opener, "Edit Password Rule")
    panel.get_by_label("Password Length").fill("14")
    panel.get_by_role("button", name="OK").click()
    expect(page).to_have_url(path_re("security:settings"))
    expect(page.get_by_role("alert")).to_contain_text("The password rule is saved.")
    expect(panel).to_be_hidden()
    assert PasswordPolicy.objects.get(account=root.account).minimum_length == 14


def test_update_ram_user_security_settings_dialog(live_server: Any, page: Page, root: Principal) -> None:
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    open_settings(page)
    opener = page.get_by_role("link", name="Update RAM User Security Settings")

    dialog = open_panel(page, opener, "Update RAM User Security Settings")
    dialog.get_by_label("Logon Session Valid For").fill("2")
    cancel(page, dialog, opener)
    assert not SecurityPreference.objects.filter(account=root.account, login_session_duration_hours=2).exists()

    dialog = open_panel(page, opener, "Update RAM User Security Settings")
    dialog.get_by_label("Logon Session Valid For").fill("25")  # out of range: the error stays in the dialog
    dialog.locator("form#security-preference-form").evaluate("(form) => { form.noValidate = true; }")
    dialog.get_by_role("button", name="OK").click()
    expect(dialog.get_by_label("Logon Session Valid For")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(dialog.get_by_label("Logon Session Valid For")).to_be_focused()
    dialog.get_by_label("Logon Session Valid For").fill("2")
    dialog.get_by_role("button", name="OK").click()
    expect(page.get_by_role("alert")).to_contain_text("The RAM user security settings are saved.")
    assert SecurityPreference.objects.get(account=root.account).login_session_duration_hours == 2


def test_update_domain_and_create_domain_alias_panes(live_server: Any, page: Page, root: Principal) -> None:
    account = root.account
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    open_settings(page, "Advanced")
    opener = page.locator("#default-domain").get_by_role("link", name="Update", exact=True)

    panel = open_panel(page, opener, "Update Domain")
    panel.get_by_label("Default Domain").fill("elsewhere")
    cancel(page, panel, opener)
    account.refresh_from_db()
    assert account.alias == "acme"
    panel = open_panel(page, opener, "Update Domain")
    panel.get_by_label("Default Domain").fill("newco")
    panel.get_by_role("button", name="OK").click()
    expect(page.locator("#default-domain-name")).to_have_text("newco.onaliyun.com")

    opener = page.get_by_role("link", name="Create Domain Alias")
    panel = open_panel(page, opener, "Create Domain Alias")
    panel.get_by_label("Domain Name").fill("corp.example")
    cancel(page, panel, opener, key=True)
    expect(page.locator("#domain-alias-name")).to_have_count(0)
    panel = open_panel(page, opener, "Create Domain Alias")
    panel.get_by_label("Domain Name").fill("corp.example")
    panel.get_by_role("button", name="OK").click()
    expect(page.locator("#domain-alias-name")).to_have_text("corp.example")

    opener = page.locator("#domain-alias").get_by_role("link", name="Delete")
    dialog = open_panel(page, opener, "Delete Domain Alias")
    expect(dialog.get_by_role("button", name="OK")).to_have_class(DANGER)
    cancel(page, dialog, opener)
    dialog = open_panel(page, opener, "Delete Domain Alias")
    dialog.get_by_role("button", name="OK").click()
    expect(page.get_by_role("alert")).to_contain_text("The domain alias is deleted.")
    expect(page.locator("#domain-alias-name")).to_have_count(0)


def test_login_mask_pane(live_server: Any, page: Page, root: Principal, account: Account) -> None:
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    open_root_security_settings(page, root.email)
    opener = page.locator("#login-mask").get_by_role("link", name="Set")

    panel = open_panel(page, opener, "Login Mask")
    panel.get_by_label("Login Mask").fill("127.0.0.0/8")
    cancel(page, panel, opener)
    account.refresh_from_db()
    assert account.login_mask == ""

    panel = open_panel(page, opener, "Login Mask")
    panel.get_by_label("Login Mask").fill("127.0.0.0/8")
    panel.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("The login mask is saved.")
    expect(page.locator("#login-mask")).to_contain_text("127.0.0.0/8")


def test_create_user_pane_and_delete_user_dialog(live_server: Any, page: Page, root: Principal) -> None:
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    sidebar(page).get_by_role("link", name="Users", exact=True).click()
    opener = page.get_by_role("link", name="Create User")

    panel = open_panel(page, opener, "Create User")
    panel.get_by_label("Logon Name").fill("pat")
    cancel(page, panel, opener)
    assert not Principal.objects.filter(account=root.account, name="pat").exists()

    panel = open_panel(page, opener, "Create User")
    panel.get_by_label("Logon Name").fill("bad name")  # refused: the error is shown in the panel
    panel.get_by_label("Display Name").fill("Pat")
    panel.get_by_role("button", name="OK").click()
    expect(panel.get_by_label("Logon Name")).to_have_class(re.compile(r"\bis-invalid\b"))
    panel.get_by_label("Logon Name").fill("pat")
    panel.get_by_role("button", name="OK").click()
    expect(page.get_by_role("heading", name="pat", exact=True)).to_be_visible()  # the new user's page
    pat = Principal.objects.get(account=root.account, name="pat")
    expect(page).to_have_url(path_re("accounts:user-detail", pat.user_id))

    opener = page.get_by_role("link", name="Delete User")
    dialog = open_panel(page, opener, "Delete User")
    expect(dialog.get_by_role("button", name="Delete")).to_have_class(DANGER)
    cancel(page, dialog, opener)
    assert Principal.objects.filter(pk=pat.pk).exists()
    dialog = open_panel(page, opener, "Delete User")
    dialog.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(path_re("accounts:user-list"))
    expect(page.get_by_role("alert")).to_contain_text("is deleted")
    assert not Principal.objects.filter(pk=pat.pk).exists()


def test_accesskey_dialogs(
    live_server: Any, page: Page, root: Principal, account: Account, ram_user_factory: Callable[..., Principal]
) -> None:
    dave = ram_user_factory(account, "dave")
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    page.goto(url(live_server, "accounts:user-detail", dave.user_id))
    user_page = path_re("accounts:user-detail", dave.user_id)

    page.get_by_role("button", name="Create AccessKey").click()
    dialog = page.get_by_role("dialog", name="Create AccessKey")
    key_id = dialog.locator("#accesskey-id").inner_text()
    expect(dialog).to_contain_text("cannot be retrieved later")
    dialog.get_by_role("link", name="Close").click()
    expect(page).to_have_url(user_page)
    row = page.locator("#accesskey-table tr", has_text=key_id)
    expect(row.get_by_role("cell").nth(1)).to_have_text("Active")

    opener = row.get_by_role("link", name="Disable")
    dialog = open_panel(page, opener, "Disable AccessKey")
    expect(dialog).to_contain_text(key_id)
    expect(dialog.get_by_role("button", name="OK")).to_have_class(DANGER)
    cancel(page, dialog, opener)
    assert AccessKey.objects.get(access_key_id=key_id).status == AccessKey.Status.ACTIVE
    dialog = open_panel(page, opener, "Disable AccessKey")
    dialog.get_by_role("button", name="OK").click()
    expect(page.get_by_role("alert")).to_contain_text(f"The AccessKey {key_id} is updated.")
    expect(row.get_by_role("cell").nth(1)).to_have_text("Inactive")
    assert AccessKey.objects.get(access_key_id=key_id).status == AccessKey.Status.INACTIVE

    opener = row.get_by_role("link", name="Delete")
    dialog = open_panel(page, opener, "Delete AccessKey")
    expect(dialog.get_by_role("button", name="OK")).to_have_class(DANGER)
    cancel(page, dialog, opener, key=True)
    dialog = open_panel(page, opener, "Delete AccessKey")
    dialog.get_by_label("I am aware of the risk and confirm the deletion").check()
    dialog.get_by_role("button", name="OK").click()
    expect(page.get_by_role("alert")).to_contain_text(f"The AccessKey {key_id} is deleted.")
    assert not AccessKey.objects.filter(access_key_id=key_id).exists()


def test_without_javascript_the_panels_are_pages(
    live_server: Any, browser: Browser, root: Principal, account: Account, ram_user_factory: Callable[..., Principal]
) -> None:
    dave = ram_user_factory(account, "dave")
    key_id = accesskey_services.access_key_create(actor=Actor(principal=root), user=dave).access_key.access_key_id
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        log_on(page, live_server, root.email, ROOT_PASSWORD)
        open_settings(page)
        page.get_by_role("link", name="Edit Password Rule").click()
        expect(page).to_have_url(path_re("security:password-policy"))
        expect(page.get_by_role("heading", name="Edit Password Rule", level=1)).to_be_visible()
        expect(page.get_by_role("dialog")).to_have_count(0)
        page.get_by_label("Password Length").fill("16")
        page.get_by_role("button", name="OK").click()
        expect(page).to_have_url(path_re("security:settings"))
        expect(page.get_by_role("alert")).to_contain_text("The password rule is saved.")
        assert PasswordPolicy.objects.get(account=account).minimum_length == 16
        page.get_by_role("link", name="Edit Password Rule").click()
        page.get_by_label("Password Length").fill("30")
        page.get_by_role("link", name="Cancel").click()  # the page's own Cancel: back, nothing saved
        expect(page).to_have_url(path_re("security:settings"))
        assert PasswordPolicy.objects.get(account=account).minimum_length == 16

        page.goto(url(live_server, "accounts:user-detail", dave.user_id))
        page.locator("#accesskey-table tr", has_text=key_id).get_by_role("link", name="Disable").click()
        expect(page).to_have_url(path_re("accesskeys:user-status", dave.user_id, key_id))
        page.get_by_role("button", name="OK").click()
        expect(page).to_have_url(path_re("accounts:user-detail", dave.user_id))
        expect(page.get_by_role("alert")).to_contain_text(f"The AccessKey {key_id} is updated.")
        assert AccessKey.objects.get(access_key_id=key_id).status == AccessKey.Status.INACTIVE
    finally:
        context.close()


def test_one_button_destructive_forms_ask_first(
    live_server: Any, page: Page, root: Principal, readonly_user: Principal
) -> None:
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    page.goto(url(live_server, "accounts:user-detail", readonly_user.user_id))
    page.get_by_role("tab", name="Permissions").click()
    opener = page.get_by_role("button", name="Revoke Permission")

    dialog = open_panel(page, opener, "Revoke Permission")
    expect(dialog).to_contain_text("Revoke AliyunRAMReadOnlyAccess from this user?")
    expect(dialog.get_by_role("button", name="OK")).to_have_class(DANGER)
    cancel(page, dialog, opener)
    assert readonly_user.policy_attachments.exists()

    dialog = open_panel(page, opener, "Revoke Permission")
    dialog.get_by_role("button", name="OK").click()
    expect(page.get_by_role("alert")).to_contain_text("The policy is removed.")
    assert not readonly_user.policy_attachments.exists()
