"""Report journeys in a real browser: the Overview's Security Check and Score, two items fixed through
their Set Now links, and the three downloads (security report as CSV and JSON, user credential report).

The clock is frozen by the `frozen` fixture (it reaches the live_server thread), so the TOTP code
typed into Account Protection is the one the server expects; TOTP_START lies a few seconds into a
30-second step, and in the future so cookies stay valid. The credential report is generated on
commit; live_server tests are transactional, so it is complete by the redirect.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
import time_machine
from playwright.sync_api import Download, Page, expect

from accounts.models import Account, Principal
from ramconsole.kernel.spreadsheet import safe_cell
from reports.checks import SECURITY_REPORT_FIELDS
from reports.credential_csv import BASE_COLUMNS, key_columns
from tests.browser.helpers import TOTP_START, log_on, path_re, sidebar, totp, url
from tests.conftest import ROOT_PASSWORD

CONTRIBUTION = re.compile(r"^\s*(\d+) / (\d+)\s*$")


def score(page: Page) -> int:
    return int(page.locator("#security-score").inner_text())


def missing_points(page: Page, key: str) -> int:
    """What fixing the item `key` adds: its weight minus what it earns now (the Contribution cell)."""
    cell = page.locator(f"#check-{key} td").nth(3).inner_text()
    match = CONTRIBUTION.match(cell)
    assert match, cell
    earned, weight = map(int, match.groups())
    return weight - earned


def open_overview(page: Page) -> None:
    sidebar(page).get_by_role("link", name="Overview", exact=True).click()
    expect(page).to_have_url(path_re("accounts:overview"))
    expect(page.get_by_role("heading", name="Security Check")).to_be_visible()


def read_text(download: Download) -> str:
    """A downloaded file as a spreadsheet reads it: UTF-8 after its BOM, every line ending in CRLF."""
    raw = download.path().read_bytes()
    assert raw.startswith("\ufeff".encode()) and raw.count(b"\n") == raw.count(b"\r\n"), raw[:80]
    return raw.decode("utf-8-sig")


@pytest.fixture
def frozen_at() -> datetime:
    """`frozen` stops the clock at TOTP_START (not START): a few seconds into a TOTP step."""
    return TOTP_START


def test_root_fixes_two_items_and_downloads_the_reports(
    live_server: Any,
    page: Page,
    root: Principal,
    account: Account,
    ram_user_factory: Callable[..., Principal],
    frozen: time_machine.Traveller,
) -> None:
    user = ram_user_factory(account, "ann")  # console logon, no MFA: evidence on the Overview

    log_on(page, live_server, root.email, ROOT_PASSWORD)
    expect(page).to_have_url(path_re("accounts:overview"))
    check = page.locator("#security-check")
    expect(check.get_by_role("heading", name="Security Check")).to_be_visible()
    expect(page.locator("#check-users_mfa")).to_contain_text(user.upn)
    mfa_row, password_row = page.locator("#check-root_mfa"), page.locator("#check-password_policy")
    for row in (mfa_row, password_row):
        expect(row).to_contain_text("Risk")
        expect(row.get_by_role("link", name="Set Now")).to_be_visible()
    before = score(page)
    mfa_gain, password_gain = missing_points(page, "root_mfa"), missing_points(page, "password_policy")
    assert (mfa_gain, password_gain) == (25, 15)
    expect(password_row.locator("td").nth(4)).to_have_text(str(before + password_gain))  # "If fixed"

    # Strong password policy: Set Now -> Edit Password Rule.
    password_row.get_by_role("link", name="Set Now").click()
    expect(page).to_have_url(path_re("security:password-policy"))
    expect(page.get_by_role("heading", name="Edit Password Rule")).to_be_visible()
    page.get_by_label("Password Length").fill("12")
    page.get_by_label("Uppercase letters").check()
    page.get_by_label("Lowercase letters").check()
    page.get_by_label("Digits").check()
    page.get_by_label("Password History Check Policy").fill("3")
    page.get_by_label("Password Retry Constraint Policy").fill("5")
    page.get_by_role("button", name="OK").click()
    expect(page.get_by_role("alert")).to_contain_text("The password rule is saved.")

    open_overview(page)
    expect(password_row).to_contain_text("OK")
    expect(password_row.get_by_role("link", name="Set Now")).to_have_count(0)
    expect(page.locator("#security-score")).to_have_text(str(before + password_gain))

    # MFA on the Alibaba Cloud account: Set Now -> Turn on Account Protection.
    mfa_row.get_by_role("link", name="Set Now").click()
    expect(page).to_have_url(path_re("mfa:account-protection"))
    expect(page.get_by_role("heading", name="Turn on Account Protection")).to_be_visible()
    page.get_by_role("button", name="Submit").click()
    page.get_by_label("Current Password").fill(ROOT_PASSWORD)
    page.get_by_role("button", name="Verify now").click()
    expect(page.get_by_text("Install an authenticator app on your phone")).to_be_visible()
    page.get_by_role("button", name="Next").click()
    page.get_by_text("Retrieve manually enter information").click()
    key = page.locator("#mfa-manual-key")
    expect(key).to_have_text(re.compile(r"^[A-Z2-7]{16,}$"))
    page.get_by_label("Security Code").fill(totp(key.inner_text(), TOTP_START))
    page.get_by_role("button", name="Next").click()
    expect(page).to_have_url(path_re("security:root-security-settings"))
    expect(page.get_by_role("alert")).to_contain_text("Account Protection is on.")

    open_overview(page)
    expect(mfa_row).to_contain_text("OK")
    after = before + password_gain + mfa_gain
    expect(page.locator("#security-score")).to_have_text(str(after))

    # Download Security Report: CSV, then JSON.
    expected = {
        "SubUser": 1,
        "SubUserBindMfa": 0,
        "SubUserWithUnusedAccessKey": 0,
        "RootWithAccessKey": 0,
        "SubUserWithOldAccessKey": 0,
        "SubUserPwdLevel": "high",
        "UnusedAkNum": 0,
        "OldAkNum": 0,
        "BindMfa": True,
        "Score": after,
    }
    downloads = check.get_by_role("button", name="Download Security Report")
    downloads.click()
    with page.expect_download() as csv_download:
        check.get_by_role("link", name="CSV", exact=True).click()
    assert csv_download.value.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(read_text(csv_download.value), newline="")))
    assert rows[0] == SECURITY_REPORT_FIELDS
    assert rows[1] == [safe_cell(expected[field]) for field in SECURITY_REPORT_FIELDS]  # BindMfa: TRUE

    downloads.click()
    with page.expect_download() as json_download:
        check.get_by_role("link", name="JSON", exact=True).click()
    assert json_download.value.suggested_filename.endswith(".json")
    report = json.loads(json_download.value.path().read_text(encoding="utf-8"))
    assert list(report) == SECURITY_REPORT_FIELDS
    assert report == expected

    # Download User Credential Report: generated on the spot (small account), then downloaded.
    with page.expect_download() as credential_download:
        check.get_by_role("button", name="Download User Credential Report").click()
    assert credential_download.value.suggested_filename.startswith(f"credential_report_{account.account_id}_")
    header, *lines = list(csv.reader(io.StringIO(read_text(credential_download.value), newline="")))
    assert header == BASE_COLUMNS + key_columns(2)
    by_user = {line[0]: dict(zip(header, line, strict=True)) for line in lines}
    assert [line[0] for line in lines] == ["<root>", user.upn]
    assert by_user["<root>"]["mfa_active"] == "TRUE"
    assert by_user["<root>"]["password_exist"] == "TRUE"
    assert by_user["<root>"]["access_key_1_exist"] == "FALSE"
    assert by_user[user.upn]["mfa_active"] == "FALSE"
    assert by_user[user.upn]["password_active"] == "TRUE"
    assert by_user[user.upn]["user_creation_time"] == TOTP_START.strftime("%Y-%m-%dT%H:%M:%SZ")

    page.goto(url(live_server, "accounts:overview"))
    check.get_by_role("link", name="Latest user credential report").click()
    expect(page.locator("#report-state")).to_have_text("Completed")
    expect(page.get_by_role("link", name=re.compile(r"\bDownload$"))).to_be_visible()
