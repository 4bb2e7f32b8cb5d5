"""AccessKeys through the SDKs (RAM-API.md §7.6): the secret once, two per identity, status, last use."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import Account, Principal
from tests.api.conftest import Api, Key, SdkFactory, assert_date, assert_request_id

KEY_ID = re.compile(r"LTAI[A-Za-z0-9]{20}")
SECRET = re.compile(r"[A-Za-z0-9]{30}")


@pytest.fixture
def dave(account: Account, ram_user_factory: Callable[..., Principal]) -> Principal:
    return ram_user_factory(account, "dave", password=None)


def _create(api: Api, **owner: str) -> Key:
    answer = api.call("CreateAccessKey", **owner)
    assert_request_id(answer)
    created = answer["AccessKey"]
    assert KEY_ID.fullmatch(created["AccessKeyId"])
    assert SECRET.fullmatch(created["AccessKeySecret"])
    assert created["Status"] == "Active"
    assert_date(created["CreateDate"])
    return Key(created["AccessKeyId"], created["AccessKeySecret"])


def test_two_keys_per_user_and_the_secret_only_once(ram: Api, dave: Principal) -> None:
    first = _create(ram, UserName="dave")
    second = _create(ram, UserName="dave")
    error = ram.error("CreateAccessKey", UserName="dave")
    assert (error.code, error.status) == ("LimitExceeded.User.AccessKey", 409)

    listed = ram.call("ListAccessKeys", UserName="dave")
    keys = listed["AccessKeys"]["AccessKey"]
    assert sorted(key["AccessKeyId"] for key in keys) == sorted([first.access_key_id, second.access_key_id])
    assert all(key["Status"] == "Active" for key in keys)
    for key in keys:
        assert "AccessKeySecret" not in key
        assert_date(key["CreateDate"])
    assert first.secret not in json.dumps(listed)
    assert second.secret not in json.dumps(listed)


def test_created_key_signs_calls(ram: Api, sdk: SdkFactory, dave: Principal) -> None:
    key = _create(ram, UserName="dave")
    own = sdk.api(ram.kind, key)
    assert own.call("GetUser", UserName="dave")["User"]["UserName"] == "dave"


def test_root_keys_when_no_user_is_named(ram: Api, root_key: Key) -> None:
    created = _create(ram)
    listed = ram.call("ListAccessKeys")["AccessKeys"]["AccessKey"]
    assert sorted(key["AccessKeyId"] for key in listed) == sorted([root_key.access_key_id, created.access_key_id])
    error = ram.error("CreateAccessKey")
    assert (error.code, error.status) == ("LimitExceeded.User.AccessKey", 409)


def test_inactive_key_no_longer_signs(ram: Api, sdk: SdkFactory, dave: Principal) -> None:
    key = _create(ram, UserName="dave")
    own = sdk.api(ram.kind, key)
    assert set(ram.call("UpdateAccessKey", UserName="dave", UserAccessKeyId=key.access_key_id, Status="Inactive")) == {
        "RequestId"
    }
    [listed] = ram.call("ListAccessKeys", UserName="dave")["AccessKeys"]["AccessKey"]
    assert listed["Status"] == "Inactive"

    error = own.error("GetUser", UserName="dave")
    assert (error.code, error.status) == ("InvalidAccessKeyId.Inactive", 400)

    ram.call("UpdateAccessKey", UserName="dave", UserAccessKeyId=key.access_key_id, Status="Active")
    assert own.call("GetUser", UserName="dave")["User"]["UserName"] == "dave"


def test_update_with_a_bad_status_or_unknown_key(ram: Api, dave: Principal) -> None:
    key = _create(ram, UserName="dave")
    error = ram.error("UpdateAccessKey", UserName="dave", UserAccessKeyId=key.access_key_id, Status="Paused")
    assert (error.code, error.status) == ("InvalidParameter.Status", 400)
    error = ram.error("UpdateAccessKey", UserName="dave", UserAccessKeyId="LTAI" + "x" * 20, Status="Inactive")
    assert (error.code, error.status) == ("EntityNotExist.User.AccessKey", 404)


def test_delete_access_key(ram: Api, sdk: SdkFactory, dave: Principal) -> None:
    doomed = _create(ram, UserName="dave")
    kept = _create(ram, UserName="dave")
    assert set(ram.call("DeleteAccessKey", UserName="dave", UserAccessKeyId=doomed.access_key_id)) == {"RequestId"}
    listed = ram.call("ListAccessKeys", UserName="dave")["AccessKeys"]["AccessKey"]
    assert [key["AccessKeyId"] for key in listed] == [kept.access_key_id]

    error = ram.error("DeleteAccessKey", UserName="dave", UserAccessKeyId=doomed.access_key_id)
    assert (error.code, error.status) == ("EntityNotExist.User.AccessKey", 404)
    error = sdk.api(ram.kind, doomed).error("GetUser", UserName="dave")
    assert (error.code, error.status) == ("InvalidAccessKeyId.NotFound", 404)


def test_last_used_date_follows_a_signed_call(ram: Api, sdk: SdkFactory, dave: Principal) -> None:
    key = _create(ram, UserName="dave")
    never = ram.call("GetAccessKeyLastUsed", UserName="dave", UserAccessKeyId=key.access_key_id)
    assert never["AccessKeyLastUsed"]["LastUsedDate"] == ""

    before = datetime.now(UTC).replace(microsecond=0)
    sdk.api(ram.kind, key).call("GetUser", UserName="dave")
    used = ram.call("GetAccessKeyLastUsed", UserName="dave", UserAccessKeyId=key.access_key_id)
    last_used = assert_date(used["AccessKeyLastUsed"]["LastUsedDate"])
    assert before <= last_used <= datetime.now(UTC) + timedelta(seconds=1)

    error = ram.error("GetAccessKeyLastUsed", UserName="dave", UserAccessKeyId="LTAI" + "y" * 20)
    assert (error.code, error.status) == ("EntityNotExist.User.AccessKey", 404)


def test_keys_of_unknown_user(ram: Api, account: Account) -> None:
    error = ram.error("CreateAccessKey", UserName="ghost")
    assert (error.code, error.status) == ("EntityNotExist.User", 404)


def test_user_with_keys_cannot_be_deleted(ram: Api, dave: Principal) -> None:
    _create(ram, UserName="dave")
    error = ram.error("DeleteUser", UserName="dave")
    assert (error.code, error.status) == ("DeleteConflict.User.AccessKey", 409)


def test_ims_access_keys_by_upn(ims: Api, sdk: SdkFactory, dave: Principal) -> None:
    upn = "dave@acme.onaliyun.com"
    key = _create(ims, UserPrincipalName=upn)
    [listed] = ims.call("ListAccessKeys", UserPrincipalName=upn)["AccessKeys"]["AccessKey"]
    assert listed["AccessKeyId"] == key.access_key_id
    assert_date(listed["UpdateDate"])

    sdk.api("ims", key).call("GetUser", UserPrincipalName=upn)
    used = ims.call("GetAccessKeyLastUsed", UserPrincipalName=upn, UserAccessKeyId=key.access_key_id)
    assert_date(used["AccessKeyLastUsed"]["LastUsedDate"])

    ims.call("UpdateAccessKey", UserPrincipalName=upn, UserAccessKeyId=key.access_key_id, Status="Inactive")
    error = sdk.api("ims", key).error("GetUser", UserPrincipalName=upn)
    assert (error.code, error.status) == ("InvalidAccessKeyId.Inactive", 400)
    ims.call("DeleteAccessKey", UserPrincipalName=upn, UserAccessKeyId=key.access_key_id)
    assert ims.call("ListAccessKeys", UserPrincipalName=upn)["AccessKeys"]["AccessKey"] == []
