"""User SSO settings in a real browser: an administrator opens SSO Management, uploads an IdP's
metadata file in the SSO Settings panel, turns SSO Status on, and downloads the SP metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree
from playwright.sync_api import Page, expect

from accounts.models import Account, Principal
from security import policy
from security.models import UserSsoSettings
from tests.browser.helpers import log_on, path_re, sidebar
from tests.browser.test_accessibility import check_page
from tests.conftest import ROOT_PASSWORD
from tests.sso_metadata import IDP_ENTITY_ID, fingerprint, idp_certificate, idp_metadata_xml


def test_admin_uploads_metadata_and_turns_sso_on(
    live_server: Any, page: Page, root: Principal, account: Account, tmp_path: Path, screenshots_dir: Path
) -> None:
    metadata_file = tmp_path / "idp-metadata.xml"
    metadata_file.write_bytes(idp_metadata_xml())
    log_on(page, live_server, root.email, ROOT_PASSWORD)
    sidebar(page).get_by_role("link", name="SSO Management").click()
    expect(page).to_have_url(path_re("security:user-sso"))
    expect(page.locator("#sso-status")).to_have_text("Disabled")
    expect(page.locator("#sso-metadata")).to_have_text("Not uploaded")

    opener = page.get_by_role("link", name="Edit")
    opener.click()
    panel = page.get_by_role("dialog", name="SSO Settings")
    expect(panel).to_be_visible()
    # On without metadata is refused inside the panel, next to the metadata field.
    panel.get_by_role("radio", name="Enabled").check()
    panel.get_by_role("button", name="OK").click()
    expect(panel.get_by_text("Upload the IdP's metadata document before turning SSO on.")).to_be_visible()
    assert not UserSsoSettings.objects.filter(account=account).exists()

    panel.get_by_label("Metadata File").set_input_files(str(metadata_file))
    panel.get_by_role("radio", name="Enabled").check()
    panel.get_by_label("Signature Algorithm (AuthnSignAlgo)").select_option("rsa-sha256")
    page.screenshot(path=screenshots_dir / "user-sso-edit.png")
    panel.get_by_role("button", name="OK").click()
    expect(panel).to_be_hidden()
    expect(page).to_have_url(path_re("security:user-sso"))
    expect(page.get_by_text("The user SSO settings are saved.")).to_be_visible()
    expect(page.locator("#sso-status")).to_have_text("Enabled")
    expect(page.locator("#idp-entity-id")).to_have_text(IDP_ENTITY_ID)
    expect(page.locator("#idp-fingerprint")).to_have_text(policy.sso.format_fingerprint(fingerprint(idp_certificate())))
    expect(page.locator("#sso-authn-sign-algo")).to_have_text("rsa-sha256")
    page.screenshot(path=screenshots_dir / "user-sso.png", full_page=True)
    # The page with its metadata facts, at both widths (the accessibility walk sees it with none).
    assert check_page(page, "en") == []
    row = UserSsoSettings.objects.get(account=account)
    assert (row.enabled, row.idp_entity_id, row.authn_sign_algo) == (True, IDP_ENTITY_ID, "rsa-sha256")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download SP Metadata").click()
    download = download_info.value
    assert download.suggested_filename == "sp-metadata.xml"
    entity = etree.fromstring(Path(download.path()).read_bytes())
    assert entity.get("entityID") == policy.sso.sp_entity_id(account)
    expect(page.locator("#sp-entity-id")).to_have_text(policy.sso.sp_entity_id(account))
