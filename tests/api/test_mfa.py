"""Virtual MFA devices through the SDKs (RAM-API.md §7.7), with real TOTP codes from the seed."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable

import pyotp
import pytest

from accounts.actors import Actor
from accounts.models import Account, Principal
from mfa import services as mfa_services
from tests.api.conftest import Api, Key, SdkFactory, assert_date, assert_request_id, raw_call, signed_v1_query

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def dave(account: Account, ram_user_factory: Callable[..., Principal]) -> Principal:
    return ram_user_factory(account, "dave", password=None)


def consecutive_codes(seed: str) -> tuple[str, str]:
    totp = pyotp.TOTP(seed)
    now = time.time()
    return totp.at(now - 30), totp.at(now)


def create_device(api: Api, name: str) -> dict[str, str]:
    answer = api.call("CreateVirtualMFADevice", VirtualMFADeviceName=name)
    assert_request_id(answer)
    return answer["VirtualMFADevice"]


def test_device_lifecycle(ram: Api, account: Account, dave: Principal) -> None:
    device = create_device(ram, "dave-phone")
    serial = device["SerialNumber"]
    assert serial == f"acs:ram::{account.account_id}:mfa/dave-phone"
    assert base64.b32decode(device["Base32StringSeed"])
    assert base64.b64decode(device["QRCodePNG"]).startswith(PNG_MAGIC)

    [unbound] = ram.call("ListVirtualMFADevices")["VirtualMFADevices"]["VirtualMFADevice"]
    assert unbound["SerialNumber"] == serial
    assert "User" not in unbound

    code1, code2 = consecutive_codes(device["Base32StringSeed"])
    bound = ram.call(
        "BindMFADevice", SerialNumber=serial, UserName="dave", AuthenticationCode1=code1, AuthenticationCode2=code2
    )
    assert set(bound) == {"RequestId"}

    info = ram.call("GetUserMFAInfo", UserName="dave")["MFADevice"]
    assert info == {"SerialNumber": serial, "Type": "VMFA"}
    [listed] = ram.call("ListVirtualMFADevices")["VirtualMFADevices"]["VirtualMFADevice"]
    assert listed["SerialNumber"] == serial
    assert listed["User"]["UserName"] == "dave"
    assert listed["User"]["UserId"] == dave.user_id
    assert_date(listed["ActivateDate"])

    conflict = ram.error("DeleteVirtualMFADevice", SerialNumber=serial)
    assert (conflict.code, conflict.status) == ("DeleteConflict.VirtualMFADevice.User", 409)
    conflict = ram.error("DeleteUser", UserName="dave")
    assert (conflict.code, conflict.status) == ("DeleteConflict.User.MFADevice", 409)

    unbound_answer = ram.call("UnbindMFADevice", UserName="dave")
    assert unbound_answer["MFADevice"] == {"SerialNumber": serial}
    missing = ram.error("GetUserMFAInfo", UserName="dave")
    assert (missing.code, missing.status) == ("EntityNotExist.User.MFADevice", 404)
    [kept] = ram.call("ListVirtualMFADevices")["VirtualMFADevices"]["VirtualMFADevice"]
    assert kept["SerialNumber"] == serial and "User" not in kept

    assert set(ram.call("DeleteVirtualMFADevice", SerialNumber=serial)) == {"RequestId"}
    assert ram.call("ListVirtualMFADevices")["VirtualMFADevices"]["VirtualMFADevice"] == []
    gone = ram.error("DeleteVirtualMFADevice", SerialNumber=serial)
    assert (gone.code, gone.status) == ("EntityNotExist.VirtualMFADevice", 404)


def test_bind_errors(ram: Api, account: Account, dave: Principal, ram_user_factory) -> None:
    device = create_device(ram, "dave-phone")
    serial, seed = device["SerialNumber"], device["Base32StringSeed"]

    wrong = ram.error(
        "BindMFADevice",
        SerialNumber=serial,
        UserName="dave",
        AuthenticationCode1="000000",
        AuthenticationCode2="000001",
    )
    assert (wrong.code, wrong.status) == ("CheckAuthenticationCodeFail", 403)
    malformed = ram.error(
        "BindMFADevice", SerialNumber=serial, UserName="dave", AuthenticationCode1="12ab", AuthenticationCode2="123456"
    )
    assert (malformed.code, malformed.status) == ("InvalidParameter.AuthenticationCode.Format", 400)

    code1, code2 = consecutive_codes(seed)
    ram.call(
        "BindMFADevice", SerialNumber=serial, UserName="dave", AuthenticationCode1=code1, AuthenticationCode2=code2
    )
    ram_user_factory(account, "erin", password=None)
    taken = ram.error(
        "BindMFADevice", SerialNumber=serial, UserName="erin", AuthenticationCode1=code1, AuthenticationCode2=code2
    )
    assert (taken.code, taken.status) == ("EntityAlreadyExists.VirtualMFADevice.User", 409)

    duplicate = ram.error("CreateVirtualMFADevice", VirtualMFADeviceName="dave-phone")
    assert (duplicate.code, duplicate.status) == ("EntityAlreadyExists.VirtualMFADevice", 409)


def test_invalid_device_names(ram: Api, account: Account) -> None:
    error = ram.error("CreateVirtualMFADevice", VirtualMFADeviceName="bad name!")
    assert (error.code, error.status) == ("InvalidParameter.VirtualMFADeviceName.InvalidChars", 400)
    error = ram.error("CreateVirtualMFADevice", VirtualMFADeviceName="d" * 65)
    assert (error.code, error.status) == ("InvalidParameter.VirtualMFADeviceName.Length", 400)


class TestIms:
    upn = "dave@acme.onaliyun.com"

    def _bind(self, ims: Api, name: str = "dave-phone") -> str:
        device = create_device(ims, name)
        code1, code2 = consecutive_codes(device["Base32StringSeed"])
        ims.call(
            "BindMFADevice",
            SerialNumber=device["SerialNumber"],
            UserPrincipalName=self.upn,
            AuthenticationCode1=code1,
            AuthenticationCode2=code2,
        )
        return device["SerialNumber"]

    def test_user_mfa_info_and_list(self, ims: Api, dave: Principal) -> None:
        assert ims.call("GetUserMFAInfo", UserPrincipalName=self.upn)["IsMFAEnable"] is False
        serial = self._bind(ims)
        info = ims.call("GetUserMFAInfo", UserPrincipalName=self.upn)
        assert info["IsMFAEnable"] is True
        assert info["MFADevice"]["SerialNumber"] == serial
        listed = ims.call("ListVirtualMFADevices")
        assert listed["IsTruncated"] is False
        [device] = listed["VirtualMFADevices"]["VirtualMFADevice"]
        assert device["User"]["UserPrincipalName"] == self.upn

        assert ims.call("UnbindMFADevice", UserPrincipalName=self.upn)["MFADevice"]["SerialNumber"] == serial
        assert ims.call("GetUserMFAInfo", UserPrincipalName=self.upn)["IsMFAEnable"] is False

    def test_disable_virtual_mfa_unbinds_and_deletes(self, ims: Api, dave: Principal) -> None:
        self._bind(ims)
        assert set(ims.call("DisableVirtualMFA", UserPrincipalName=self.upn)) == {"RequestId"}
        assert ims.call("GetUserMFAInfo", UserPrincipalName=self.upn)["IsMFAEnable"] is False
        assert ims.call("ListVirtualMFADevices")["VirtualMFADevices"]["VirtualMFADevice"] == []
        error = ims.error("DisableVirtualMFA", UserPrincipalName=self.upn)
        assert (error.code, error.status) == ("EntityNotExist.User.MFADevice", 404)

    def test_ims_list_virtual_mfa_devices_pages(self, ims: Api, account: Account) -> None:
        for name in ("d0", "d1", "d2"):
            create_device(ims, name)
        first = ims.call("ListVirtualMFADevices", MaxItems=2)
        assert len(first["VirtualMFADevices"]["VirtualMFADevice"]) == 2
        assert first["IsTruncated"] is True
        rest = ims.call("ListVirtualMFADevices", MaxItems=2, Marker=first["Marker"])
        assert len(rest["VirtualMFADevices"]["VirtualMFADevice"]) == 1
        assert rest["IsTruncated"] is False

    def test_account_mfa_info(self, ims: Api, root: Principal) -> None:
        answer = ims.call("GetAccountMFAInfo")
        assert_request_id(answer)
        assert answer["IsMFAEnable"] is False

        actor = Actor(principal=root)
        enrolment = mfa_services.mfa_enrolment_start(actor=actor, user=root)
        mfa_services.mfa_root_enable(actor=actor, device=enrolment.device, code=pyotp.TOTP(enrolment.seed).now())
        assert ims.call("GetAccountMFAInfo")["IsMFAEnable"] is True

    def test_account_mfa_info_is_ims_only(self, sdk: SdkFactory, root_key: Key) -> None:
        """GetAccountMFAInfo and DisableVirtualMFA do not exist in RAM 2015-05-01 (RAM-API.md §1)."""
        for action in ("GetAccountMFAInfo", "DisableVirtualMFA"):
            response = raw_call(sdk.endpoint, signed_v1_query(root_key, action))
            assert (response.body["Code"], response.status) == ("InvalidAction.NotFound", 404)
