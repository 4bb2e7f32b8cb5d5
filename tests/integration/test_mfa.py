"""MFA in the console: enrolment with real codes, the MFA step at logon, forced enrolment,
remember-this-browser, Account Protection, and Verify Identity by code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts import selectors
from accounts.actors import Actor
from accounts.services import login_profiles as login_profile_services
from mfa import selectors as mfa_selectors
from mfa import services as mfa_services
from mfa.models import VirtualMFADevice
from ramconsole.kernel import crypto
from security import services as security_services
from security.errors import NoPermission
from security.models import Event
from security.policy import MfaCodeRefused
from tests.conftest import ROOT_PASSWORD, USER_PASSWORD, at, bind_device

LOGON = reverse("accounts:logon")
START = datetime(2030, 5, 1, 10, 0, 5, tzinfo=UTC)


def test_admin_enables_a_users_device_with_two_consecutive_codes(account, ram_user_factory, root, client_for):
    user = ram_user_factory(account, "mfa-user")
    url = reverse("mfa:user-enable", args=[user.user_id])
    with time_machine.travel(START, tick=False):
        client = client_for(root)
        assert client.get(url).context.get("device") is None  # nothing starts on a GET
        assert client.post(url, {"start": "1"})["Location"] == url
        page = client.get(url)
        seed = page.context["manual_key"]
        device = page.context["device"]
        assert device.serial_number == f"acs:ram::{account.account_id}:mfa/mfa-user"
        assert page.context["qr_png"] and "Retrieve manually enter information" in page.content.decode()
        assert seed not in str(VirtualMFADevice.objects.values_list("seed_encrypted", flat=True))
        assert crypto.decrypt(VirtualMFADevice.objects.get().seed_encrypted) == seed
        same = client.post(url, {"code1": at(seed, START), "code2": at(seed, START)})
        assert same.context["form"].has_error("code2", code="CheckAuthenticationCodeFail")
        done = client.post(url, {"code1": at(seed, START, -1), "code2": at(seed, START)})
        assert done["Location"] == reverse("accounts:user-detail", args=[user.user_id])
    assert mfa_selectors.device_of(user) is not None
    assert seed not in str(list(Event.objects.values()))
    assert Event.objects.filter(action="BindMFADevice", result="Success").count() == 1


def test_a_half_finished_enrolment_never_blocks_a_new_one(account, ram_user_factory, root):
    user = ram_user_factory(account, "restart")
    first = mfa_services.mfa_enrolment_start(actor=Actor(root), user=user)
    second = mfa_services.mfa_enrolment_start(actor=Actor(root), user=user)
    assert not VirtualMFADevice.objects.filter(pk=first.device.pk).exists()
    assert VirtualMFADevice.objects.get().pk == second.device.pk


def test_logon_asks_for_a_code_and_refuses_a_replay(account, ram_user_factory):
    user = ram_user_factory(account, "coder")
    with time_machine.travel(START, tick=False):
        seed = bind_device(user, START)  # binding accepted the step of START
    later = START + timedelta(seconds=60)
    with time_machine.travel(later, tick=False):
        client = Client()
        assert client.post(LOGON, {"logon_name": user.upn, "password": USER_PASSWORD})["Location"] == reverse(
            "accounts:logon-mfa"
        )
        assert client.get(reverse("security:self-service")).status_code == 302  # still anonymous
        wrong = client.post(reverse("accounts:logon-mfa"), {"code": "000000"})
        assert wrong.context["form"].has_error("code", code="CheckAuthenticationCodeFail")
        ok = client.post(reverse("accounts:logon-mfa"), {"code": at(seed, later)})
        assert ok["Location"] == reverse("accounts:overview")
        second = Client()
        second.post(LOGON, {"logon_name": user.upn, "password": USER_PASSWORD})
        replay = second.post(reverse("accounts:logon-mfa"), {"code": at(seed, later)})
        assert replay.context["form"].has_error("code", code="CheckAuthenticationCodeFail.Replay")
    results = list(Event.objects.filter(action="VerifyMFACode").values_list("result", flat=True).order_by("id"))
    assert results == ["CheckAuthenticationCodeFail", "CheckAuthenticationCodeFail.Replay"]


def test_wrong_codes_are_throttled(account, ram_user_factory):
    user = ram_user_factory(account, "slow")
    with time_machine.travel(START, tick=False):
        seed = bind_device(user, START)
    with time_machine.travel(START + timedelta(minutes=5), tick=False) as traveller:
        for _ in range(4):
            with pytest.raises(MfaCodeRefused):
                mfa_services.mfa_code_verify(principal=user, code="111111", source_ip=None)
        with pytest.raises(MfaCodeRefused) as refused:
            now = START + timedelta(minutes=5)
            mfa_services.mfa_code_verify(principal=user, code=at(seed, now), source_ip=None)
        assert refused.value.code == "Throttling.MFA"
        traveller.shift(timedelta(seconds=5))
        mfa_services.mfa_code_verify(
            principal=user, code=at(seed, START + timedelta(minutes=5, seconds=5)), source_ip=None
        )
    assert VirtualMFADevice.objects.get(principal=user).failed_attempts == 0


def test_mfa_required_forces_enrolment_at_logon(account, ram_user_factory, root):
    user = ram_user_factory(account, "forced")
    login_profile_services.login_profile_update(actor=Actor(root), user=user, mfa_required=True)
    with time_machine.travel(START, tick=False):
        client = Client()
        response = client.post(LOGON, {"logon_name": user.upn, "password": USER_PASSWORD})
        enrol = reverse("accounts:logon-mfa-enrol")
        assert response["Location"] == enrol
        assert client.get(reverse("security:self-service")).status_code == 302
        client.post(enrol, {"start": "1"})
        seed = client.get(enrol).context["manual_key"]
        done = client.post(enrol, {"code1": at(seed, START, -1), "code2": at(seed, START)})
        assert done["Location"] == reverse("accounts:overview")
        assert client.get(reverse("security:self-service")).status_code == 200
    assert mfa_selectors.device_of(user) is not None


def test_remember_this_browser_for_seven_days(account, ram_user_factory, root):
    user = ram_user_factory(account, "remembered")
    security_services.security_preference_update(actor=Actor(root), enable_save_mfa_ticket=True)
    with time_machine.travel(START, tick=False):
        seed = bind_device(user, START)
    moment = START + timedelta(minutes=1)
    client = Client()
    with time_machine.travel(moment, tick=False):
        client.post(LOGON, {"logon_name": user.upn, "password": USER_PASSWORD})
        client.post(reverse("accounts:logon-mfa"), {"code": at(seed, moment), "remember": "on"})
        client.post(reverse("accounts:logout"))
        assert client.post(LOGON, {"logon_name": user.upn, "password": USER_PASSWORD})["Location"] == reverse(
            "accounts:overview"
        )
        client.post(reverse("accounts:logout"))
        assert Client().post(LOGON, {"logon_name": user.upn, "password": USER_PASSWORD})["Location"] == reverse(
            "accounts:logon-mfa"
        )  # another browser
    with time_machine.travel(moment + timedelta(days=7), tick=False):
        assert client.post(LOGON, {"logon_name": user.upn, "password": USER_PASSWORD})["Location"] == reverse(
            "accounts:logon-mfa"
        )


def test_remembered_browser_forgotten_when_setting_turned_off(account, ram_user_factory, root):
    user = ram_user_factory(account, "forgotten")
    security_services.security_preference_update(actor=Actor(root), enable_save_mfa_ticket=True)
    with time_machine.travel(START, tick=False):
        seed = bind_device(user, START)
    moment = START + timedelta(minutes=1)
    client = Client()
    with time_machine.travel(moment, tick=False):
        client.post(LOGON, {"logon_name": user.upn, "password": USER_PASSWORD})
        client.post(reverse("accounts:logon-mfa"), {"code": at(seed, moment), "remember": "on"})
        client.post(reverse("accounts:logout"))
        security_services.security_preference_update(actor=Actor(root), enable_save_mfa_ticket=False)
        assert client.post(LOGON, {"logon_name": user.upn, "password": USER_PASSWORD})["Location"] == reverse(
            "accounts:logon-mfa"
        )


def test_root_account_protection_and_turn_off(account, root, client_for):
    url = reverse("mfa:account-protection")
    with time_machine.travel(START, tick=False):
        client = client_for(root)
        assert "Turn on Account Protection" in client.get(url).content.decode()
        client.post(url, {"step": "choose"})
        wrong = client.post(url, {"method": "password", "password": "nope"})
        assert wrong.context["form"].has_error("password", code="InvalidParameter.Password.Incorrect")
        client.post(url, {"method": "password", "password": ROOT_PASSWORD})
        assert "Install the app" in client.get(url).content.decode()
        client.post(url, {"step": "install"})
        seed = client.get(url).context["manual_key"]
        done = client.post(url, {"code": at(seed, START)})
        assert done["Location"] == reverse("security:root-security-settings")
    assert mfa_selectors.device_of(root) is not None
    later = START + timedelta(minutes=2)
    with time_machine.travel(later, tick=False):
        logon = Client().post(LOGON, {"logon_name": root.email, "password": ROOT_PASSWORD})
        assert logon["Location"] == reverse("accounts:logon-mfa")
        off = reverse("mfa:account-protection-off")
        client = client_for(root)
        assert client.post(off, {"code": "123456"}).context["form"].has_error("code")
        assert client.post(off, {"code": at(seed, later)})["Location"] == reverse("security:root-security-settings")
    assert mfa_selectors.device_of(root) is None


def test_verify_identity_by_mfa_code(account, root, client_for):
    with time_machine.travel(START, tick=False):
        seed = bind_device(root, START)
    later = START + timedelta(minutes=3)
    with time_machine.travel(later, tick=False):
        client = client_for(root)
        verify = reverse("security:root-password-verify")
        form = client.get(verify).context["form"]
        assert form.fields["method"].initial == "mfa"
        response = client.post(verify, {"method": "mfa", "code": at(seed, later)})
        assert response["Location"] == reverse("security:root-password-change")
        assert Event.objects.get(action="VerifyIdentity", result="Success").detail == {"method": "mfa"}


def test_self_service_mfa_follows_manage_mfa_devices(account, plain_user, root, client_for):
    client = client_for(plain_user)
    own = reverse("mfa:own-enable")
    with time_machine.travel(START, tick=False):
        client = client_for(plain_user)
        client.post(own, {"start": "1"})
        seed = client.get(own).context["manual_key"]
        client.post(own, {"code1": at(seed, START, -1), "code2": at(seed, START)})
        assert mfa_selectors.device_of(plain_user) is not None
        assert client.post(reverse("mfa:own-disable"))["Location"] == reverse("security:self-service")
    assert mfa_selectors.device_of(plain_user) is None
    security_services.security_preference_update(actor=Actor(root), allow_user_to_manage_mfa_devices=False)
    client = client_for(plain_user)
    assert client.post(own, {"start": "1"}).status_code == 403
    assert "Enable MFA Device" not in client.get(reverse("security:self-service")).content.decode()


def test_admin_disables_a_users_device(account, ram_user_factory, root, client_for):
    user = ram_user_factory(account, "unbind")
    with time_machine.travel(START, tick=False):
        bind_device(user, START)
    client = client_for(root)
    assert client.post(reverse("mfa:user-disable", args=[user.user_id])).status_code == 302
    assert not VirtualMFADevice.objects.exists()
    assert Event.objects.filter(action="UnbindMFADevice", result="Success").count() == 1


def test_delete_user_removes_the_device(account, ram_user_factory, root, client_for):
    user = ram_user_factory(account, "leaving", password=None)
    with time_machine.travel(START, tick=False):
        bind_device(user, START)
    page = client_for(root).get(reverse("accounts:user-delete", args=[user.user_id])).content.decode()
    assert "An MFA device" in page
    client_for(root).post(reverse("accounts:user-delete", args=[user.user_id]), {"confirm": "on"})
    assert not VirtualMFADevice.objects.exists()


def test_operator_of_another_account_cannot_touch_devices(account, ram_user_factory, account_factory):
    user = ram_user_factory(account, "target")
    other_root = selectors.root_of(account_factory(alias="evil"))
    with pytest.raises(NoPermission):
        mfa_services.mfa_enrolment_start(actor=Actor(other_root), user=user)
    assert not VirtualMFADevice.objects.exists()


def test_an_administrator_enables_its_own_device_from_its_user_page(admin_user, client_for) -> None:
    client = client_for(admin_user)
    page = client.get(reverse("accounts:user-detail", args=[admin_user.user_id])).content.decode()
    assert f'action="{reverse("mfa:own-enable")}"' in page
    assert client.post(reverse("mfa:user-enable", args=[admin_user.user_id]), {"start": "1"}).status_code == 404
    assert client.post(reverse("mfa:own-enable"), {"start": "1"}).status_code == 302
