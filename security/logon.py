"""The console logon pipeline: steps decided one after another (ARCHITECTURE.md).

Credential steps read the attempt and raise LogonRefused with a reason code, or pass. The reason
is recorded in the event; the person at the logon page only ever sees the generic message.
After the credentials pass, `pending_steps` lists what the user must still do before a session
starts (change an expired or reset password; MFA arrives with its issue). Steps read, never write:
the logon service applies their outcome (failure counters, locks) inside its transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from accounts import selectors
from accounts.models import LoginProfile, Principal
from mfa import selectors as mfa_selectors
from mfa.models import VirtualMFADevice
from ramconsole import clock
from security.errors import LogonRefused
from security.models import PasswordPolicy
from security.policy import mfa, network, passwords
from security.selectors import password_policy_of, security_preference_of

REASON_UNKNOWN_NAME = "InvalidLogonName"
REASON_WRONG_PASSWORD = "WrongPassword"  # noqa: S105 - a reason code, not a password
REASON_CONSOLE_LOGON_DISABLED = "ConsoleLogonDisabled"
REASON_LOCKED = "LoginLocked"
REASON_ADDRESS_NOT_ALLOWED = "LoginMaskRefused"
REASON_PASSWORD_EXPIRED = "PasswordExpired"  # noqa: S105 - a reason code, not a password

STEP_MFA = "mfa"
STEP_MFA_ENROL = "mfa_enrol"
STEP_CHANGE_PASSWORD = "change_password"  # noqa: S105 - a step name, not a password


@dataclass
class LogonAttempt:
    logon_name: str
    password: str = field(repr=False)
    source_ip: str | None
    now: datetime
    principal: Principal | None = None
    profile: LoginProfile | None = None
    policy: PasswordPolicy | None = None
    mfa_device: VirtualMFADevice | None = None
    # This browser's verified "remember MFA for 7 days" claim for the principal, if any.
    remembered: dict | None = None


def _spend_hash_time(password: str) -> None:
    """Cost the same as a real check, so timing does not reveal which refusal happened."""
    Principal().set_password(password)


def identify(attempt: LogonAttempt) -> None:
    """Resolve the logon name; an unknown name fails exactly like a wrong password."""
    principal = selectors.principal_for_logon_name(attempt.logon_name, lock=True)
    if principal is None or principal.kind == Principal.Kind.OPERATOR:
        _spend_hash_time(attempt.password)
        raise LogonRefused(code=REASON_UNKNOWN_NAME)
    attempt.principal = principal
    attempt.now = clock.now(principal.account)
    attempt.mfa_device = mfa_selectors.device_of(principal)
    if principal.is_ram_user:
        # Read after the row lock is held: a profile joined into the locking query could be a
        # snapshot from before a concurrent attempt's update.
        attempt.profile = selectors.login_profile_of(principal)
        attempt.policy = password_policy_of(principal.account)


def network_allowed(attempt: LogonAttempt) -> None:
    """The root's Login Mask, or the RAM users' Logon Address Mask, must admit the source address."""
    principal = attempt.principal
    if principal.is_root:
        masks = principal.account.login_mask
    else:
        masks = security_preference_of(principal.account).login_network_masks
    if not network.evaluate_address(masks, attempt.source_ip).allowed:
        _spend_hash_time(attempt.password)
        raise LogonRefused(code=REASON_ADDRESS_NOT_ALLOWED)


def not_locked(attempt: LogonAttempt) -> None:
    """Password Retry Constraint Policy: refused while locked, even with the right password."""
    if attempt.profile is not None and passwords.is_locked(attempt.profile, now=attempt.now):
        _spend_hash_time(attempt.password)
        raise LogonRefused(code=REASON_LOCKED)


def console_logon_enabled(attempt: LogonAttempt) -> None:
    """A RAM user needs a logon profile with Console Password Logon enabled."""
    if attempt.principal.is_ram_user and (attempt.profile is None or not attempt.profile.console_password_enabled):
        _spend_hash_time(attempt.password)
        raise LogonRefused(code=REASON_CONSOLE_LOGON_DISABLED)


def password_matches(attempt: LogonAttempt) -> None:
    if not attempt.principal.check_password(attempt.password):
        raise LogonRefused(code=REASON_WRONG_PASSWORD)


def not_hard_expired(attempt: LogonAttempt) -> None:
    """Expired with Action After Password Expires = Deny Logon: only an administrator's reset helps."""
    if (
        attempt.profile is not None
        and attempt.policy.hard_expiry
        and passwords.is_password_expired(attempt.profile, attempt.policy, now=attempt.now)
    ):
        raise LogonRefused(code=REASON_PASSWORD_EXPIRED)


CREDENTIAL_STEPS: list[Callable[[LogonAttempt], None]] = [
    identify,
    network_allowed,
    not_locked,
    console_logon_enabled,
    password_matches,
    not_hard_expired,
]


def evaluate_credentials(attempt: LogonAttempt) -> Principal:
    """Run every credential step; returns the principal or raises LogonRefused."""
    for step in CREDENTIAL_STEPS:
        step(attempt)
    return attempt.principal


def pending_steps(attempt: LogonAttempt) -> list[str]:
    """What the user must do after the credentials and before the session: in order."""
    steps = []
    profile = attempt.profile
    device = attempt.mfa_device
    if device is not None:
        preference = security_preference_of(attempt.principal.account)
        remembered = mfa.may_remember_mfa(attempt.principal, preference) and mfa.is_mfa_remembered(
            attempt.remembered, device, preference, now=attempt.now
        )
        if not remembered:
            steps.append(STEP_MFA)
    elif profile is not None and profile.mfa_required:
        steps.append(STEP_MFA_ENROL)
    if profile is not None and (
        profile.password_reset_required or passwords.is_password_expired(profile, attempt.policy, now=attempt.now)
    ):
        steps.append(STEP_CHANGE_PASSWORD)
    return steps
