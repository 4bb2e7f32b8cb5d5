"""User-based SSO end to end, offline (issue 22, "Done means"): an administrator takes the sandbox
identity provider's metadata from Sandbox > Identity provider, uploads it in User SSO and turns SSO
Status on; a RAM user signs in through the sandbox IdP (IdP- and SP-initiated) and lands on the
console; a Logon Address Mask that excludes the browser refuses the same sign-in; after Logon
Session Valid For (the sandbox clock moved on) the session ends."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.actors import Actor
from accounts.models import Account, Principal
from security import services as security_services
from security.models import RESULT_SUCCESS, Event
from tests.browser.helpers import expect_self_service, log_on, path_re, sidebar, url
from tests.browser.test_accessibility import DESKTOP, check_page
from tests.conftest import ROOT_PASSWORD

SSO_REFUSED = "The SSO logon failed."
SESSION_EXPIRED = "Your session has expired. Log on again."


@pytest.fixture(autouse=True)
def _demo_mode(settings: Any) -> None:
    settings.RAMCONSOLE_DEMO_MODE = True


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[[], Page]]:
    """A page in a browser context of its own: a RAM user's browser, without the administrator's session."""
    contexts = []

    def make() -> Page:
        contexts.append(browser.new_context())
        return contexts[-1].new_page()

    yield make
    for context in contexts:
        context.close()


def _trust_the_sandbox_idp(page: Page, tmp_path: Path) -> str:
    """As the administrator: Sandbox > Identity provider > Download metadata, then User SSO > Edit:
    upload it and turn SSO Status on. Returns the IdP's sign-in page."""
    sidebar(page).get_by_role("link", name="Identity provider").click()
    expect(page).to_have_url(path_re("accounts:sandbox-identity-provider"))
    expect(page.get_by_role("heading", name="Sandbox identity provider")).to_be_visible()
    assert check_page(page, "en") == []
    page.set_viewport_size(DESKTOP)  # check_page leaves it at phone width, the navigation folded away
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download metadata").click()
    metadata = tmp_path / "sandbox-idp.xml"
    download_info.value.save_as(metadata)
    entity_id = page.locator("#idp-entity-id").inner_text()
    sign_in_url = page.locator("#idp-sign-in-url").get_attribute("href")

    sidebar(page).get_by_role("link", name="SSO Management").click()
    expect(page).to_have_url(path_re("security:user-sso"))
    page.get_by_role("link", name="Edit").click()
    panel = page.get_by_role("dialog", name="SSO Settings")
    panel.get_by_label("Metadata File").set_input_files(str(metadata))
    panel.get_by_role("radio", name="Enabled").check()
    panel.get_by_role("button", name="OK").click()
    expect(panel).to_be_hidden()
    expect(page.locator("#sso-status")).to_have_text("Enabled")
    expect(page.locator("#idp-entity-id")).to_have_text(entity_id)
    return sign_in_url


def _sign_in_through_the_idp(page: Page, sign_in_url: str, name_id: str) -> None:
    page.goto(sign_in_url)
    expect(page.get_by_role("heading", name="Sandbox identity provider")).to_be_visible()
    page.get_by_role("button", name=name_id, exact=True).click()  # the auto-posted form takes it to the ACS


def test_a_ram_user_signs_in_through_the_sandbox_idp(
    live_server: Any,
    page: Page,
    new_page: Callable[[], Page],
    root: Principal,
    account: Account,
    ram_user_factory: Callable[..., Principal],
    tmp_path: Path,
) -> None:
    alice = ram_user_factory(account, "alice")
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    sign_in_url = _trust_the_sandbox_idp(page, tmp_path)

    # IdP-initiated: the trainee picks alice on the IdP's page and lands on the console.
    user = new_page()
    user.goto(sign_in_url)
    assert check_page(user, "en") == []
    user.set_viewport_size(DESKTOP)
    _sign_in_through_the_idp(user, sign_in_url, alice.upn)
    expect_self_service(user, alice)
    logons = Event.objects.filter(account=account, action="ConsoleLogon", detail__method="SAML")
    assert logons.get().result == RESULT_SUCCESS

    # The Training exercise is judged from that state: SSO on with metadata, one SSO logon.
    page.goto(url(live_server, "reports:training"))
    expect(page.locator('li[data-scenario="user_sso"]')).to_have_attribute("data-done", "true")

    # SP-initiated: the console sends the browser to the IdP with an AuthnRequest; a typed name.
    sp_user = new_page()
    sp_user.goto(f"{url(live_server, 'accounts:saml-login')}?account={account.alias}")
    expect(sp_user).to_have_url(re.compile(r"/sandbox/idp/[^/]+/sso/\?SAMLRequest="))
    sp_user.get_by_label("User name (NameID)").fill(alice.upn)
    sp_user.get_by_role("button", name="Sign In").click()
    expect_self_service(sp_user, alice)

    # A Logon Address Mask that excludes the browser (127.0.0.1): the same sign-in is refused.
    security_services.security_preference_update(actor=Actor(root), login_network_masks="10.0.0.0/8")
    refused = new_page()
    _sign_in_through_the_idp(refused, sign_in_url, alice.upn)
    expect(refused.get_by_role("alert")).to_contain_text(SSO_REFUSED)
    expect(refused).to_have_url(path_re("accounts:saml-acs"))
    refused.goto(url(live_server, "security:self-service"))
    expect(refused).to_have_url(path_re("accounts:logon"))
    assert logons.exclude(result=RESULT_SUCCESS).count() == 1


def test_the_sso_session_ends_after_logon_session_valid_for(
    live_server: Any,
    page: Page,
    new_page: Callable[[], Page],
    root: Principal,
    account: Account,
    ram_user_factory: Callable[..., Principal],
    tmp_path: Path,
) -> None:
    bob = ram_user_factory(account, "bob")  # with console logon enabled, which SSO logon needs too
    security_services.security_preference_update(actor=Actor(root), login_session_duration_hours=1)
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    sign_in_url = _trust_the_sandbox_idp(page, tmp_path)

    user = new_page()
    _sign_in_through_the_idp(user, sign_in_url, bob.upn)
    expect_self_service(user, bob)

    # Sandbox clock: an hour and more on, the SSO session is over.
    sidebar(page).get_by_role("link", name="Sandbox clock").click()
    page.get_by_role("button", name="+1d").click()
    expect(page.get_by_role("alert")).to_contain_text("The account's time is now")
    user.reload()
    expect(user).to_have_url(path_re("accounts:logon"))
    expect(user.get_by_role("alert")).to_have_text(SESSION_EXPIRED)
