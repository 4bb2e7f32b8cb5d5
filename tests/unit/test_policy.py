"""The policy layer's rules, each tested on both sides of every bound."""

from __future__ import annotations

import pytest

from accounts.models import Account, Principal, SystemPolicy
from security import policy
from security.errors import InvalidParameter, LimitExceeded, NoPermission


@pytest.mark.parametrize("name", ["a", "A" * 64, "dev.ops_team-1", "0"])
def test_check_user_name_accepts_valid_names(name: str) -> None:
    policy.check_user_name(name)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "InvalidParameter.UserName.Length"),
        ("a" * 65, "InvalidParameter.UserName.Length"),
        ("bad name", "InvalidParameter.UserName.InvalidChars"),
        ("alice@corp", "InvalidParameter.UserName.InvalidChars"),
        ("émile", "InvalidParameter.UserName.InvalidChars"),
        ("nl\n", "InvalidParameter.UserName.InvalidChars"),  # would split its credential report row
    ],
)
def test_check_user_name_refuses(name: str, code: str) -> None:
    with pytest.raises(InvalidParameter) as refused:
        policy.check_user_name(name)
    assert refused.value.code == code
    assert refused.value.field == "name"


def test_check_display_name_bounds() -> None:
    policy.check_display_name("x")
    policy.check_display_name("x" * 128)
    for bad, code in [("", "Length"), ("x" * 129, "Length"), ("tab\there", "InvalidChars")]:
        with pytest.raises(InvalidParameter) as refused:
            policy.check_display_name(bad)
        assert refused.value.code == f"InvalidParameter.DisplayName.{code}"


def test_check_contact_formats() -> None:
    policy.check_contact(email="a@example.com", mobile_phone="86-18600008888", comments="x" * 128)
    cases = [
        ({"email": "not-an-email"}, "InvalidParameter.Email.Format"),
        ({"mobile_phone": "18600008888"}, "InvalidParameter.MobilePhone.Format"),
        ({"comments": "x" * 129}, "InvalidParameter.Comments.Length"),
    ]
    for override, code in cases:
        values = {"email": "", "mobile_phone": "", "comments": "", **override}
        with pytest.raises(InvalidParameter) as refused:
            policy.check_contact(**values)
        assert refused.value.code == code


def test_check_contact_prefix_names_update_parameters() -> None:
    with pytest.raises(InvalidParameter) as refused:
        policy.check_contact(email="nope", mobile_phone="", comments="", prefix="New")
    assert refused.value.code == "InvalidParameter.NewEmail.Format"


def test_user_quota_is_one_thousand() -> None:
    policy.check_can_add_ram_user(existing_count=999)
    with pytest.raises(LimitExceeded) as refused:
        policy.check_can_add_ram_user(existing_count=1000)
    assert refused.value.code == "LimitExceeded.User"


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("abc12", False),  # 5 characters, below the minimum
        ("abc123", True),  # 6 characters, letters + digits
        ("abcdef", False),  # one kind only
        ("123456", False),
        ("!!!!!!", False),
        ("abc!!!", True),  # letters + specials
        ("123!!!", True),  # digits + specials
    ],
)
def test_root_password_rule(password: str, ok: bool) -> None:
    assert (policy.root_password_problems(password) == []) is ok
    if not ok:
        with pytest.raises(InvalidParameter) as refused:
            policy.check_root_password(password)
        assert refused.value.code == "InvalidParameter.Password.TooWeak"


def _principal(
    kind: str, account_id: int | None = 1, policies: frozenset[str] = frozenset(), pk: int = 10
) -> Principal:
    principal = Principal(pk=pk, kind=kind, account_id=account_id)
    principal._system_policies = policies
    return principal


def test_roles_follow_system_policies() -> None:
    assert policy.role_of(_principal(Principal.Kind.ROOT)) == policy.Role.ADMIN
    assert policy.role_of(_principal("ram_user", policies=frozenset({SystemPolicy.FULL_ACCESS}))) == policy.Role.ADMIN
    assert policy.role_of(_principal("ram_user", policies=frozenset({SystemPolicy.READ_ONLY}))) == "read_only"
    assert policy.role_of(_principal("ram_user")) == policy.Role.SELF_SERVICE
    assert policy.role_of(_principal("operator", account_id=None)) == policy.Role.NONE


def test_read_only_may_read_but_not_write() -> None:
    reader = _principal("ram_user", policies=frozenset({SystemPolicy.READ_ONLY}))
    assert policy.can(reader, "ListUsers")
    assert policy.can(reader, "GetUser")
    assert not policy.can(reader, "CreateUser")
    assert not policy.can(reader, "DeleteUser")
    # Reports expose every user's credentials: administrators only.
    assert not policy.can(reader, "GetCredentialReport")


def test_self_service_user_reaches_only_itself() -> None:
    carol = _principal("ram_user", pk=10)
    dave = _principal("ram_user", pk=11)
    assert policy.can(carol, "GetUser", target=carol)
    assert not policy.can(carol, "GetUser", target=dave)
    assert not policy.can(carol, "ListUsers")
    with pytest.raises(NoPermission):
        policy.check_allowed(carol, "UpdateUser", target=carol)


@pytest.mark.parametrize("action", sorted(policy.access.ROOT_ONLY))
def test_root_security_settings_are_the_roots_alone(action: str) -> None:
    assert policy.can(_principal(Principal.Kind.ROOT), action)
    for user in (_principal("ram_user", policies=frozenset({SystemPolicy.FULL_ACCESS})), _principal("ram_user")):
        assert not policy.can(user, action)
        assert not policy.can(user, action, target=user)
        with pytest.raises(NoPermission) as refused:
            policy.check_allowed(user, action)
        assert refused.value.code == "NoPermission"


def test_nobody_reaches_another_account() -> None:
    root_a = _principal(Principal.Kind.ROOT, account_id=1)
    user_b = _principal("ram_user", account_id=2, pk=20)
    assert not policy.can(root_a, "GetUser", target=user_b)
    assert not policy.can(root_a, "DeleteUser", target=user_b)


def test_operators_have_no_console_actions() -> None:
    operator = _principal("operator", account_id=None)
    assert not policy.can(operator, "ListUsers")
    assert not policy.can(operator, "GetUser", target=operator)


def test_default_domain_follows_alias() -> None:
    account = Account(account_id="1234567890123456", alias="acme")
    user = Principal(kind="ram_user", name="alice", account=account)
    assert user.upn == "alice@acme.onaliyun.com"
    assert user.arn == "acs:ram::1234567890123456:user/alice"
