"""Console journeys in a real browser, clicked the way a person uses the RAM console."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from accounts.models import Account, Principal
from tests.browser.helpers import expect_refused, expect_self_service, log_on, log_out, path_re, sidebar, url
from tests.conftest import ROOT_PASSWORD, USER_PASSWORD


def user_rows(page: Page) -> Locator:
    return page.locator("#user-table tbody").get_by_role("row")


def expect_shell(page: Page, identity: str) -> None:
    """Top bar with the signed-in identity, and the left navigation of a console reader."""
    expect(page.get_by_role("link", name="Resource Access Management")).to_be_visible()
    expect(page.get_by_role("button", name=identity)).to_be_visible()
    nav = sidebar(page)
    expect(nav).to_be_visible()
    for item in ("Overview", "Users", "Settings", "Events"):
        expect(nav.get_by_role("link", name=item, exact=True)).to_be_visible()
    expect(nav.get_by_text("Identities", exact=True)).to_be_visible()


def test_root_creates_finds_and_logs_out(
    live_server: Any,
    page: Page,
    root: Principal,
    account: Account,
    ram_user_factory: Callable[..., Principal],
    screenshots_dir: Path,
) -> None:
    ram_user_factory(account, "zed-other")  # the search must leave this one out
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    expect(page).to_have_url(path_re("accounts:overview"))
    expect_shell(page, root.email)

    sidebar(page).get_by_role("link", name="Users", exact=True).click()
    expect(page).to_have_url(path_re("accounts:user-list"))
    page.get_by_role("link", name="Create User").click()
    expect(page.get_by_role("heading", name="Create User")).to_be_visible()
    page.get_by_label("Logon Name").fill("dev-ops.1")
    page.get_by_label("Display Name").fill("Dev Ops One")
    page.get_by_role("button", name="OK").click()

    expect(page.get_by_role("heading", name="dev-ops.1")).to_be_visible()
    expect(page.locator("#user-upn")).to_have_text("dev-ops.1@acme.onaliyun.com")
    expect(page.get_by_role("alert")).to_contain_text("dev-ops.1@acme.onaliyun.com is created")

    page.get_by_role("navigation", name="breadcrumb").get_by_role("link", name="Users").click()
    expect(user_rows(page)).to_have_count(2)
    page.get_by_role("searchbox", name="Search users").fill("dev-ops")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"[?&]q=dev-ops"))
    expect(user_rows(page)).to_have_count(1)
    expect(user_rows(page).first).to_contain_text("dev-ops.1@acme.onaliyun.com")
    expect(user_rows(page).first).to_contain_text("Dev Ops One")
    page.screenshot(path=screenshots_dir / "users.png", full_page=True)

    log_out(page, root.email)
    expect(page.get_by_role("button", name="Log On")).to_be_visible()
    page.goto(url(live_server, "accounts:user-list"))
    expect(page).to_have_url(re.compile(re.escape(reverse("accounts:logon")) + r"\?next="))


def test_ram_admin_logs_on_with_upn(live_server: Any, page: Page, admin_user: Principal) -> None:
    assert admin_user.upn == "alice@acme.onaliyun.com"
    log_on(page, live_server, "alice@acme.onaliyun.com", USER_PASSWORD)
    expect(page).to_have_url(path_re("accounts:overview"))
    expect_shell(page, "alice@acme.onaliyun.com")

    sidebar(page).get_by_role("link", name="Users", exact=True).click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    expect(page.get_by_role("link", name="Create User")).to_be_visible()
    expect(user_rows(page)).to_have_count(1)
    expect(user_rows(page).first).to_contain_text("alice@acme.onaliyun.com")


def test_refused_logons_show_one_generic_message(live_server: Any, page: Page, admin_user: Principal) -> None:
    log_on(page, live_server, admin_user.upn, "Wrong-pass-2026")
    expect_refused(page)
    expect(page.get_by_role("button", name="Log On")).to_be_visible()

    log_on(page, live_server, "nobody@acme.onaliyun.com", USER_PASSWORD)
    expect_refused(page)
    expect(sidebar(page)).to_have_count(0)


def test_read_only_user_sees_users_without_create(live_server: Any, page: Page, readonly_user: Principal) -> None:
    log_on(page, live_server, readonly_user.upn, USER_PASSWORD)
    expect_shell(page, readonly_user.upn)
    sidebar(page).get_by_role("link", name="Users", exact=True).click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    expect(user_rows(page).first).to_contain_text(readonly_user.upn)
    expect(page.get_by_role("link", name="Create User")).to_have_count(0)
    expect(page.get_by_role("button", name="Create User")).to_have_count(0)


def test_self_service_user_lands_on_security_page(live_server: Any, page: Page, plain_user: Principal) -> None:
    log_on(page, live_server, plain_user.upn, USER_PASSWORD)
    expect_self_service(page, plain_user)
    expect(page.get_by_role("button", name=plain_user.upn)).to_be_visible()
    expect(sidebar(page)).to_have_count(0)


def test_invalid_user_name_is_refused_on_the_form(
    live_server: Any, page: Page, root: Principal, account: Account
) -> None:
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    page.goto(url(live_server, "accounts:user-create"))
    page.get_by_label("Logon Name").fill("bad name")
    page.get_by_label("Display Name").fill("Bad Name")
    page.get_by_role("button", name="OK").click()

    expect(page.get_by_text("Use only letters, digits, periods (.), underscores (_) and hyphens (-).")).to_be_visible()
    expect(page).to_have_url(path_re("accounts:user-create"))
    expect(page.get_by_label("Logon Name")).to_have_value("bad name")
    expect(page.get_by_label("Logon Name")).to_have_class(re.compile(r"\bis-invalid\b"))
    assert not Principal.objects.filter(account=account, kind=Principal.Kind.RAM_USER).exists()

    sidebar(page).get_by_role("link", name="Users", exact=True).click()
    expect(user_rows(page)).to_have_count(1)
    expect(user_rows(page).first).to_contain_text("No RAM users yet.")


def test_events_list_the_logon_and_filter_by_action(
    live_server: Any,
    page: Page,
    root: Principal,
    account: Account,
    ram_user_factory: Callable[..., Principal],
) -> None:
    ram_user_factory(account, "dave")  # CreateUser and CreateLoginProfile events besides the logon
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    sidebar(page).get_by_role("link", name="Events", exact=True).click()
    expect(page.get_by_role("heading", name="Events")).to_be_visible()

    rows = page.locator("#event-table tbody").get_by_role("row")
    logon_rows = rows.filter(has=page.get_by_text("ConsoleLogon", exact=True))
    expect(logon_rows).to_have_count(1)
    expect(logon_rows).to_contain_text(root.email)
    expect(rows.filter(has=page.get_by_text("CreateUser", exact=True))).to_have_count(1)

    page.get_by_label("Action").select_option("ConsoleLogon")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"[?&]action=ConsoleLogon"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("ConsoleLogon")
    expect(page.get_by_label("Action")).to_have_value("ConsoleLogon")


def test_settings_tabs_show_the_default_domain(live_server: Any, page: Page, root: Principal) -> None:
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    sidebar(page).get_by_role("link", name="Settings", exact=True).click()
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    tabs = page.get_by_role("main")
    expect(tabs.get_by_role("link", name="Security Settings", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Password Strength Settings")).to_be_visible()

    tabs.get_by_role("link", name="Advanced").click()
    expect(page).to_have_url(re.compile(r"\?tab=advanced$"))
    expect(page.get_by_role("heading", name="Default Domain")).to_be_visible()
    expect(page.locator("#default-domain")).to_contain_text("acme.onaliyun.com")


def test_bootstrap_and_icons_are_served_locally(live_server: Any, page: Page, root: Principal) -> None:
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    topbar = page.get_by_role("banner")
    expect(topbar).to_have_css("background-color", "rgb(55, 61, 65)")
    expect(topbar).to_have_css("display", "flex")  # Bootstrap's .navbar
    expect(page.get_by_role("button", name=root.email)).to_have_css("color", "rgb(255, 255, 255)")

    # The icon is the subset's SVG mask painted in the text colour: drawn, 1em square, no icon font.
    icon = page.locator(".topbar-brand .bi")
    expect(icon).to_have_css("mask-image", re.compile(r'^url\("data:image/svg\+xml,'))
    box = icon.bounding_box()
    assert box is not None and box["width"] > 10 and box["width"] == box["height"], box
    assert page.evaluate("[...document.fonts].map((f) => f.family)") == []
