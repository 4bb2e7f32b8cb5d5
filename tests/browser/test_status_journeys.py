"""Status at a glance and errors for people, in a real browser (issue 17, items 2 and 3): the Users
table's tags, filter and sort, the user page's tags, and Edit Password Rule showing every
out-of-range value at once, each beside its field. Screenshots: users-status.png,
user-detail-status.png, password-rule-errors.png."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import time_machine
from playwright.sync_api import Page, expect

from accesskeys import services as key_services
from accounts.actors import Actor
from accounts.models import Account, LoginProfile, Principal
from security import services as security_services
from tests.browser.helpers import START, log_on, path_re, sidebar, url
from tests.conftest import ROOT_PASSWORD, bind_device


def user_rows(page: Page) -> Any:
    return page.locator("#user-table tbody").get_by_role("row")


def test_users_table_tags_filter_and_sort(
    live_server: Any,
    page: Page,
    frozen: time_machine.Traveller,
    root: Principal,
    account: Account,
    ram_user_factory: Callable[..., Principal],
    screenshots_dir: Path,
) -> None:
    security_services.password_policy_update(actor=Actor(root), max_password_age_days=30)
    users = {name: ram_user_factory(account, name) for name in ("amy", "ben", "cora")}
    ram_user_factory(account, "dan", password=None)
    LoginProfile.objects.filter(principal=users["amy"]).update(locked_until=START + timedelta(minutes=40))
    LoginProfile.objects.filter(principal=users["ben"]).update(password_changed_at=START - timedelta(days=31))
    bind_device(users["cora"], START)
    key_services.access_key_create(actor=Actor(root), user=users["cora"])

    log_on(page, live_server, root.email, ROOT_PASSWORD)
    sidebar(page).get_by_role("link", name="Users", exact=True).click()
    expect(page).to_have_url(path_re("accounts:user-list"))
    expect(user_rows(page)).to_have_count(4)
    amy = user_rows(page).filter(has_text="amy@")
    expect(amy).to_contain_text("Locked until 2030-01-01 09:40:00")
    expect(user_rows(page).filter(has_text="ben@")).to_contain_text("Password expired")
    expect(user_rows(page).filter(has_text="cora@")).to_contain_text("MFA")
    expect(user_rows(page).filter(has_text="cora@")).to_contain_text("1 AccessKey")
    expect(user_rows(page).filter(has_text="dan@")).to_contain_text("Console logon off")

    page.get_by_role("link", name="User Logon Name/Display Name").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=name"))
    expect(user_rows(page).first).to_contain_text("amy@")
    page.get_by_role("link", name="User Logon Name/Display Name").click()
    expect(user_rows(page).first).to_contain_text("dan@")
    page.screenshot(path=screenshots_dir / "users-status.png", full_page=True)

    page.get_by_label("Filter by status").select_option(label="Password expired")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"[?&]status=expired"))
    expect(user_rows(page)).to_have_count(1)
    expect(user_rows(page).first).to_contain_text("ben@")

    page.goto(url(live_server, "accounts:user-detail", users["cora"].user_id))
    status = page.locator("#user-status")
    for tag in ("Console logon on", "MFA", "1 AccessKey"):
        expect(status).to_contain_text(tag)
    page.screenshot(path=screenshots_dir / "user-detail-status.png", full_page=True)


def test_edit_password_rule_shows_every_bad_value_beside_its_field(
    live_server: Any, page: Page, root: Principal, screenshots_dir: Path
) -> None:
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    page.goto(url(live_server, "security:settings"))
    page.get_by_role("link", name="Edit Password Rule").click()
    form = page.locator("#password-policy-form")
    expect(form).to_be_visible()
    form.evaluate("(f) => { f.noValidate = true; }")  # past the browser's own min/max check
    bad = {
        "Password Length": ("33", "Enter a whole number from 8 to 32."),
        "Minimum Different Characters in Password": ("9", "Enter a whole number from 0 to 8."),
        "Password Validity Period": ("1096", "Enter a whole number from 0 to 1095."),
        "Password History Check Policy": ("25", "Enter a whole number from 0 to 24."),
        "Password Retry Constraint Policy": ("-1", "Enter a whole number from 0 to 32."),
    }
    for label, (value, _message) in bad.items():
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name="OK").click()
    form = page.locator("#password-policy-form")
    for label, (value, message) in bad.items():
        field = form.get_by_label(label)
        expect(field).to_have_value(value)
        expect(field).to_have_class(re.compile(r"\bis-invalid\b"))
        # Beside its field: the error is what the field's aria-describedby points at.
        error_id = f"{field.get_attribute('id')}_error"
        expect(field).to_have_attribute("aria-describedby", re.compile(rf"\b{error_id}\b"))
        expect(form.locator(f"#{error_id}")).to_have_text(message)
    page.screenshot(path=screenshots_dir / "password-rule-errors.png", full_page=True)
