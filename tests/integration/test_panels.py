"""The server side of the panels and dialogs (static/js/panels.js, issue 17 item 1): a redirect
answered to the script, and the confirmation pages that a GET only shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accesskeys import services as key_services
from accesskeys.models import AccessKey
from accounts.actors import Actor
from accounts.models import Account, Principal
from ramconsole.web.middleware import PANEL_LOCATION_HEADER, PANEL_REQUEST_HEADER
from security import services as security_services
from security.models import DomainAlias
from tests.conftest import ROOT_PASSWORD

PANEL = {"headers": {PANEL_REQUEST_HEADER: "1"}}

pytestmark = pytest.mark.django_db


def test_a_panel_request_is_told_where_the_redirect_goes(root_client: Client) -> None:
    url = reverse("security:default-domain")
    response = root_client.post(url, {"alias": "newco"}, **PANEL)
    assert response.status_code == 204
    assert response[PANEL_LOCATION_HEADER] == f"{reverse('security:settings')}?tab=advanced"
    # The message waits for the page the script opens next, which shows it.
    page = root_client.get(response[PANEL_LOCATION_HEADER])
    assert "The default domain is now newco.onaliyun.com." in page.content.decode()


def test_a_panel_request_with_errors_gets_the_form_page(root_client: Client) -> None:
    response = root_client.post(reverse("security:default-domain"), {"alias": "Bad--x"}, **PANEL)
    assert response.status_code == 200
    assert PANEL_LOCATION_HEADER not in response
    assert 'id="account-alias-form"' in response.content.decode()


def test_without_the_header_a_redirect_is_a_redirect(root_client: Client) -> None:
    response = root_client.post(reverse("security:default-domain"), {"alias": "newco"})
    assert response.status_code == 302
    assert PANEL_LOCATION_HEADER not in response


def test_the_panel_answer_keeps_the_cookies_of_the_redirect(account: Account, root: Principal, settings: Any) -> None:
    response = Client().post(reverse("accounts:logon"), {"logon_name": root.email, "password": ROOT_PASSWORD}, **PANEL)
    assert response.status_code == 204
    assert response[PANEL_LOCATION_HEADER] == reverse("accounts:overview")
    assert response.cookies[settings.SESSION_COOKIE_NAME].value  # the new session rides on the 204


def test_disable_asks_first_and_enable_does_not(
    root_client: Client, account: Account, root: Principal, ram_user_factory: Callable[..., Principal]
) -> None:
    dave = ram_user_factory(account, "dave")
    key = key_services.access_key_create(actor=Actor(principal=root), user=dave).access_key
    url = reverse("accesskeys:user-status", args=[dave.user_id, key.access_key_id])

    page = root_client.get(url)
    assert page.status_code == 200
    assert 'id="accesskey-disable-form"' in page.content.decode()
    key.refresh_from_db()
    assert key.status == AccessKey.Status.ACTIVE  # showing the question changed nothing

    assert root_client.post(url, {"status": "Inactive"}).status_code == 302
    key.refresh_from_db()
    assert key.status == AccessKey.Status.INACTIVE
    assert root_client.post(url, {"status": "Active"}).status_code == 302
    key.refresh_from_db()
    assert key.status == AccessKey.Status.ACTIVE


def test_domain_alias_verification_and_delete_show_before_they_act(root_client: Client, root: Principal) -> None:
    advanced = f"{reverse('security:settings')}?tab=advanced"
    verify, delete = reverse("security:domain-alias-verify"), reverse("security:domain-alias-delete")
    assert root_client.get(verify)["Location"] == advanced  # nothing to verify yet
    assert root_client.get(delete)["Location"] == advanced
    alias = security_services.domain_alias_create(actor=Actor(principal=root), domain="corp.example")

    page = root_client.get(verify).content.decode()
    assert alias.verification_value in page and 'id="domain-alias-verify-form"' in page
    assert 'id="domain-alias-delete-form"' in root_client.get(delete).content.decode()
    assert DomainAlias.objects.filter(pk=alias.pk, verified_at__isnull=True).exists()
