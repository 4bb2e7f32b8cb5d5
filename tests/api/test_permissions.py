"""Who may call what with their keys: read-only, self-service, administrators, other accounts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from accounts import selectors
from accounts.models import Account, Principal
from tests.api.conftest import Api, Key, SdkFactory


@pytest.fixture
def as_user(sdk: SdkFactory, ram_kind: str, make_key: Callable[[Principal], Key]) -> Callable[[Principal], Api]:
    """A RAM client of this test's kind, signed with a new key of the principal."""
    return lambda principal: sdk.api(ram_kind, make_key(principal))


def test_read_only_user_reads_but_cannot_write(
    as_user: Callable[[Principal], Api], readonly_user: Principal, plain_user: Principal
) -> None:
    bob = as_user(readonly_user)
    assert bob.call("GetUser", UserName="carol")["User"]["UserName"] == "carol"
    assert {user["UserName"] for user in bob.call("ListUsers")["Users"]["User"]} == {"bob", "carol"}
    assert bob.call("GetPasswordPolicy")["PasswordPolicy"]["MinimumPasswordLength"] == 8
    assert bob.call("ListPoliciesForUser", UserName="carol")["Policies"]["Policy"] == []

    for action, params in [
        ("CreateUser", {"UserName": "mallory", "DisplayName": "Mallory"}),
        ("DeleteUser", {"UserName": "carol"}),
        ("SetPasswordPolicy", {"MinimumPasswordLength": 8}),
        ("AttachPolicyToUser", {"PolicyType": "System", "PolicyName": "AliyunRAMFullAccess", "UserName": "bob"}),
    ]:
        error = bob.error(action, **params)
        assert (error.code, error.status) == ("NoPermission", 403), action
    assert not Principal.objects.filter(account=readonly_user.account, name="mallory").exists()


def test_plain_user_only_sees_itself(
    as_user: Callable[[Principal], Api], plain_user: Principal, readonly_user: Principal
) -> None:
    carol = as_user(plain_user)
    assert carol.call("GetUser", UserName="carol")["User"]["UserName"] == "carol"
    for action, params in [
        ("ListUsers", {}),
        ("GetUser", {"UserName": "bob"}),
        ("CreateUser", {"UserName": "mallory", "DisplayName": "Mallory"}),
        ("GetSecurityPreference", {}),
    ]:
        error = carol.error(action, **params)
        assert (error.code, error.status) == ("NoPermission", 403), action


def test_self_service_keys_follow_the_security_preference(
    as_user: Callable[[Principal], Api], plain_user: Principal, ram: Api
) -> None:
    carol = as_user(plain_user)
    error = carol.error("CreateAccessKey")
    assert (error.code, error.status) == ("NoPermission", 403)
    ram.call("SetSecurityPreference", AllowUserToManageAccessKeys=True)
    created = carol.call("CreateAccessKey")["AccessKey"]
    listed = carol.call("ListAccessKeys")["AccessKeys"]["AccessKey"]
    assert created["AccessKeyId"] in {key["AccessKeyId"] for key in listed}


def test_administrator_key_manages_users(as_user: Callable[[Principal], Api], admin_user: Principal) -> None:
    alice = as_user(admin_user)
    assert alice.call("CreateUser", UserName="dave", DisplayName="Dave")["User"]["UserName"] == "dave"
    alice.call("DeleteUser", UserName="dave")


def test_other_accounts_users_are_invisible(
    as_user: Callable[[Principal], Api],
    plain_user: Principal,
    account_factory: Callable[..., Account],
) -> None:
    other = account_factory(alias="globex")
    outsider = as_user(selectors.root_of(other))
    for action, params in [
        ("GetUser", {}),
        ("DeleteUser", {}),
        ("ListAccessKeys", {}),
        ("CreateLoginProfile", {"Password": "Whatever-2027"}),
    ]:
        error = outsider.error(action, UserName="carol", **params)
        assert (error.code, error.status) == ("EntityNotExist.User", 404), action
    assert outsider.call("ListUsers")["Users"]["User"] == []
    assert selectors.ram_user_get(account=plain_user.account, user_id=plain_user.user_id).name == "carol"


def test_other_accounts_users_are_invisible_through_ims(
    sdk: SdkFactory,
    make_key: Callable[[Principal], Key],
    plain_user: Principal,
    account_factory: Callable[..., Account],
) -> None:
    outsider = sdk.api("ims", make_key(selectors.root_of(account_factory(alias="globex"))))
    for params in ({"UserPrincipalName": "carol@acme.onaliyun.com"}, {"UserId": plain_user.user_id}):
        error = outsider.error("GetUser", **params)
        assert (error.code, error.status) == ("EntityNotExist.User", 404), params
    error = outsider.error("CreateUser", UserPrincipalName="eve@acme.onaliyun.com", DisplayName="Eve")
    assert (error.code, error.status) == ("InvalidParameter.UserPrincipalName.Format", 400)
