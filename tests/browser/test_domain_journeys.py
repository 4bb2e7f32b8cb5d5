"""Domain journeys in a real browser: the default domain (account alias) and a domain alias verified
through a real DNS TXT query to the sandbox DNS server (PRODUCT.md §6).

The live_server runs in a thread of this process, so pytest-django's `settings` fixture points the
console's resolver at the sandbox DNS server started on a free port for the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import Account, Principal
from tests.browser.helpers import expect_refused, expect_self_service, log_on, log_out, path_re, sidebar
from tests.conftest import ROOT_PASSWORD, USER_PASSWORD

VERIFY_LABEL = "Domain Ownership Verification"
VERIFICATION_VALUE = re.compile(
    r"^aliyun-site-verification=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)


def advanced_re() -> re.Pattern[str]:
    """Settings > Advanced: the settings page with `tab=advanced` in its query string."""
    return re.compile(rf"^[^?#]*//[^/]+{re.escape(reverse('security:settings'))}\?(.*&)?tab=advanced(&.*)?$")


def open_advanced(page: Page) -> None:
    """Settings in the navigation, then the Advanced tab."""
    sidebar(page).get_by_role("link", name="Settings", exact=True).click()
    expect(page).to_have_url(path_re("security:settings"))
    page.get_by_role("link", name="Advanced", exact=True).click()
    expect(page).to_have_url(advanced_re())
    expect(page.get_by_role("heading", name="Default Domain")).to_be_visible()


def verify_ownership(page: Page) -> None:
    """Domain Ownership Verification, then OK in its dialog."""
    page.get_by_role("link", name=VERIFY_LABEL).click()
    dialog = page.get_by_role("dialog", name=VERIFY_LABEL)
    expect(dialog.locator("#verify-value")).to_have_text(VERIFICATION_VALUE)
    dialog.get_by_role("button", name="OK").click()
    expect(page).to_have_url(advanced_re())


def test_root_updates_the_default_domain(
    live_server: Any,
    page: Page,
    root: Principal,
    account: Account,
    ram_user_factory: Callable[..., Principal],
) -> None:
    user = ram_user_factory(account, "dora")
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    expect(page).to_have_url(path_re("accounts:overview"))
    open_advanced(page)
    default_domain = page.locator("#default-domain-name")
    expect(default_domain).to_have_text("acme.onaliyun.com")

    page.locator("#default-domain").get_by_role("link", name="Update", exact=True).click()
    panel = page.get_by_role("dialog", name="Update Domain")  # the side panel over Advanced
    expect(panel.get_by_text("logon names with the old domain stop working")).to_be_visible()
    alias = panel.get_by_label("Default Domain")
    expect(alias).to_have_value("acme")

    alias.fill("Bad--x")
    panel.get_by_role("button", name="OK").click()
    expect(page).to_have_url(advanced_re())
    expect(page.get_by_text("Use only lowercase letters, digits and hyphens (-).")).to_be_visible()
    expect(page.get_by_text("It must not contain two hyphens in a row.")).to_be_visible()
    expect(alias).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(alias).to_have_value("Bad--x")
    account.refresh_from_db()
    assert account.alias == "acme"

    alias.fill("newco")
    panel.get_by_role("button", name="OK").click()
    expect(page).to_have_url(advanced_re())
    expect(page.get_by_role("alert")).to_contain_text("The default domain is now newco.onaliyun.com.")
    expect(default_domain).to_have_text("newco.onaliyun.com")

    log_out(page, root.email)
    log_on(page, live_server, "dora@newco.onaliyun.com", USER_PASSWORD)
    expect_self_service(page, "dora@newco.onaliyun.com", heading=False)
    expect(page.locator("#profile-menu")).to_have_text("dora@newco.onaliyun.com")
    log_out(page, "dora@newco.onaliyun.com")
    log_on(page, live_server, "dora@acme.onaliyun.com", USER_PASSWORD)
    expect_refused(page)
    user.refresh_from_db()
    assert user.upn == "dora@newco.onaliyun.com"


def test_root_verifies_a_domain_alias_through_sandbox_dns(
    live_server: Any,
    page: Page,
    root: Principal,
    account: Account,
    ram_user_factory: Callable[..., Principal],
    sandbox_dns_server: int,
) -> None:
    ram_user_factory(account, "dora")
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    expect(page).to_have_url(path_re("accounts:overview"))
    open_advanced(page)
    expect(page.get_by_text("No domain alias. RAM users log on with the default domain.")).to_be_visible()

    page.get_by_role("link", name="Create Domain Alias").click()
    panel = page.get_by_role("dialog", name="Create Domain Alias")
    panel.get_by_label("Domain Name").fill("corp.example")
    panel.get_by_role("button", name="OK").click()

    expect(page).to_have_url(advanced_re())
    expect(page.locator("#domain-alias-name")).to_have_text("corp.example")
    state = page.locator("#domain-alias-state")
    expect(state).to_have_text("Unverified")
    verification = page.locator("#verification-value")
    expect(verification).to_have_text(VERIFICATION_VALUE)
    txt_value = verification.inner_text()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.locator("#domain-alias-instructions").get_by_role("button", name="Copy").click()
    expect(page.get_by_role("link", name="Create Domain Alias")).to_have_count(0)

    verify_ownership(page)
    expect(page.get_by_role("alert")).to_have_text("No TXT record was found on the domain.")
    expect(state).to_have_text("Unverified")

    page.get_by_role("link", name="DNS records").click()
    expect(page).to_have_url(path_re("security:dns-records"))
    expect(page.get_by_role("heading", name="DNS records")).to_be_visible()
    expect(page.get_by_text(f"port {sandbox_dns_server}")).to_be_visible()
    records = page.locator("#dns-record-table")
    expect(records).to_contain_text("No records.")
    page.get_by_label("Name").fill("corp.example")
    txt_field = page.get_by_label("TXT value")
    txt_field.focus()
    page.keyboard.press("ControlOrMeta+V")  # the value the Copy button put on the clipboard
    expect(txt_field).to_have_value(txt_value)
    page.get_by_role("button", name="Add Record").click()
    expect(page).to_have_url(path_re("security:dns-records"))
    expect(page.get_by_role("alert")).to_contain_text("The record is published.")
    row = records.get_by_role("row").filter(has_text="corp.example")
    expect(row).to_contain_text("TXT")
    expect(row).to_contain_text(txt_value)

    page.get_by_role("navigation", name="breadcrumb").get_by_role("link", name="Advanced").click()
    expect(page).to_have_url(advanced_re())
    verify_ownership(page)
    expect(page.get_by_role("alert")).to_have_text("The domain ownership is verified.")
    expect(state).to_have_text("Verified")
    expect(verification).to_have_count(0)
    expect(page.get_by_role("link", name=VERIFY_LABEL)).to_have_count(0)

    log_out(page, root.email)
    log_on(page, live_server, "dora@corp.example", USER_PASSWORD)
    expect_self_service(page, "dora@corp.example", heading=False)
    expect(page.locator("#profile-menu")).to_have_text("dora@corp.example")
    expect(page.get_by_role("button", name="dora@corp.example")).to_be_visible()
