"""Security preference through the SDKs (RAM-API.md §7.4): the nested answer, ranges, kept values."""

from __future__ import annotations

from accounts.models import Account
from tests.api.conftest import Api, assert_request_id


def test_set_and_get_nested_structure(ram: Api, account: Account) -> None:
    answer = ram.call(
        "SetSecurityPreference",
        AllowUserToChangePassword=False,
        AllowUserToManageAccessKeys=True,
        AllowUserToManageMFADevices=False,
        EnableSaveMFATicket=True,
        LoginSessionDuration=12,
        LoginNetworkMasks="192.168.0.0/16;10.0.0.0/8",
    )
    assert_request_id(answer)
    expected = {
        "LoginProfilePreference": {
            "AllowUserToChangePassword": False,
            "EnableSaveMFATicket": True,
            "LoginNetworkMasks": "192.168.0.0/16;10.0.0.0/8",
            "LoginSessionDuration": 12,
        },
        "AccessKeyPreference": {"AllowUserToManageAccessKeys": True},
        "MFAPreference": {"AllowUserToManageMFADevices": False},
        "PublicKeyPreference": {"AllowUserToManagePublicKeys": False},
    }
    assert answer["SecurityPreference"] == expected
    assert ram.call("GetSecurityPreference")["SecurityPreference"] == expected


def test_defaults_and_omitted_settings_stay(ram: Api, account: Account) -> None:
    before = ram.call("GetSecurityPreference")["SecurityPreference"]
    assert before["LoginProfilePreference"] == {
        "AllowUserToChangePassword": True,
        "EnableSaveMFATicket": False,
        "LoginNetworkMasks": "",
        "LoginSessionDuration": 6,
    }
    assert before["AccessKeyPreference"] == {"AllowUserToManageAccessKeys": False}
    assert before["MFAPreference"] == {"AllowUserToManageMFADevices": True}

    after = ram.call("SetSecurityPreference", LoginSessionDuration=24)["SecurityPreference"]
    assert after["LoginProfilePreference"]["LoginSessionDuration"] == 24
    assert after["MFAPreference"] == before["MFAPreference"]
    assert after["AccessKeyPreference"] == before["AccessKeyPreference"]


def test_login_session_duration_range(ram: Api, account: Account) -> None:
    for hours in (25, 0):
        error = ram.error("SetSecurityPreference", LoginSessionDuration=hours)
        assert (error.code, error.status) == ("InvalidParameter.LoginSessionDuration.Range", 400), hours
    preference = ram.call("GetSecurityPreference")["SecurityPreference"]
    assert preference["LoginProfilePreference"]["LoginSessionDuration"] == 6  # nothing was written


def test_ims_security_preference(ims: Api, account: Account) -> None:
    answer = ims.call("SetSecurityPreference", AllowUserToManageAccessKeys=True, LoginSessionDuration=8)
    preference = answer["SecurityPreference"]
    assert preference["AccessKeyPreference"]["AllowUserToManageAccessKeys"] is True
    assert preference["LoginProfilePreference"]["LoginSessionDuration"] == 8
    assert "PublicKeyPreference" not in preference  # RAM only
    assert ims.call("GetSecurityPreference")["SecurityPreference"] == preference
    error = ims.error("SetSecurityPreference", LoginSessionDuration=25)
    assert (error.code, error.status) == ("InvalidParameter.LoginSessionDuration.Range", 400)


def test_ims_only_preferences_are_refused_not_ignored(ims: Api, account: Account) -> None:
    """The sandbox does not model idle-user disabling, passkeys...: it answers their fixed values
    and refuses any other, instead of storing a setting that would never bite."""
    preference = ims.call("GetSecurityPreference")["SecurityPreference"]
    assert preference["MaxIdleDays"] == {"MaxIdleDaysForAccessKeys": 730, "MaxIdleDaysForUsers": 730}
    error = ims.error("SetSecurityPreference", MaxIdleDaysForUsers=90)
    assert (error.code, error.status) == ("InvalidParameter.MaxIdleDaysForUsers.NotSupported", 400)
    ims.call("SetSecurityPreference", MaxIdleDaysForUsers=730, AllowUserToChangePassword=False)
    assert (
        ims.call("GetSecurityPreference")["SecurityPreference"]["LoginProfilePreference"]["AllowUserToChangePassword"]
        is False
    )
