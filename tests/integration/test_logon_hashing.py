"""Every console logon costs exactly one password hash, whatever refuses it, so the time an attempt
takes does not tell which refusal happened (accounts/services/logon.py, `_check_password`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.utils import timezone

from accounts.models import Account, LoginProfile, Principal
from accounts.services import logon as logon_services
from security.errors import LogonRefused
from security.models import Event, PasswordPolicy, SecurityPreference
from security.policy import ROOT_SLOWDOWN_AFTER
from tests.conftest import ROOT_PASSWORD, USER_PASSWORD


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every hash the test's hasher runs: a check, or the stand-in hash Django makes for a password it
    cannot check (the test hasher's check encodes too; that is the same hash, counted once)."""
    ran: list[str] = []
    running: list[str] = []
    for operation in ("encode", "verify"):
        original = getattr(MD5PasswordHasher, operation)

        def watched(self: MD5PasswordHasher, *args: str, _original: Any = original, _name: str = operation) -> Any:
            if not running:
                ran.append(_name)
            running.append(_name)
            try:
                return _original(self, *args)
            finally:
                running.pop()

        monkeypatch.setattr(MD5PasswordHasher, operation, watched)
    return ran


def _in_a_year() -> Any:
    return timezone.now() + timedelta(days=365)


def _unknown(root: Principal, alice: Principal) -> tuple[str, str]:
    return "nobody@acme.onaliyun.com", USER_PASSWORD


def _operator(root: Principal, alice: Principal) -> tuple[str, str]:
    Principal.objects.create_superuser("ops", "Ops-password-1")
    return "ops", "Ops-password-1"


def _wrong_user_password(root: Principal, alice: Principal) -> tuple[str, str]:
    return alice.upn, "wrong-password"


def _wrong_root_password(root: Principal, alice: Principal) -> tuple[str, str]:
    return root.email, "wrong-password"


def _user_locked(root: Principal, alice: Principal) -> tuple[str, str]:
    LoginProfile.objects.filter(principal=alice).update(failed_logon_count=5, locked_until=_in_a_year())
    return alice.upn, USER_PASSWORD


def _root_locked(root: Principal, alice: Principal) -> tuple[str, str]:
    Account.objects.filter(pk=root.account_id).update(root_failed_logon_count=10, root_locked_until=_in_a_year())
    return root.email, ROOT_PASSWORD


def _root_throttled(root: Principal, alice: Principal) -> tuple[str, str]:
    Account.objects.filter(pk=root.account_id).update(
        root_failed_logon_count=ROOT_SLOWDOWN_AFTER, root_last_failed_logon_at=timezone.now()
    )
    return root.email, ROOT_PASSWORD


def _console_logon_disabled(root: Principal, alice: Principal) -> tuple[str, str]:
    LoginProfile.objects.filter(principal=alice).update(console_password_enabled=False)
    return alice.upn, USER_PASSWORD


def _no_logon_profile(root: Principal, alice: Principal) -> tuple[str, str]:
    LoginProfile.objects.filter(principal=alice).delete()
    alice.set_unusable_password()
    alice.save(update_fields=["password"])
    return alice.upn, USER_PASSWORD


def _user_address_refused(root: Principal, alice: Principal) -> tuple[str, str]:
    SecurityPreference.objects.create(account=alice.account, login_network_masks="10.0.0.0/8")
    return alice.upn, USER_PASSWORD


def _root_address_refused(root: Principal, alice: Principal) -> tuple[str, str]:
    Account.objects.filter(pk=root.account_id).update(login_mask="10.0.0.0/8")
    return root.email, ROOT_PASSWORD


def _hard_expired(root: Principal, alice: Principal) -> tuple[str, str]:
    PasswordPolicy.objects.create(account=alice.account, max_password_age_days=30, hard_expiry=True)
    LoginProfile.objects.filter(principal=alice).update(password_changed_at=timezone.now() - timedelta(days=31))
    return alice.upn, USER_PASSWORD


@pytest.mark.parametrize(
    ("arrange", "reason"),
    [
        (_unknown, "InvalidLogonName"),
        (_operator, "InvalidLogonName"),
        (_wrong_user_password, "WrongPassword"),
        (_wrong_root_password, "WrongPassword"),
        (_user_locked, "LoginLocked"),
        (_root_locked, "LoginLocked"),
        (_root_throttled, "LoginThrottled"),
        (_console_logon_disabled, "ConsoleLogonDisabled"),
        (_no_logon_profile, "ConsoleLogonDisabled"),
        (_user_address_refused, "LoginMaskRefused"),
        (_root_address_refused, "LoginMaskRefused"),
        (_hard_expired, "PasswordExpired"),
    ],
)
def test_every_refusal_costs_exactly_one_hash(
    root: Principal,
    admin_user: Principal,
    hashes: list[str],
    arrange: Callable[[Principal, Principal], tuple[str, str]],
    reason: str,
) -> None:
    logon_name, password = arrange(root, admin_user)
    hashes.clear()
    with pytest.raises(LogonRefused) as refused:
        logon_services.console_logon(logon_name=logon_name, password=password, source_ip="192.0.2.1")
    assert refused.value.code == reason
    assert Event.objects.filter(action="ConsoleLogon").latest("id").result == reason
    assert len(hashes) == 1


def test_an_accepted_logon_costs_one_hash_too(root: Principal, admin_user: Principal, hashes: list[str]) -> None:
    hashes.clear()
    outcome = logon_services.console_logon(logon_name=admin_user.upn, password=USER_PASSWORD, source_ip=None)
    assert outcome.principal == admin_user
    assert hashes == ["verify"]
