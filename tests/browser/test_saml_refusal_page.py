"""The ACS's refusal page, as a browser gets it after an IdP's auto-posted form: the console's shell,
one generic message, axe-clean at desktop and phone width, in English and in 简体中文."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import Account
from security import policy
from tests import saml_responses as idp
from tests.browser.helpers import path_re, url
from tests.browser.test_accessibility import check_page

# What an IdP's page does: a form posted to the ACS (evaluated by the test, so the page's CSP is not in play).
POST_TO_ACS = """([action, response]) => {
  const form = document.createElement("form");
  form.method = "post";
  form.action = action;
  const field = document.createElement("input");
  field.type = "hidden";
  field.name = "SAMLResponse";
  field.value = response;
  form.appendChild(field);
  document.body.appendChild(form);
  form.submit();
}"""


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_refusal_page_is_in_the_shell_and_passes_axe(
    page: Page, live_server: Any, account: Account, language: str
) -> None:
    cookie = {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}
    page.context.add_cookies([cookie])
    page.goto(url(live_server, "accounts:logon"))
    unsigned = idp.response_xml(name_id="alice@acme.onaliyun.com", audience=policy.sso.sp_entity_id(account))
    page.evaluate(POST_TO_ACS, [url(live_server, "accounts:saml-acs"), idp.encode(unsigned)])
    expect(page).to_have_url(path_re("accounts:saml-acs"))
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator(f'main a[href="{reverse("accounts:logon")}"]')).to_be_visible()
    assert check_page(page, language) == []
