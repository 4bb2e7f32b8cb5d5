"""MFA rules with the clock passed in: the ±1 step window, replay, consecutive codes, throttling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from mfa.models import VirtualMFADevice
from security import policy
from security.errors import InvalidParameter
from security.models import SecurityPreference

SEED = pyotp.random_base32()
NOW = datetime(2030, 1, 1, 12, 0, 15, tzinfo=UTC)  # mid-step
STEP = policy.step_of(NOW)


def code(offset_steps: int) -> str:
    return pyotp.TOTP(SEED).at(NOW + timedelta(seconds=30 * offset_steps))


def device(**fields: object) -> VirtualMFADevice:
    return VirtualMFADevice(**fields)


@pytest.mark.parametrize(("offset", "ok"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)])
def test_window_is_one_step_either_side(offset: int, ok: bool) -> None:
    if ok:
        assert policy.accepted_step(device(), SEED, code(offset), now=NOW) == STEP + offset
    else:
        with pytest.raises(policy.MfaCodeRefused) as refused:
            policy.accepted_step(device(), SEED, code(offset), now=NOW)
        assert refused.value.code == "CheckAuthenticationCodeFail"
        assert refused.value.http_status == 403


@pytest.mark.parametrize("bad", ["", "12345", "1234567", "abcdef", "12 456"])
def test_code_format(bad: str) -> None:
    with pytest.raises(InvalidParameter) as refused:
        policy.accepted_step(device(), SEED, bad, now=NOW)
    assert refused.value.code == "InvalidParameter.AuthenticationCode.Format"


@pytest.mark.parametrize(("last", "offset", "replay"), [(STEP, 0, True), (STEP, -1, True), (STEP, 1, False)])
def test_a_step_once_accepted_is_never_accepted_again(last: int, offset: int, replay: bool) -> None:
    target = device(last_accepted_step=last)
    if replay:
        with pytest.raises(policy.MfaCodeRefused) as refused:
            policy.accepted_step(target, SEED, code(offset), now=NOW)
        assert refused.value.code == "CheckAuthenticationCodeFail.Replay"
    else:
        assert policy.accepted_step(target, SEED, code(offset), now=NOW) == STEP + 1


@pytest.mark.parametrize(
    ("first", "second", "ok"),
    [(-1, 0, True), (0, 1, True), (-2, -1, True), (-3, -2, False), (1, 2, False), (0, 0, False), (0, -1, False)],
)
def test_enrolment_needs_two_consecutive_codes(first: int, second: int, ok: bool) -> None:
    if ok:
        assert policy.accepted_consecutive_steps(device(), SEED, code(first), code(second), now=NOW) == STEP + second
    else:
        with pytest.raises(policy.MfaCodeRefused):
            policy.accepted_consecutive_steps(device(), SEED, code(first), code(second), now=NOW)


def test_throttling_grows_after_the_free_attempts() -> None:
    waits = []
    target = device()
    for _ in range(8):
        failed = policy.after_wrong_code(target, now=NOW)
        target.failed_attempts = failed.failed_attempts
        waits.append(None if failed.throttled_until is None else (failed.throttled_until - NOW).total_seconds())
    assert waits == [None, None, None, 5, 10, 20, 40, 80]
    capped = policy.after_wrong_code(device(failed_attempts=40), now=NOW)
    assert capped.throttled_until - NOW == timedelta(minutes=15)


def test_a_throttled_device_checks_no_code() -> None:
    throttled = device(throttled_until=NOW + timedelta(seconds=10))
    with pytest.raises(policy.MfaCodeRefused) as refused:
        policy.accepted_step(throttled, SEED, code(0), now=NOW)
    assert refused.value.code == "Throttling.MFA"
    assert policy.accepted_step(throttled, SEED, code(0), now=NOW + timedelta(seconds=10)) == STEP


def test_abandoned_enrolment() -> None:
    fresh = device(created_at=NOW - timedelta(minutes=9))
    stale = device(created_at=NOW - timedelta(minutes=10))
    assert not policy.is_enrolment_abandoned(fresh, now=NOW)
    assert policy.is_enrolment_abandoned(stale, now=NOW)


def test_remember_claims() -> None:
    bound_at = NOW - timedelta(days=30)
    bound = device(pk=7, principal_id=3, bound_at=bound_at)
    allowed = SecurityPreference(enable_save_mfa_ticket=True)
    claim = {"device": 7, "bound": bound_at.isoformat(), "issued": NOW.isoformat()}
    assert policy.is_mfa_remembered(claim, bound, allowed, now=NOW + timedelta(days=6, hours=23))
    assert not policy.is_mfa_remembered(claim, bound, allowed, now=NOW + timedelta(days=7))
    assert not policy.is_mfa_remembered(claim, bound, SecurityPreference(), now=NOW)  # setting turned off
    rebound = device(pk=7, principal_id=3, bound_at=NOW)
    assert not policy.is_mfa_remembered(claim, rebound, allowed, now=NOW)  # unbound and bound again
    assert not policy.is_mfa_remembered(claim, device(pk=8, principal_id=3, bound_at=bound_at), allowed, now=NOW)
    assert not policy.is_mfa_remembered(None, bound, allowed, now=NOW)
    assert not policy.is_mfa_remembered({"device": 7}, bound, allowed, now=NOW)


@pytest.mark.parametrize(
    ("name", "ok"),
    [("a", True), ("x" * 64, True), ("dev.ops-1", True), ("", False), ("x" * 65, False), ("under_score", False)],
)
def test_device_names(name: str, ok: bool) -> None:
    if ok:
        policy.check_device_name(name)
    else:
        with pytest.raises(InvalidParameter):
            policy.check_device_name(name)
