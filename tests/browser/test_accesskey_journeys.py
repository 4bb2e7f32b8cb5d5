"""AccessKey journeys in a real browser: create (shown once, CSV), the two-key limit, Disable / Enable /
Delete, the Rotate wizard, the root's own key and a RAM user's self-service keys (PRODUCT.md §7).

Journeys that read "last used" freeze the clock at START with the `frozen` fixture (conftest.py).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from playwright.sync_api import Locator, Page, expect

from accesskeys import services as accesskey_services
from accesskeys.models import AccessKey
from accounts.actors import Actor
from accounts.models import Account, Principal
from ramconsole.kernel import clock
from security import services as security_services
from tests.browser.helpers import (
    ACCESS_KEYS_NOT_ALLOWED,
    START,
    expect_self_service,
    log_on,
    open_root_security_settings,
    path_re,
    sidebar,
)
from tests.conftest import ROOT_PASSWORD, USER_PASSWORD

ACCESS_KEY_ID = re.compile(r"^LTAI[A-Za-z0-9]{20}$")
SECRET = re.compile(r"^[A-Za-z0-9]{30}$")
SHOWN_ONCE = "it cannot be retrieved later"
LIMIT_EXCEEDED = "A user can have at most 2 AccessKeys. Delete one before creating another."
DELETE_CONFIRMATION = "I am aware of the risk and confirm the deletion"
RECENT_USE_CONFIRMATION = "I understand that a client may still use this key"
RECENT_USE_WARNING = "used in the last hour"
RECENT_USE_REFUSED = "This key was used in the last hour"


def open_user(page: Page, user: Principal) -> None:
    """Users (left navigation) > the user's logon name."""
    sidebar(page).get_by_role("link", name="Users", exact=True).click()
    expect(page).to_have_url(path_re("accounts:user-list"))
    page.get_by_role("link", name=user.upn).click()
    expect(page).to_have_url(path_re("accounts:user-detail", user.user_id))
    expect(page.get_by_role("heading", name=user.name, exact=True)).to_be_visible()


def create_button(page: Page) -> Locator:
    return page.locator("#user-accesskeys").get_by_role("button", name="Create AccessKey")


def key_row(page: Page, access_key_id: str) -> Locator:
    return page.locator("#accesskey-table").get_by_role("row").filter(has_text=access_key_id)


def key_cell(page: Page, access_key_id: str, column: int) -> Locator:
    """0: AccessKey ID, 1: Status, 2: Last Used, 3: Created, 4: Actions."""
    return key_row(page, access_key_id).get_by_role("cell").nth(column)


def expect_created(page: Page) -> tuple[str, str]:
    """The Create AccessKey result page: the pair, shown once; returns (ID, secret)."""
    expect(page.get_by_role("heading", name="Create AccessKey")).to_be_visible()
    expect(page.locator("#accesskey-id")).to_have_text(ACCESS_KEY_ID)
    expect(page.locator("#accesskey-secret")).to_have_text(SECRET)
    expect(page.get_by_role("alert")).to_contain_text(SHOWN_ONCE)
    return page.locator("#accesskey-id").inner_text(), page.locator("#accesskey-secret").inner_text()


def create_key(page: Page, home: re.Pattern[str]) -> tuple[str, str]:
    """Create AccessKey > Close, back on `home`; returns (ID, secret)."""
    create_button(page).click()
    pair = expect_created(page)
    page.get_by_role("link", name="Close").click()
    expect(page).to_have_url(home)
    return pair


def expect_secret_gone(page: Page, secret: str) -> None:
    content = page.content()
    assert secret not in content
    assert html.escape(secret) not in content


def keys_of(principal: Principal) -> list[str]:
    return list(AccessKey.objects.filter(principal=principal).values_list("access_key_id", flat=True))


@pytest.fixture
def dave(account: Account, ram_user_factory: Callable[..., Principal]) -> Principal:
    """A RAM user whose keys the root manages."""
    return ram_user_factory(account, "dave")


