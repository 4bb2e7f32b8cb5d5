"""Parity: for each rule, the console form and the API action refuse with the same code."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from accesskeys import services as key_services
from accounts.actors import Actor
from accounts.models import Account, Principal
from security.models import Event
from tests.api.conftest import Api, Key
from tests.conftest import POLICY_FORM, PREFERENCE_FORM


def _form_codes(response, field: str) -> set[str]:
    return {error.code for error in response.context["form"].errors.as_data()[field]}


@pytest.fixture
def console(root: Principal, client_for: Callable[[Principal], Client]) -> Client:
    return client_for(root)


@pytest.mark.parametrize("length", [7, 33])
def test_password_length_range(ram: Api, console: Client, length: int) -> None:
    form = console.post(reverse("security:password-policy"), {**POLICY_FORM, "minimum_length": length})
    api = ram.error("SetPasswordPolicy", MinimumPasswordLength=length)
    assert _form_codes(form, "minimum_length") == {api.code} == {"InvalidParameter.MinimumPasswordLength.Range"}


@pytest.mark.parametrize("name", ["bad name", "dev@ops", "émile"])
def test_user_name_rules(ram: Api, console: Client, name: str) -> None:
    code = "InvalidChars"
    form = console.post(reverse("accounts:user-create"), {"name": name, "display_name": "x"})
    api = ram.error("CreateUser", UserName=name)
    assert _form_codes(form, "name") == {api.code} == {f"InvalidParameter.UserName.{code}"}


def test_duplicate_user(ram: Api, console: Client, account: Account, ram_user_factory) -> None:
    ram_user_factory(account, "taken")
    form = console.post(reverse("accounts:user-create"), {"name": "TAKEN", "display_name": "x"})
    api = ram.error("CreateUser", UserName="TAKEN")
    assert _form_codes(form, "name") == {api.code} == {"EntityAlreadyExists.User"}


def test_session_duration_range(ram: Api, console: Client) -> None:
    form = console.post(
        reverse("security:security-preference"), {**PREFERENCE_FORM, "login_session_duration_hours": 25}
    )
    api = ram.error("SetSecurityPreference", LoginSessionDuration=25)
    assert _form_codes(form, "login_session_duration_hours") == {api.code}
    assert api.code == "InvalidParameter.LoginSessionDuration.Range"


def test_bad_login_mask(ram: Api, console: Client) -> None:
    form = console.post(reverse("security:security-preference"), {**PREFERENCE_FORM, "login_network_masks": "nope"})
    api = ram.error("SetSecurityPreference", LoginNetworkMasks="nope")
    assert _form_codes(form, "login_network_masks") == {api.code} == {"InvalidParameter.LoginNetworkMasks.Format"}


def test_weak_password_for_a_login_profile(ram: Api, console: Client, account: Account, ram_user_factory) -> None:
    user = ram_user_factory(account, "weak", password=None)
    form = console.post(
        reverse("accounts:login-profile-create", args=[user.user_id]),
        {"console_password_enabled": "true", "password_mode": "custom", "password": "short"},
    )
    api = ram.error("CreateLoginProfile", UserName="weak", Password="short")
    assert _form_codes(form, "password") == {api.code} == {"InvalidParameter.Password.TooWeak"}


def test_third_access_key(
    ram: Api, console: Client, account: Account, root: Principal, ram_user_factory, make_key: Callable[..., Key]
) -> None:
    user = ram_user_factory(account, "keys", password=None)
    for _ in range(2):
        key_services.access_key_create(actor=Actor(root), user=user)
    console.post(reverse("accesskeys:user-create", args=[user.user_id]))
    api = ram.error("CreateAccessKey", UserName="keys")
    refusals = Event.objects.filter(action="CreateAccessKey").exclude(result="Success").order_by("id")
    console_code = refusals.first().result  # the console's attempt came first
    assert refusals.count() == 2
    assert console_code == api.code == "LimitExceeded.User.AccessKey"
