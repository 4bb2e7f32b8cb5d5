"""The sandbox clock: one account's time moves, every rule follows, other accounts do not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from accesskeys import services as key_services
from accounts import selectors
from accounts.actors import Actor
from accounts.services import accounts as account_services
from security import services as security_services
from security.errors import InvalidParameter
from security.models import Event
from tests.conftest import USER_PASSWORD

CLOCK = reverse("accounts:sandbox-clock")


@pytest.fixture(autouse=True)
def _demo_mode(settings) -> None:
    settings.RAMCONSOLE_DEMO_MODE = True


def _logon(name: str):
    return Client().post(reverse("accounts:logon"), {"logon_name": name, "password": USER_PASSWORD})


def test_moving_one_accounts_clock_91_days(account_factory, ram_user_factory, client_for) -> None:
    accounts = [account_factory(alias="alpha"), account_factory(alias="bravo")]
    for account in accounts:
        root = selectors.root_of(account)
        security_services.password_policy_update(actor=Actor(root), max_password_age_days=90, hard_expiry=True)
        user = ram_user_factory(account, "trainee")
        key_services.access_key_create(actor=Actor(root), user=user)
    alpha_root = selectors.root_of(accounts[0])
    client = client_for(alpha_root)
    assert client.post(CLOCK, {"step": "90d"})["Location"] == CLOCK
    client.post(CLOCK, {"step": "1d"})
    assert _logon("trainee@alpha.onaliyun.com").status_code == 200  # expired, Deny Logon
    assert _logon("trainee@bravo.onaliyun.com").status_code == 302  # the other account is untouched
    user = selectors.ram_user_get_by_name(account=accounts[0], name="trainee")
    page = client_for(alpha_root).get(reverse("accounts:user-detail", args=[user.user_id])).content.decode()
    assert "Rotate: older than 90 days" in page
    bravo_user = selectors.ram_user_get_by_name(account=accounts[1], name="trainee")
    bravo_page = client_for(selectors.root_of(accounts[1])).get(
        reverse("accounts:user-detail", args=[bravo_user.user_id])
    )
    assert "Rotate: older than 90 days" not in bravo_page.content.decode()
    client_for(alpha_root).post(CLOCK, {"step": "reset"})
    assert _logon("trainee@alpha.onaliyun.com").status_code == 302
    steps = list(Event.objects.filter(action="SetSandboxClock").order_by("id").values_list("detail__step", flat=True))
    assert steps == ["90d", "1d", "reset"]


def test_unknown_step_and_permissions(account, root, readonly_user, client_for) -> None:
    with pytest.raises(InvalidParameter):
        account_services.account_clock_move(actor=Actor(root), step="1y")
    account.refresh_from_db()
    assert account.clock_offset == timedelta()
    assert client_for(readonly_user).post(CLOCK, {"step": "1d"}).status_code == 403


def test_clock_page_only_in_demo_mode(root, client_for, settings) -> None:
    settings.RAMCONSOLE_DEMO_MODE = False
    assert client_for(root).get(CLOCK).status_code == 404
