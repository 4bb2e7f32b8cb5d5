"""RAM user security settings, login masks and session lifetime, enforced at logon and per request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts import selectors
from accounts.actors import Actor
from accounts.models import Account, Principal
from security import services as security_services
from security.models import Event, SecurityPreference
from tests.conftest import PREFERENCE_FORM, ROOT_PASSWORD, USER_PASSWORD

LOGON = reverse("accounts:logon")
GENERIC = "The logon name or password is incorrect."
START = datetime(2030, 3, 1, 8, tzinfo=UTC)


def _logon(name: str, password: str, *, remote: str = "127.0.0.1", client: Client | None = None, **headers: str):
    client = client or Client(REMOTE_ADDR=remote, **headers)
    return client.post(LOGON, {"logon_name": name, "password": password})


def _last_logon() -> Event:
    return Event.objects.filter(action="ConsoleLogon").latest("id")


def test_defaults_match_the_console() -> None:
    preference = SecurityPreference()
    assert not preference.enable_save_mfa_ticket
    assert preference.allow_user_to_change_password
    assert not preference.allow_user_to_manage_access_keys
    assert preference.allow_user_to_manage_mfa_devices
    assert preference.login_session_duration_hours == 6
    assert preference.login_network_masks == ""


def test_update_settings_saves_every_field(root_client: Client, account: Account) -> None:
    form = {
        **PREFERENCE_FORM,
        "enable_save_mfa_ticket": "true",
        "allow_user_to_change_password": "false",
        "allow_user_to_manage_access_keys": "true",
        "allow_user_to_manage_mfa_devices": "false",
        "login_session_duration_hours": 12,
        "login_network_masks": " 127.0.0.0/8 ; 2001:db8::/32 ",
    }
    response = root_client.post(reverse("security:security-preference"), form)
    assert response["Location"] == reverse("security:settings")
    saved = SecurityPreference.objects.get(account=account)
    assert saved.enable_save_mfa_ticket and saved.allow_user_to_manage_access_keys
    assert not saved.allow_user_to_change_password and not saved.allow_user_to_manage_mfa_devices
    assert saved.login_session_duration_hours == 12
    assert saved.login_network_masks == "127.0.0.0/8;2001:db8::/32"
    assert Event.objects.get(action="SetSecurityPreference", result="Success").detail["login_session_duration_hours"]


@pytest.mark.parametrize(("hours", "ok"), [(0, False), (1, True), (24, True), (25, False)])
def test_session_duration_range(root_client: Client, account: Account, hours: int, ok: bool) -> None:
    response = root_client.post(
        reverse("security:security-preference"), {**PREFERENCE_FORM, "login_session_duration_hours": hours}
    )
    if ok:
        assert response.status_code == 302
        assert SecurityPreference.objects.get(account=account).login_session_duration_hours == hours
    else:
        form = response.context["form"]
        assert form.has_error("login_session_duration_hours", code="InvalidParameter.LoginSessionDuration.Range")
        assert form.errors["login_session_duration_hours"] == ["Enter a whole number from 1 to 24."]
        assert not SecurityPreference.objects.filter(account=account).exists()


def test_bad_masks_are_all_named_on_the_form(root_client: Client, account: Account) -> None:
    response = root_client.post(
        reverse("security:security-preference"),
        {**PREFERENCE_FORM, "login_network_masks": "10.0.0.0/8;nope;10.1.1.1/16"},
    )
    errors = response.context["form"].errors["login_network_masks"]
    assert len(errors) == 2 and '"nope"' in errors[0] and "did you mean 10.1.0.0/16" in errors[1]
    assert not SecurityPreference.objects.filter(account=account).exists()


def test_mask_excluding_own_address_needs_confirmation(root_client: Client, account: Account) -> None:
    url = reverse("security:security-preference")
    response = root_client.post(url, {**PREFERENCE_FORM, "login_network_masks": "10.0.0.0/8"})
    assert response.context["form"].has_error("login_network_masks", code="LockoutConfirmationRequired")
    assert not SecurityPreference.objects.filter(account=account).exists()
    confirmed = root_client.post(url, {**PREFERENCE_FORM, "login_network_masks": "10.0.0.0/8", "confirm_lockout": "on"})
    assert confirmed.status_code == 302
    assert SecurityPreference.objects.get(account=account).login_network_masks == "10.0.0.0/8"


def test_ram_user_mask_refuses_logon_from_outside(account: Account, ram_user_factory) -> None:
    ram_user_factory(account, "masked")
    security_services.security_preference_update(
        actor=Actor(selectors.root_of(account)), login_network_masks="10.0.0.0/8"
    )
    response = _logon("masked@acme.onaliyun.com", USER_PASSWORD, remote="192.0.2.10")
    assert response.context["form"].non_field_errors() == [GENERIC]
    event = _last_logon()
    assert (event.result, event.source_ip) == ("LoginMaskRefused", "192.0.2.10")
    assert _logon("masked@acme.onaliyun.com", USER_PASSWORD, remote="10.20.30.40").status_code == 302
    # The RAM users' mask does not bind the root.
    assert _logon(account.principals.get(kind="root").email, ROOT_PASSWORD, remote="192.0.2.10").status_code == 302


def test_refused_address_does_not_count_as_a_wrong_password(account: Account, ram_user_factory) -> None:
    ram_user_factory(account, "quiet")
    actor = Actor(selectors.root_of(account))
    security_services.password_policy_update(actor=actor, max_login_attempts=1)
    security_services.security_preference_update(actor=actor, login_network_masks="10.0.0.0/8")
    _logon("quiet@acme.onaliyun.com", "wrong", remote="192.0.2.10")
    assert _logon("quiet@acme.onaliyun.com", USER_PASSWORD, remote="10.0.0.1").status_code == 302


def test_forwarded_for_is_not_believed_without_a_trusted_proxy(account: Account, ram_user_factory, settings) -> None:
    ram_user_factory(account, "spoof")
    security_services.security_preference_update(
        actor=Actor(selectors.root_of(account)), login_network_masks="10.0.0.0/8"
    )
    spoofed = _logon("spoof@acme.onaliyun.com", USER_PASSWORD, remote="192.0.2.10", HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert spoofed.status_code == 200 and _last_logon().source_ip == "192.0.2.10"
    settings.RAMCONSOLE_TRUSTED_PROXIES = ["192.0.2.10"]
    proxied = _logon("spoof@acme.onaliyun.com", USER_PASSWORD, remote="192.0.2.10", HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert proxied.status_code == 302 and _last_logon().source_ip == "10.0.0.1"


def test_root_login_mask(account: Account, root: Principal, client_for) -> None:
    client = client_for(root)
    url = reverse("security:root-login-mask")
    unconfirmed = client.post(url, {"login_mask": "10.0.0.0/8"})
    assert unconfirmed.context["form"].has_error("login_mask", code="LockoutConfirmationRequired")
    bad = client.post(url, {"login_mask": "10.0.0.0/33", "confirm_lockout": "on"})
    assert bad.context["form"].has_error("login_mask", code="InvalidParameter.LoginNetworkMasks.Format")
    assert client.post(url, {"login_mask": "10.0.0.0/8", "confirm_lockout": "on"}).status_code == 302
    account.refresh_from_db()
    assert account.login_mask == "10.0.0.0/8"
    assert _logon(root.email, ROOT_PASSWORD, remote="192.0.2.1").context["form"].non_field_errors() == [GENERIC]
    assert _last_logon().result == "LoginMaskRefused"
    assert _logon(root.email, ROOT_PASSWORD, remote="10.1.1.1").status_code == 302
    assert Event.objects.filter(action="SetAccountLoginMask", result="Success").count() == 1


def test_only_the_root_sets_the_login_mask(admin_user: Principal, client_for) -> None:
    assert client_for(admin_user).post(reverse("security:root-login-mask"), {"login_mask": ""}).status_code == 403


def test_ip_tester_names_the_matching_mask(root_client: Client, account: Account) -> None:
    security_services.security_preference_update(
        actor=Actor(selectors.root_of(account)), login_network_masks="127.0.0.0/8;10.0.0.0/8"
    )
    url = reverse("security:security-preference")
    allowed = root_client.get(url, {"test_address": "10.2.3.4"}).context["decision"]
    assert (allowed.allowed, allowed.matched) == (True, "10.0.0.0/8")
    denied = root_client.get(url, {"test_address": "192.0.2.1"}).context["decision"]
    assert (denied.allowed, denied.matched) == (False, None)
    own = root_client.get(url).context["decision"]
    assert (own.address, own.matched) == ("127.0.0.1", "127.0.0.0/8")


def _session_for(name: str) -> Client:
    client = Client()
    assert _logon(name, USER_PASSWORD, client=client).status_code == 302
    return client


def test_session_ends_after_logon_session_valid_for(account: Account, ram_user_factory) -> None:
    ram_user_factory(account, "sess")
    security_services.security_preference_update(
        actor=Actor(selectors.root_of(account)), login_session_duration_hours=2
    )
    page = reverse("security:self-service")
    with time_machine.travel(START, tick=False) as traveller:
        client = _session_for("sess@acme.onaliyun.com")
        traveller.shift(timedelta(hours=1, minutes=59))
        assert client.get(page).status_code == 200  # activity does not extend an absolute lifetime
        traveller.shift(timedelta(minutes=1))
        response = client.get(page)
        assert response.status_code == 302 and response["Location"].startswith(LOGON)
        assert client.get(page).status_code == 302
    assert Event.objects.filter(action="ConsoleLogout", result="SessionExpired").count() == 1


def test_shortening_the_setting_ends_existing_sessions(account: Account, ram_user_factory) -> None:
    ram_user_factory(account, "short")
    page = reverse("security:self-service")
    with time_machine.travel(START, tick=False) as traveller:
        client = _session_for("short@acme.onaliyun.com")
        traveller.shift(timedelta(hours=3))
        assert client.get(page).status_code == 200  # default 6 h
        security_services.security_preference_update(
            actor=Actor(selectors.root_of(account)), login_session_duration_hours=1
        )
        assert client.get(page).status_code == 302


def test_root_session_is_not_bound_by_the_ram_user_setting(account: Account, root: Principal) -> None:
    security_services.security_preference_update(actor=Actor(root), login_session_duration_hours=1)
    with time_machine.travel(START, tick=False) as traveller:
        client = Client()
        assert _logon(root.email, ROOT_PASSWORD, client=client).status_code == 302
        traveller.shift(timedelta(hours=5))
        assert client.get(reverse("accounts:overview")).status_code == 200


def test_self_service_page_follows_the_settings(plain_user: Principal, client_for) -> None:
    client = client_for(plain_user)
    page = client.get(reverse("security:self-service")).content.decode()
    assert "Change Password" in page
    assert "not allowed to manage AccessKeys" in page
    assert "Enable MFA Device" in page
    security_services.security_preference_update(
        actor=Actor(selectors.root_of(plain_user.account)),
        allow_user_to_change_password=False,
        allow_user_to_manage_access_keys=True,
        allow_user_to_manage_mfa_devices=False,
    )
    page = client_for(plain_user).get(reverse("security:self-service")).content.decode()
    assert "Change Password" not in page
    assert "not allowed to manage AccessKeys" not in page
    assert "not allowed to manage MFA devices" in page
    assert client_for(plain_user).get(reverse("security:self-password")).status_code == 403
