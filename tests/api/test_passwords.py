"""Password policy, login profiles and ChangePassword through the SDKs (RAM-API.md §7.1-7.3); a
password set through the API opens the console."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Account, Principal
from tests.api.conftest import Api, assert_date, assert_request_id
from tests.conftest import USER_PASSWORD

UPN = "dave@acme.onaliyun.com"
NEW_PASSWORD = "Fresh-pass-2027"


def console_logon(logon_name: str, password: str) -> bool:
    """Whether the console logon page lets `logon_name` in with `password`."""
    client = Client()
    response = client.post(reverse("accounts:logon"), {"logon_name": logon_name, "password": password})
    return response.status_code == 302 and "_auth_user_id" in client.session


@pytest.fixture
def dave(account: Account, ram_user_factory: Callable[..., Principal]) -> Principal:
    """A RAM user without a logon profile."""
    return ram_user_factory(account, "dave", password=None)


class TestPasswordPolicy:
    def test_set_and_get_with_ram_names(self, ram: Api, account: Account) -> None:
        wanted = {
            "MinimumPasswordLength": 12,
            "RequireLowercaseCharacters": True,
            "RequireUppercaseCharacters": True,
            "RequireNumbers": True,
            "RequireSymbols": False,
            "HardExpiry": True,
            "MaxPasswordAge": 90,
            "PasswordReusePrevention": 3,
            "MaxLoginAttemps": 5,
        }
        answer = ram.call("SetPasswordPolicy", **wanted)
        assert_request_id(answer)
        assert answer["PasswordPolicy"] == wanted
        assert ram.call("GetPasswordPolicy")["PasswordPolicy"] == wanted

    def test_set_and_get_with_ims_names(self, ims: Api, sdk, root_key, account: Account) -> None:
        answer = ims.call(
            "SetPasswordPolicy",
            MinimumPasswordLength=10,
            RequireSymbols=True,
            HardExpire=True,
            MinimumPasswordDifferentCharacter=3,
            PasswordNotContainUserName=True,
            MaxPasswordAge=30,
        )["PasswordPolicy"]
        assert answer["MinimumPasswordLength"] == 10
        assert answer["RequireSymbols"] is True
        assert answer["HardExpire"] is True
        assert answer["MinimumPasswordDifferentCharacter"] == 3
        assert answer["PasswordNotContainUserName"] is True
        assert answer["MaxPasswordAge"] == 30
        assert "HardExpiry" not in answer
        assert ims.call("GetPasswordPolicy")["PasswordPolicy"] == answer

        # The same policy, read through RAM: HardExpire is RAM's HardExpiry.
        ram_view = sdk.api("tea-acs3", root_key).call("GetPasswordPolicy")["PasswordPolicy"]
        assert ram_view["HardExpiry"] is True
        assert ram_view["MinimumPasswordLength"] == 10
        assert "MinimumPasswordDifferentCharacter" not in ram_view

    def test_minimum_length_range(self, ram: Api, account: Account) -> None:
        for length in (7, 33):
            error = ram.error("SetPasswordPolicy", MinimumPasswordLength=length)
            assert (error.code, error.status) == ("InvalidParameter.MinimumPasswordLength.Range", 400), length
        for length in (8, 32):
            answer = ram.call("SetPasswordPolicy", MinimumPasswordLength=length)
            assert answer["PasswordPolicy"]["MinimumPasswordLength"] == length

    def test_minimum_length_range_through_ims(self, ims: Api, account: Account) -> None:
        error = ims.error("SetPasswordPolicy", MinimumPasswordLength=33)
        assert (error.code, error.status) == ("InvalidParameter.MinimumPasswordLength.Range", 400)
        assert ims.call("SetPasswordPolicy", MinimumPasswordLength=32)["PasswordPolicy"]["MinimumPasswordLength"] == 32


class TestLoginProfile:
    def test_lifecycle_and_console_logon(self, ram: Api, dave: Principal) -> None:
        created = ram.call("CreateLoginProfile", UserName="dave", Password=USER_PASSWORD, PasswordResetRequired=False)
        assert_request_id(created)
        profile = created["LoginProfile"]
        assert profile["UserName"] == "dave"
        assert profile["PasswordResetRequired"] is False
        assert profile["MFABindRequired"] is False
        assert_date(profile["CreateDate"])

        again = ram.error("CreateLoginProfile", UserName="dave", Password=USER_PASSWORD)
        assert (again.code, again.status) == ("EntityAlreadyExists.User.LoginProfile", 409)

        got = ram.call("GetLoginProfile", UserName="dave")["LoginProfile"]
        assert got == profile
        assert ram.call("GetUser", UserName="dave")["User"]["LastLoginDate"] == ""
        assert console_logon(UPN, USER_PASSWORD)
        assert_date(ram.call("GetUser", UserName="dave")["User"]["LastLoginDate"])

        ram.call("UpdateLoginProfile", UserName="dave", Password=NEW_PASSWORD, MFABindRequired=True)
        got = ram.call("GetLoginProfile", UserName="dave")["LoginProfile"]
        assert got["MFABindRequired"] is True
        assert got["PasswordResetRequired"] is False  # omitted: unchanged
        assert not console_logon(UPN, USER_PASSWORD)

        assert set(ram.call("DeleteLoginProfile", UserName="dave")) == {"RequestId"}
        for action in ("GetLoginProfile", "DeleteLoginProfile"):
            error = ram.error(action, UserName="dave")
            assert (error.code, error.status) == ("EntityNotExist.User.LoginProfile", 404), action
        error = ram.error("UpdateLoginProfile", UserName="dave", Password=NEW_PASSWORD)
        assert (error.code, error.status) == ("EntityNotExist.User.LoginProfile", 404)

    def test_password_set_through_the_api_opens_the_console(self, ram: Api, dave: Principal) -> None:
        ram.call("CreateLoginProfile", UserName="dave", Password=NEW_PASSWORD)
        assert console_logon(UPN, NEW_PASSWORD)

    def test_login_profile_of_unknown_user(self, ram: Api, account: Account) -> None:
        error = ram.error("CreateLoginProfile", UserName="ghost", Password=NEW_PASSWORD)
        assert (error.code, error.status) == ("EntityNotExist.User", 404)

    def test_password_against_the_policy(self, ram: Api, dave: Principal) -> None:
        ram.call("SetPasswordPolicy", MinimumPasswordLength=14, RequireSymbols=True, RequireNumbers=True)
        for weak in ("Short-1", "Long-enough-but-no-digits", "Longenough12345678"):
            error = ram.error("CreateLoginProfile", UserName="dave", Password=weak)
            assert (error.code, error.status) == ("InvalidParameter.Password.TooWeak", 400), weak
        ram.call("CreateLoginProfile", UserName="dave", Password="Strong-enough-2027")
        error = ram.error("UpdateLoginProfile", UserName="dave", Password="Short-1")
        assert (error.code, error.status) == ("InvalidParameter.Password.TooWeak", 400)
        assert console_logon(UPN, "Strong-enough-2027")

    def test_ims_login_profile_by_upn(self, ims: Api, dave: Principal) -> None:
        profile = ims.call("CreateLoginProfile", UserPrincipalName=UPN, Password=USER_PASSWORD, Status="Active")[
            "LoginProfile"
        ]
        assert profile["UserPrincipalName"] == UPN
        assert profile["Status"] == "Active"
        assert_date(profile["UpdateDate"])
        assert console_logon(UPN, USER_PASSWORD)

        updated = ims.call("UpdateLoginProfile", UserPrincipalName=UPN, Status="Inactive")["LoginProfile"]
        assert updated["Status"] == "Inactive"
        assert ims.call("GetLoginProfile", UserPrincipalName=UPN)["LoginProfile"]["Status"] == "Inactive"
        assert not console_logon(UPN, USER_PASSWORD)

        ims.call("DeleteLoginProfile", UserPrincipalName=UPN)
        error = ims.error("GetLoginProfile", UserPrincipalName=UPN)
        assert (error.code, error.status) == ("EntityNotExist.User.LoginProfile", 404)

    def test_ims_login_profile_reports_password_status(self, ims: Api, dave: Principal) -> None:
        profile = ims.call("CreateLoginProfile", UserPrincipalName=UPN, Password=USER_PASSWORD)["LoginProfile"]
        assert profile["PasswordStatus"] in {"NotInitial", "InitialValid", "InitialExpired"}


class TestChangePassword:
    def test_ram_user_changes_own_password(
        self, sdk, ram_kind: str, make_key, account: Account, ram_user_factory: Callable[..., Principal]
    ) -> None:
        carol = ram_user_factory(account, "carol")
        own = sdk.api(ram_kind, make_key(carol))

        wrong = own.error("ChangePassword", OldPassword="not-my-password", NewPassword=NEW_PASSWORD)
        assert (wrong.code, wrong.status) == ("InvalidParameter.OldPassword.Incorrect", 400)
        assert console_logon("carol@acme.onaliyun.com", USER_PASSWORD)

        answer = own.call("ChangePassword", OldPassword=USER_PASSWORD, NewPassword=NEW_PASSWORD)
        assert set(answer) == {"RequestId"}
        assert console_logon("carol@acme.onaliyun.com", NEW_PASSWORD)
        assert not console_logon("carol@acme.onaliyun.com", USER_PASSWORD)

    def test_new_password_against_the_policy(
        self, sdk, make_key, account: Account, ram_user_factory: Callable[..., Principal], root_key
    ) -> None:
        carol = ram_user_factory(account, "carol")
        sdk.api("tea-acs3", root_key).call("SetPasswordPolicy", MinimumPasswordLength=20)
        error = sdk.api("tea-acs3", make_key(carol)).error(
            "ChangePassword", OldPassword=USER_PASSWORD, NewPassword=NEW_PASSWORD
        )
        assert (error.code, error.status) == ("InvalidParameter.NewPassword.TooWeak", 400)

    def test_root_key_cannot_change_password(self, ram: Api, account: Account) -> None:
        error = ram.error("ChangePassword", OldPassword="Root-pass-2026", NewPassword=NEW_PASSWORD)
        assert (error.code, error.status) == ("NotSupport.Account", 400)

    def test_ims_change_password(self, sdk, make_key, account: Account, ram_user_factory) -> None:
        carol = ram_user_factory(account, "carol")
        sdk.api("ims", make_key(carol)).call("ChangePassword", OldPassword=USER_PASSWORD, NewPassword=NEW_PASSWORD)
        assert console_logon("carol@acme.onaliyun.com", NEW_PASSWORD)