def test_root_creates_keys_for_a_user_up_to_the_limit(
    live_server: Any, page: Page, root: Principal, dave: Principal
) -> None:
    user_page = path_re("accounts:user-detail", dave.user_id)
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    expect(page).to_have_url(path_re("accounts:overview"))
    open_user(page, dave)
    expect(page.locator("#accesskey-table")).to_contain_text("No AccessKey.")

    create_button(page).click()
    key_id, secret = expect_created(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV File").click()
    download = download_info.value
    assert download.suggested_filename == f"AccessKey_{key_id}.csv"
    csv_text = Path(download.path()).read_text(encoding="utf-8")
    assert csv_text.splitlines() == ["AccessKey ID,AccessKey Secret", f"{key_id},{secret}"]

    page.get_by_role("link", name="Close").click()
    expect(page).to_have_url(user_page)
    expect(key_cell(page, key_id, 1)).to_have_text("Active")
    expect(key_cell(page, key_id, 2)).to_have_text("-")
    expect_secret_gone(page, secret)
    page.reload()
    expect(key_row(page, key_id)).to_have_count(1)
    expect_secret_gone(page, secret)

    second_id, second_secret = create_key(page, user_page)
    assert second_id != key_id
    expect(key_cell(page, second_id, 1)).to_have_text("Active")
    expect_secret_gone(page, second_secret)
    expect(create_button(page)).to_be_disabled()

    # The server refuses a third key even when the disabled button is forced.
    create_button(page).evaluate("(button) => button.removeAttribute('disabled')")
    create_button(page).click()
    expect(page).to_have_url(user_page)
    expect(page.get_by_role("alert")).to_contain_text(LIMIT_EXCEEDED)
    expect(page.locator("#accesskey-id")).to_have_count(0)
    expect(page.locator("#accesskey-table").get_by_role("row")).to_have_count(3)  # header + two keys
    assert sorted(keys_of(dave)) == sorted([key_id, second_id])


def test_root_disables_enables_and_deletes_a_key(
    live_server: Any, page: Page, root: Principal, dave: Principal, frozen: time_machine.Traveller
) -> None:
    key = accesskey_services.access_key_create(actor=Actor(principal=root), user=dave).access_key
    used_at = START - timedelta(days=2)
    accesskey_services.access_key_mark_used(access_key=key, now=used_at)
    key_id = key.access_key_id
    user_page = path_re("accounts:user-detail", dave.user_id)

    log_on(page, live_server, root.email, ROOT_PASSWORD)
    open_user(page, dave)
    expect(key_cell(page, key_id, 1)).to_have_text("Active")
    expect(key_cell(page, key_id, 2).locator("time")).to_have_attribute("datetime", clock.utc_text(used_at))

    key_row(page, key_id).get_by_role("link", name="Disable").click()
    dialog = page.get_by_role("dialog", name="Disable AccessKey")
    expect(dialog).to_contain_text(key_id)
    dialog.get_by_role("button", name="OK").click()
    expect(page).to_have_url(user_page)
    expect(page.get_by_role("alert")).to_contain_text(f"The AccessKey {key_id} is updated.")
    expect(key_cell(page, key_id, 1)).to_have_text("Inactive")
    assert AccessKey.objects.get(access_key_id=key_id).status == AccessKey.Status.INACTIVE

    key_row(page, key_id).get_by_role("button", name="Enable").click()
    expect(page).to_have_url(user_page)
    expect(key_cell(page, key_id, 1)).to_have_text("Active")
    assert AccessKey.objects.get(access_key_id=key_id).status == AccessKey.Status.ACTIVE

    key_row(page, key_id).get_by_role("link", name="Delete").click()
    dialog = page.get_by_role("dialog", name="Delete AccessKey")  # over the user page
    expect(page).to_have_url(user_page)
    expect(dialog.locator("#delete-last-used time")).to_have_attribute("datetime", clock.utc_text(used_at))
    confirm = dialog.get_by_label(DELETE_CONFIRMATION)
    expect(confirm).not_to_be_checked()

    # The box is `required`: the browser does not send the form ...
    dialog.get_by_role("button", name="OK").click()
    assert confirm.evaluate("(box) => box.validity.valueMissing")
    # ... and without that check the server refuses it (shown in the dialog).
    dialog.locator("#accesskey-delete-form").evaluate("(form) => { form.noValidate = true; }")
    dialog.get_by_role("button", name="OK").click()
    expect(dialog.get_by_label(DELETE_CONFIRMATION)).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(dialog.get_by_text("Tick this box to confirm that the key may be deleted.")).to_be_visible()
    assert keys_of(dave) == [key_id]

    dialog.get_by_label(DELETE_CONFIRMATION).check()
    dialog.get_by_role("button", name="OK").click()
    expect(page).to_have_url(user_page)
    expect(page.get_by_role("alert")).to_contain_text(f"The AccessKey {key_id} is deleted.")
    expect(key_row(page, key_id)).to_have_count(0)
    expect(page.locator("#accesskey-table")).to_contain_text("No AccessKey.")
    assert keys_of(dave) == []


def test_root_rotates_a_key_in_recent_use(
    live_server: Any, page: Page, root: Principal, dave: Principal, frozen: time_machine.Traveller
) -> None:
    old = accesskey_services.access_key_create(actor=Actor(principal=root), user=dave).access_key
    accesskey_services.access_key_mark_used(access_key=old, now=START - timedelta(minutes=5))
    old_id = old.access_key_id
    wizard = path_re("accesskeys:user-rotate", dave.user_id, old_id)

    log_on(page, live_server, root.email, ROOT_PASSWORD)
    open_user(page, dave)
    key_row(page, old_id).get_by_role("link", name="Rotate").click()
    expect(page).to_have_url(wizard)
    expect(page.get_by_role("heading", name="Rotate AccessKey")).to_be_visible()
    # Nothing to disable or delete before the new key exists.
    expect(page.locator("#rotate-step-disable").get_by_role("button", name="Disable")).to_have_count(0)
    expect(page.locator("#rotate-step-delete").get_by_role("link", name="Delete")).to_have_count(0)

    page.locator("#rotate-step-create").get_by_role("button", name="Create AccessKey").click()
    new_id, new_secret = expect_created(page)
    page.get_by_role("link", name="Close").click()
    expect(page).to_have_url(wizard)
    expect(page.locator("#rotate-step-create")).to_contain_text(new_id)
    expect_secret_gone(page, new_secret)

    disable_step = page.locator("#rotate-step-disable")
    expect(disable_step).to_contain_text(RECENT_USE_WARNING)
    disable_step.get_by_role("button", name="Disable").click()
    expect(page).to_have_url(wizard)
    expect(page.get_by_role("alert")).to_contain_text(RECENT_USE_REFUSED)
    expect(page.locator("#rotate-step-delete").get_by_role("link", name="Delete")).to_have_count(0)
    assert AccessKey.objects.get(access_key_id=old_id).status == AccessKey.Status.ACTIVE

    disable_step.get_by_label(RECENT_USE_CONFIRMATION).check()
    disable_step.get_by_role("button", name="Disable").click()
    expect(page).to_have_url(wizard)
    expect(page.get_by_role("alert")).to_contain_text(f"The AccessKey {old_id} is updated.")
    expect(disable_step).to_contain_text("Disabled.")
    assert AccessKey.objects.get(access_key_id=old_id).status == AccessKey.Status.INACTIVE

    page.locator("#rotate-step-delete").get_by_role("link", name="Delete").click()
    expect(page).to_have_url(path_re("accesskeys:user-delete", dave.user_id, old_id))
    page.get_by_label(DELETE_CONFIRMATION).check()
    page.get_by_role("button", name="OK").click()
    expect(page).to_have_url(path_re("accounts:user-detail", dave.user_id))
    expect(key_row(page, old_id)).to_have_count(0)
    expect(key_cell(page, new_id, 1)).to_have_text("Active")
    assert keys_of(dave) == [new_id]


def test_root_creates_its_own_key_despite_the_warning(live_server: Any, page: Page, root: Principal) -> None:
    settings_page = path_re("security:root-security-settings")
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    expect(page).to_have_url(path_re("accounts:overview"))
    open_root_security_settings(page, root.email)
    section = page.locator("#user-accesskeys")
    expect(section.get_by_role("note")).to_contain_text("not recommended")

    create_button(page).click()
    key_id, secret = expect_created(page)
    expect(page.get_by_role("dialog", name="Create AccessKey").get_by_role("note")).to_contain_text("not recommended")
    page.get_by_role("link", name="Close").click()
    expect(page).to_have_url(settings_page)
    expect(key_cell(page, key_id, 1)).to_have_text("Active")
    expect_secret_gone(page, secret)
    assert keys_of(root) == [key_id]


def test_ram_user_manages_own_keys_once_allowed(
    live_server: Any, page: Page, root: Principal, plain_user: Principal
) -> None:
    log_on(page, live_server, plain_user.upn, USER_PASSWORD)
    expect_self_service(page, plain_user)
    expect(page.get_by_text(ACCESS_KEYS_NOT_ALLOWED)).to_be_visible()
    expect(create_button(page)).to_have_count(0)

    security_services.security_preference_update(actor=Actor(principal=root), allow_user_to_manage_access_keys=True)
    page.reload()
    expect_self_service(page, plain_user)
    expect(page.get_by_text(ACCESS_KEYS_NOT_ALLOWED)).to_have_count(0)

    key_id, secret = create_key(page, path_re("security:self-service"))
    expect(key_cell(page, key_id, 1)).to_have_text("Active")
    expect(key_cell(page, key_id, 2)).to_have_text("-")
    expect_secret_gone(page, secret)
    assert keys_of(plain_user) == [key_id]
