"""Sandbox clock: a trainee moves the account's time and watches a password expire."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.actors import Actor
from accounts.models import Account, Principal
from security import services as security_services
from tests.browser.helpers import expect_refused, expect_self_service, log_on, log_out, sidebar
from tests.conftest import ROOT_PASSWORD, USER_PASSWORD


@pytest.fixture(autouse=True)
def _demo_mode(settings: Any) -> None:
    settings.RAMCONSOLE_DEMO_MODE = True


def test_moving_the_clock_expires_a_password(
    live_server: Any, page: Page, account: Account, root: Principal, ram_user_factory
) -> None:
    security_services.password_policy_update(actor=Actor(root), max_password_age_days=90, hard_expiry=True)
    user = ram_user_factory(account, "trainee")
    log_on(page, live_server, user.upn, USER_PASSWORD)
    expect_self_service(page, user)
    log_out(page, user.upn)

    log_on(page, live_server, root.email, ROOT_PASSWORD)
    sidebar(page).get_by_role("link", name="Sandbox clock").click()
    page.get_by_role("button", name="+90d").click()
    expect(page.get_by_role("alert")).to_contain_text("The account's time is now")
    page.get_by_role("button", name="+1d").click()
    expect(page.locator("#clock-offset")).to_contain_text("91 days")
    log_out(page, root.email)

    log_on(page, live_server, user.upn, USER_PASSWORD)
    expect_refused(page)  # expired 91 days after it was set, and the rule says Deny Logon
