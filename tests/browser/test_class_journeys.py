"""Classes in a real browser (issue 23): an operator creates a class of three sandboxes in the admin,
starts the leaked-AccessKey drill in one, that trainee finds the key in Events and disables it, and
the Class page (polling its JSON) shows the drill passed for that trainee only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from accesskeys.models import AccessKey
from accounts import sandbox
from accounts.models import Principal, Sandbox, TrainingClass
from reports.models import DrillRun
from security.policy import drills as drill_policy
from tests.browser.helpers import log_on, sidebar, url

OPERATOR_PASSWORD = "Operator-pass-2026"
LEAKED_KEY_TITLE = "Leaked AccessKey"
POLL_TIMEOUT_MS = 20_000  # the page polls every 5 s


@pytest.fixture(autouse=True)
def _demo_mode(settings: Any) -> None:
    settings.RAMCONSOLE_DEMO_MODE = True


def class_row(page: Page, name: str) -> Locator:
    return page.locator("#class-table tbody tr").filter(has_text=name)


def test_an_instructor_runs_a_drill_in_one_sandbox_of_his_class(
    live_server: Any, page: Page, browser: Browser, transactional_db: None
) -> None:
    Principal.objects.create_superuser("instructor", OPERATOR_PASSWORD)
    page.goto(url(live_server, "admin:login"))
    page.get_by_label("Username").fill("instructor")
    page.get_by_label("Password").fill(OPERATOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(url(live_server, "admin:accounts_trainingclass_add"))
    page.get_by_label("Name").fill("drill")
    page.get_by_label("Number of sandboxes").fill("3")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_role("row").filter(has_text="drill").get_by_role("link", name="Open").click()
    expect(page.locator("#class-table tbody tr")).to_have_count(3)

    trainee = Sandbox.objects.get(name="drill-02")
    assert trainee.training_class == TrainingClass.objects.get(name="drill")
    row = class_row(page, "drill-02")
    row.get_by_label("Drill").select_option(drill_policy.LEAKED_ACCESS_KEY)
    row.get_by_role("button", name="Start the drill").click()
    expect(page.locator(".messagelist")).to_contain_text(f"Drill {LEAKED_KEY_TITLE} started in drill-02.")
    for name in ("drill-01", "drill-02", "drill-03"):
        expect(class_row(page, name).locator('[data-cell="drills_text"]')).to_have_text("-", timeout=POLL_TIMEOUT_MS)

    # The trainee, in a browser of his own: the key signing calls from an unknown address, in Events.
    run = DrillRun.objects.get(account__account_id=trainee.account_id)
    root = sandbox.logins_of(trainee)[0]
    context = browser.new_context()
    console = context.new_page()
    log_on(console, live_server, root.logon_name, root.password)
    sidebar(console).get_by_role("link", name="Events", exact=True).click()
    attack = console.get_by_role("row").filter(has_text=drill_policy.ATTACKER_IPS[drill_policy.LEAKED_ACCESS_KEY])
    key_id = re.search(r"LTAI\w{20}", attack.first.inner_text()).group(0)
    assert key_id == run.detail["key_id"]

    sidebar(console).get_by_role("link", name="Users").click()
    console.get_by_role("link", name=run.detail["user_name"]).click()
    console.locator("#accesskey-table").get_by_role("row").filter(has_text=key_id).get_by_role(
        "link", name="Disable"
    ).click()
    console.get_by_role("dialog", name="Disable AccessKey").get_by_role("button", name="OK").click()
    expect(console.get_by_role("alert")).to_contain_text(f"The AccessKey {key_id} is updated.")
    assert AccessKey.objects.get(access_key_id=key_id).status == AccessKey.Status.INACTIVE
    context.close()

    # The Class page picks it up on its own (no reload): passed for drill-02 only.
    passed = class_row(page, "drill-02").locator('[data-cell="drills_text"]')
    expect(passed).to_have_text(LEAKED_KEY_TITLE, timeout=POLL_TIMEOUT_MS)
    for name in ("drill-01", "drill-03"):
        expect(class_row(page, name).locator('[data-cell="drills_text"]')).to_have_text("-")

    # Sorting by a column without reloading: by sandbox name, descending, then by drills passed.
    page.locator("#class-table thead").get_by_role("link", name="Sandbox").click()
    expect(page.locator("#class-table tbody tr").first).to_contain_text("drill-03")
    page.locator("#class-table thead").get_by_role("link", name="Drills passed").click()
    expect(page.locator("#class-table tbody tr").last).to_contain_text("drill-02")
