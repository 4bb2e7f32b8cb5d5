"""System policies on users through the SDKs (RAM only, RAM-API.md §7.11)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from accounts.models import Account, Principal
from tests.api.conftest import Api, assert_date, assert_request_id

READ_ONLY = "AliyunRAMReadOnlyAccess"


@pytest.fixture
def dave(account: Account, ram_user_factory: Callable[..., Principal]) -> Principal:
    return ram_user_factory(account, "dave", password=None)


def test_attach_list_detach(ram: Api, dave: Principal) -> None:
    assert ram.call("ListPoliciesForUser", UserName="dave")["Policies"]["Policy"] == []
    attached = ram.call("AttachPolicyToUser", PolicyType="System", PolicyName=READ_ONLY, UserName="dave")
    assert set(attached) == {"RequestId"}
    assert_request_id(attached)

    [policy] = ram.call("ListPoliciesForUser", UserName="dave")["Policies"]["Policy"]
    assert policy["PolicyName"] == READ_ONLY
    assert policy["PolicyType"] == "System"
    assert policy["DefaultVersion"] == "v1"
    assert_date(policy["AttachDate"])

    again = ram.error("AttachPolicyToUser", PolicyType="System", PolicyName=READ_ONLY, UserName="dave")
    assert (again.code, again.status) == ("EntityAlreadyExists.User.Policy", 409)
    conflict = ram.error("DeleteUser", UserName="dave")
    assert (conflict.code, conflict.status) == ("DeleteConflict.User.Policy", 409)

    assert set(ram.call("DetachPolicyFromUser", PolicyType="System", PolicyName=READ_ONLY, UserName="dave")) == {
        "RequestId"
    }
    assert ram.call("ListPoliciesForUser", UserName="dave")["Policies"]["Policy"] == []
    missing = ram.error("DetachPolicyFromUser", PolicyType="System", PolicyName=READ_ONLY, UserName="dave")
    assert (missing.code, missing.status) == ("EntityNotExist.User.Policy", 404)
    ram.call("DeleteUser", UserName="dave")


@pytest.mark.parametrize("policy_type", ["Bogus", "system"])
def test_invalid_policy_type(ram: Api, dave: Principal, policy_type: str) -> None:
    error = ram.error("AttachPolicyToUser", PolicyType=policy_type, PolicyName=READ_ONLY, UserName="dave")
    assert (error.code, error.status) == ("InvalidParameter.PolicyType", 400)


def test_unknown_system_policy(ram: Api, dave: Principal) -> None:
    for action in ("AttachPolicyToUser", "DetachPolicyFromUser"):
        error = ram.error(action, PolicyType="System", PolicyName="AliyunNoSuchPolicy", UserName="dave")
        assert (error.code, error.status) == ("EntityNotExist.Policy", 404), action


def test_policy_on_unknown_user(ram: Api, account: Account) -> None:
    error = ram.error("AttachPolicyToUser", PolicyType="System", PolicyName=READ_ONLY, UserName="ghost")
    assert (error.code, error.status) == ("EntityNotExist.User", 404)
    error = ram.error("ListPoliciesForUser", UserName="ghost")
    assert (error.code, error.status) == ("EntityNotExist.User", 404)


def test_custom_policy_type_is_a_valid_type(ram: Api, dave: Principal) -> None:
    error = ram.error("AttachPolicyToUser", PolicyType="Custom", PolicyName="MyPolicy", UserName="dave")
    assert (error.code, error.status) == ("EntityNotExist.Policy", 404)
