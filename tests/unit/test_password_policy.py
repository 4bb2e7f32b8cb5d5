"""Password rules of the policy layer, each bound tested below, at and above."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.hashers import make_password

from accounts.models import Account, LoginProfile, Principal
from security import policy
from security.errors import InvalidParameter
from security.models import PasswordPolicy
from security.ranges import PASSWORD_POLICY_RANGES

NOW = datetime(2030, 6, 1, 12, tzinfo=UTC)
USER = Principal(kind="ram_user", name="alice")


@pytest.mark.parametrize(("name", "bounds"), PASSWORD_POLICY_RANGES.items())
def test_password_policy_ranges_below_at_above(name: str, bounds: tuple[int, int, str]) -> None:
    minimum, maximum, parameter = bounds
    for ok in (minimum, maximum):
        policy.check_password_policy_values({name: ok})
    for bad in (minimum - 1, maximum + 1):
        with pytest.raises(InvalidParameter) as refused:
            policy.check_password_policy_values({name: bad})
        assert refused.value.code == f"InvalidParameter.{parameter}.Range"
        assert refused.value.field == name
        assert f"{minimum} and {maximum}" in refused.value.message


def test_minimum_length_documented_code() -> None:
    with pytest.raises(InvalidParameter) as refused:
        policy.check_password_policy_values({"minimum_length": 7})
    assert refused.value.code == "InvalidParameter.MinimumPasswordLength.Range"


def _check(password: str, previous: list[str] | None = None, **rules: object) -> str | None:
    try:
        policy.check_ram_user_password(
            user=USER, password=password, policy=PasswordPolicy(**rules), previous_hashes=previous or []
        )
    except InvalidParameter as refused:
        return refused.code
    return None


@pytest.mark.parametrize(("length", "ok"), [(11, False), (12, True), (13, True)])
def test_minimum_length(length: int, ok: bool) -> None:
    password = "Zq7#mWp2!vXr9$"[:length].ljust(length, "k")
    assert (_check(password, minimum_length=12) is None) is ok


def test_default_minimum_length_is_eight() -> None:
    assert _check("Zq7#mWp") == "InvalidParameter.Password.TooWeak"
    assert _check("Zq7#mWp2") is None


@pytest.mark.parametrize(
    ("rules", "password", "ok"),
    [
        ({"require_lowercase": True}, "ZQ7#MWP2X", False),
        ({"require_lowercase": True}, "ZQ7#MWP2x", True),
        ({"require_uppercase": True}, "zq7#mwp2x", False),
        ({"require_uppercase": True}, "zq7#mwp2X", True),
        ({"require_numbers": True}, "Zqa#mWpbx", False),
        ({"require_numbers": True}, "Zqa#mWpb1", True),
        ({"require_symbols": True}, "Zqa7mWpbx", False),
        ({"require_symbols": True}, "Zqa7mWpb!", True),
    ],
)
def test_required_elements(rules: dict, password: str, ok: bool) -> None:
    assert (_check(password, **rules) is None) is ok


@pytest.mark.parametrize(("distinct", "ok"), [(7, False), (8, True)])
def test_minimum_different_characters(distinct: int, ok: bool) -> None:
    password = "Zq7#mWp2"[:distinct]
    password = password + password[-1] * (10 - len(password))
    assert len(set(password)) == distinct
    assert (_check(password, minimum_different_characters=8) is None) is ok


def test_user_name_inclusion_is_case_insensitive() -> None:
    assert _check("xxALICExx-7#q", allow_user_name_in_password=False) == "InvalidParameter.Password.TooWeak"
    assert _check("xxALICExx-7#q", allow_user_name_in_password=True) is None
    assert _check("xxALICxx-7#qZ", allow_user_name_in_password=False) is None


def test_common_passwords_are_refused() -> None:
    assert _check("password123") == "InvalidParameter.Password.TooWeak"


@pytest.mark.parametrize(("reuse_prevention", "position", "refused"), [(2, 0, True), (2, 1, True), (2, 2, False)])
def test_history_checks_the_previous_n(reuse_prevention: int, position: int, refused: bool) -> None:
    previous = [make_password(f"Old-pass-{i}#x") for i in range(3)]  # newest first
    code = _check(f"Old-pass-{position}#x", previous, reuse_prevention=reuse_prevention)
    assert (code == "InvalidParameter.Password.ReusePrevention") is refused
    assert _check("Old-pass-0#x", previous, reuse_prevention=0) is None


def test_change_password_uses_new_password_codes() -> None:
    with pytest.raises(InvalidParameter) as refused:
        policy.check_ram_user_password(
            user=USER, password="short", policy=PasswordPolicy(), previous_hashes=[], parameter="NewPassword"
        )
    assert refused.value.code == "InvalidParameter.NewPassword.TooWeak"


def test_help_texts_list_the_rules() -> None:
    texts = policy.password_help_texts(
        PasswordPolicy(minimum_length=12, require_symbols=True, reuse_prevention=3, allow_user_name_in_password=False)
    )
    joined = " ".join(texts)
    assert "12 characters" in joined and "special character" in joined
    assert "last 3 passwords" in joined and "user name" in joined


@pytest.mark.parametrize(
    "rules",
    [
        {},
        {"minimum_length": 32, "require_lowercase": True, "require_uppercase": True},
        {"require_numbers": True, "require_symbols": True, "minimum_different_characters": 8},
        {"allow_user_name_in_password": False, "minimum_length": 20},
    ],
)
def test_generated_password_satisfies_the_policy(rules: dict) -> None:
    password_policy = PasswordPolicy(**rules)
    for _ in range(20):
        generated = policy.generate_password(password_policy, USER)
        policy.check_ram_user_password(user=USER, password=generated, policy=password_policy, previous_hashes=[])
        assert len(generated) >= max(password_policy.minimum_length, 16)


def _profile(changed_days_ago: float = 0, **fields: object) -> LoginProfile:
    return LoginProfile(password_changed_at=NOW - timedelta(days=changed_days_ago), **fields)


@pytest.mark.parametrize(("age", "expired"), [(29.99, False), (30, True), (31, True)])
def test_password_expiry_bounds(age: float, expired: bool) -> None:
    assert policy.is_password_expired(_profile(age), PasswordPolicy(max_password_age_days=30), now=NOW) is expired


def test_zero_validity_never_expires() -> None:
    assert not policy.is_password_expired(_profile(5000), PasswordPolicy(max_password_age_days=0), now=NOW)
    assert policy.password_expires_at(_profile(), PasswordPolicy()) is None


def test_lock_falls_at_the_nth_failure_and_lasts_an_hour() -> None:
    rules = PasswordPolicy(max_login_attempts=3)
    first = policy.after_wrong_password(_profile(failed_logon_count=1), rules, now=NOW)
    assert first.failed_logon_count == 2 and first.locked_until is None
    third = policy.after_wrong_password(_profile(failed_logon_count=2), rules, now=NOW)
    assert third.locked_until == NOW + timedelta(hours=1)
    locked = _profile(failed_logon_count=3, locked_until=third.locked_until)
    assert policy.is_locked(locked, now=NOW + timedelta(minutes=59, seconds=59))
    assert not policy.is_locked(locked, now=NOW + timedelta(hours=1))


def test_lapsed_lock_starts_a_fresh_count() -> None:
    lapsed = _profile(failed_logon_count=3, locked_until=NOW - timedelta(seconds=1))
    after = policy.after_wrong_password(lapsed, PasswordPolicy(max_login_attempts=3), now=NOW)
    assert after.failed_logon_count == 1 and after.locked_until is None


def test_zero_retry_limit_never_locks() -> None:
    after = policy.after_wrong_password(_profile(failed_logon_count=500), PasswordPolicy(), now=NOW)
    assert after.locked_until is None


@pytest.mark.parametrize(("minutes", "fresh"), [(-1, False), (0, True), (4.99, True), (5, False)])
def test_identity_verification_lasts_five_minutes(minutes: float, fresh: bool) -> None:
    verified_at = NOW - timedelta(minutes=minutes)
    assert policy.is_identity_verification_fresh(verified_at, now=NOW) is fresh


# --- Root logon protection -----------------------------------------------------------------------


def _root_state(failed: int, *, last_failed_ago: timedelta = timedelta(0), locked_until=None) -> Account:
    return Account(
        root_failed_logon_count=failed,
        root_last_failed_logon_at=NOW - last_failed_ago if failed else None,
        root_locked_until=locked_until,
    )


@pytest.mark.parametrize(("failed", "slowed"), [(0, False), (4, False), (5, True), (9, True)])
def test_root_is_slowed_from_the_fifth_consecutive_failure(failed: int, slowed: bool) -> None:
    state = _root_state(failed, last_failed_ago=timedelta(seconds=59))
    assert policy.root_logon_refusal(state, now=NOW) == ("throttled" if slowed else None)


@pytest.mark.parametrize(("ago", "refusal"), [(59, "throttled"), (60, None), (61, None)])
def test_root_slowdown_lasts_a_minute_after_the_last_failure(ago: int, refusal: str | None) -> None:
    state = _root_state(policy.ROOT_SLOWDOWN_AFTER, last_failed_ago=timedelta(seconds=ago))
    assert policy.root_logon_refusal(state, now=NOW) == refusal


@pytest.mark.parametrize(("failed", "locks"), [(8, False), (9, True), (10, True)])
def test_the_tenth_wrong_root_password_locks_for_an_hour(failed: int, locks: bool) -> None:
    counted = policy.after_root_wrong_password(_root_state(failed), now=NOW)
    assert counted.failed_logon_count == failed + 1
    assert counted.locked_until == (NOW + timedelta(hours=1) if locks else None)


@pytest.mark.parametrize(("left", "refusal"), [(timedelta(seconds=1), "locked"), (timedelta(0), None)])
def test_root_lock_ends_on_its_own(left: timedelta, refusal: str | None) -> None:
    state = _root_state(10, last_failed_ago=timedelta(hours=1) - left, locked_until=NOW + left)
    assert policy.root_logon_refusal(state, now=NOW) == refusal


def test_a_wrong_root_password_after_a_lapsed_lock_counts_afresh() -> None:
    state = _root_state(10, last_failed_ago=timedelta(hours=2), locked_until=NOW - timedelta(hours=1))
    counted = policy.after_root_wrong_password(state, now=NOW)
    assert counted == policy.FailedLogon(failed_logon_count=1, locked_until=None)
