"""Journeys in 简体中文 (issue 16): the language is chosen on the logon page, and the console then
reads in the RAM console's Chinese: the Overview Security Check, Edit Password Rule with a refused
value, Create AccessKey, and enabling a RAM user's virtual MFA device. Screenshots: screenshots/zh-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from playwright.sync_api import Page, expect

from accounts.models import Account, Principal
from mfa import selectors as mfa_selectors
from security.models import PasswordPolicy
from tests.browser.helpers import TOTP_START, path_re, totp, url
from tests.conftest import ROOT_PASSWORD

ZH = "zh-hans"


@pytest.fixture
def frozen_at() -> datetime:
    """A few seconds into a TOTP step, so the codes typed in the MFA journey are current."""
    return TOTP_START


def choose_chinese_and_log_on(page: Page, live_server: Any, logon_name: str, password: str) -> None:
    """The logon page's language menu (named in English before the choice), then the logon in Chinese."""
    page.goto(url(live_server, "accounts:logon"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Language").select_option(ZH)
    expect(page.locator("html")).to_have_attribute("lang", ZH)
    expect(page.get_by_role("heading", name="登录RAM控制台")).to_be_visible()
    expect(page.get_by_label("语言")).to_have_value(ZH)
    page.get_by_label("登录名称").fill(logon_name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_logon_page_language_choice_carries_into_the_console(
    live_server: Any, page: Page, root: Principal, screenshots_dir: Path
) -> None:
    page.goto(url(live_server, "accounts:logon"))
    page.get_by_label("Language").select_option(ZH)
    expect(page.get_by_role("heading", name="登录RAM控制台")).to_be_visible()
    page.screenshot(path=screenshots_dir / "zh-logon.png", full_page=True)

    page.get_by_label("登录名称").fill(root.email)
    page.get_by_label("密码").fill(ROOT_PASSWORD + "x")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("登录名称或密码错误。")).to_be_visible()

    page.get_by_label("密码").fill(ROOT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(path_re("accounts:overview"))
    expect(page.locator("html")).to_have_attribute("lang", ZH)
    expect(page.get_by_role("navigation", name="RAM控制台导航").get_by_role("link", name="概览")).to_be_visible()
    root.refresh_from_db()
    assert root.language == ZH  # the choice made before logon is now the identity's

    # Back to English from the top bar: the page and the identity follow.
    page.get_by_label("语言").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Security Check")).to_be_visible()
    root.refresh_from_db()
    assert root.language == "en"


def test_overview_security_check_in_chinese(
    live_server: Any, page: Page, root: Principal, screenshots_dir: Path
) -> None:
    choose_chinese_and_log_on(page, live_server, root.email, ROOT_PASSWORD)
    expect(page).to_have_url(path_re("accounts:overview"))
    expect(page.get_by_role("heading", name="概览")).to_be_visible()
    expect(page.get_by_role("heading", name="安全检查")).to_be_visible()
    check = page.locator("table").filter(has_text="检查项")
    expect(check).to_contain_text("阿里云账号开启MFA")
    expect(check).to_contain_text("阿里云账号不使用AccessKey")
    expect(check).to_contain_text("RAM用户使用强密码策略")
    expect(page.get_by_role("button", name="下载安全报告")).to_be_visible()
    expect(page.get_by_role("button", name="下载用户凭证报告")).to_be_visible()
    page.screenshot(path=screenshots_dir / "zh-overview-security-check.png", full_page=True)


def test_edit_password_rule_refusal_in_chinese(
    live_server: Any, page: Page, root: Principal, account: Account, screenshots_dir: Path
) -> None:
    choose_chinese_and_log_on(page, live_server, root.email, ROOT_PASSWORD)
    page.get_by_role("navigation", name="RAM控制台导航").get_by_role("link", name="设置", exact=True).click()
    expect(page.get_by_role("heading", name="密码强度设置")).to_be_visible()
    page.get_by_role("link", name="编辑密码规则").click()
    panel = page.get_by_role("dialog", name="编辑密码规则")
    expect(panel).to_be_visible()
    expect(panel.get_by_label("历史密码检查策略")).to_be_visible()
    expect(panel.get_by_label("密码重试次数约束")).to_be_visible()
    expect(panel).to_contain_text("8~32")  # the range, as the SetPasswordPolicy page writes it

    length = panel.get_by_label("密码长度")
    length.fill("7")
    page.locator("#password-policy-form").evaluate("(f) => { f.noValidate = true; }")
    panel.get_by_role("button", name="确定").click()
    expect(page.get_by_text("请输入 8~32 之间的整数。")).to_be_visible()
    expect(length).to_have_class(re.compile(r"\bis-invalid\b"))
    page.screenshot(path=screenshots_dir / "zh-edit-password-rule-refused.png", full_page=True)
    assert not PasswordPolicy.objects.filter(account=account, minimum_length=7).exists()

    length.fill("12")
    panel.get_by_role("button", name="确定").click()
    expect(page.get_by_role("alert")).to_contain_text("密码规则已保存。")


def test_create_accesskey_in_chinese(
    live_server: Any,
    page: Page,
    root: Principal,
    account: Account,
    ram_user_factory: Callable[..., Principal],
    screenshots_dir: Path,
) -> None:
    dave = ram_user_factory(account, "dave")
    choose_chinese_and_log_on(page, live_server, root.email, ROOT_PASSWORD)
    page.get_by_role("navigation", name="RAM控制台导航").get_by_role("link", name="用户", exact=True).click()
    expect(page.get_by_role("heading", name="用户", exact=True)).to_be_visible()
    page.get_by_role("link", name=dave.upn).click()
    section = page.locator("#user-accesskeys")
    expect(section).to_contain_text("用户AccessKey")
    expect(section).to_contain_text("暂无AccessKey。")
    section.get_by_role("button", name="创建AccessKey").click()

    expect(page.get_by_role("heading", name="创建AccessKey")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("AccessKey Secret仅在此时显示")
    expect(page.get_by_role("link", name="下载CSV文件")).to_be_visible()
    key_id = page.locator("#accesskey-id").inner_text()
    page.screenshot(path=screenshots_dir / "zh-create-accesskey.png", full_page=True)
    page.get_by_role("link", name="关闭").click()
    expect(page).to_have_url(path_re("accounts:user-detail", dave.user_id))
    row = page.locator("#accesskey-table").get_by_role("row").filter(has_text=key_id)
    expect(row).to_contain_text("启用")


def test_enable_a_ram_users_mfa_in_chinese(
    live_server: Any,
    page: Page,
    root: Principal,
    account: Account,
    ram_user_factory: Callable[..., Principal],
    frozen: time_machine.Traveller,
    screenshots_dir: Path,
) -> None:
    gus = ram_user_factory(account, "gus")
    choose_chinese_and_log_on(page, live_server, root.email, ROOT_PASSWORD)
    expect(page).to_have_url(path_re("accounts:overview"))
    page.goto(url(live_server, "accounts:user-detail", gus.user_id))
    virtual_mfa = page.locator("#virtual-mfa")
    expect(virtual_mfa).to_contain_text("未绑定虚拟MFA设备。")
    virtual_mfa.get_by_role("button", name="启用虚拟MFA设备").click()

    expect(page.get_by_role("heading", name="启用虚拟MFA设备")).to_be_visible()
    expect(page.locator("#mfa-qr")).to_be_visible()
    page.get_by_text("获取手动输入信息").click()
    key = page.locator("#mfa-manual-key")
    expect(key).to_have_text(re.compile(r"^[A-Z2-7]{16,}$"))
    seed = key.inner_text()
    page.screenshot(path=screenshots_dir / "zh-enable-virtual-mfa.png", full_page=True)

    moment = TOTP_START + timedelta(seconds=30)
    frozen.move_to(moment)
    page.get_by_label("第一组动态验证码").fill(totp(seed, moment, -1))
    page.get_by_label("第二组动态验证码").fill(totp(seed, moment))
    page.get_by_role("button", name="启用").click()
    expect(page).to_have_url(path_re("accounts:user-detail", gus.user_id))
    expect(page.get_by_role("alert")).to_contain_text("虚拟MFA设备已启用。")
    assert mfa_selectors.device_of(gus) is not None
