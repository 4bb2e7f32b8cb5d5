"""The console logon pipeline: steps decided one after another (ARCHITECTURE.md).

An attempt runs in two phases. `verify` resolves the logon name and checks the password with no
lock held, so concurrent attempts hash in parallel instead of queueing behind a row lock (the
hash is most of a logon's time). `evaluate_credentials` then runs inside the logon's transaction:
it takes the identity's row lock, reads its state afresh and runs the credential steps, which use
the password verdict of the first phase. Counting and locking are therefore exact under
concurrent attempts, and the lock is held for milliseconds.

Every attempt costs one password hash, whatever its outcome (an unknown name hashes against
nothing), so timing does not reveal which refusal happened. Credential steps read the attempt and
raise LogonRefused with a reason code, or pass; the reason is recorded in the event, and the person
at the logon page only ever sees the generic message. After the credentials pass, `pending_steps`
lists what the user must still do before a session starts. Steps read, never write: the logon
service applies their outcome (failure counters, locks) inside its transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import hashers

from accounts import selectors
from accounts.models import LoginProfile, Principal
from mfa import selectors as mfa_selectors
from mfa.models import VirtualMFADevice
from ramconsole.kernel import clock
from security.errors import LogonRefused
from security.models import PasswordPolicy
from security.policy import mfa, network, passwords
from security.selectors import password_policy_of, security_preference_of

REASON_UNKNOWN_NAME = "InvalidLogonName"
REASON_WRONG_PASSWORD = "WrongPassword"  # noqa: S105 - a reason code, not a password
REASON_CONSOLE_LOGON_DISABLED = "ConsoleLogonDisabled"
REASON_LOCKED = "LoginLocked"
REASON_THROTTLED = "LoginThrottled"
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
    # The hash the password was checked against, the verdict, and whether the hash should be
    # upgraded to the current hasher (done by the service after a successful logon).
    checked_hash: str = field(default="", repr=False)
    password_ok: bool = False
    hash_outdated: bool = False
    profile: LoginProfile | None = None
    policy: PasswordPolicy | None = None
    mfa_device: VirtualMFADevice | None = None
    # This browser's verified "remember MFA for 7 days" claim for the principal, if any.
    remembered: dict | None = None

    def check_password(self) -> None:
        self.checked_hash = self.principal.password
        self.password_ok, self.hash_outdated = hashers.verify_password(self.password, self.checked_hash)


def verify(attempt: LogonAttempt) -> None:
    """Phase one, outside any transaction: resolve the logon name and check the password. An
    unknown name fails exactly like a wrong password, after the same hashing work."""
    principal = selectors.principal_for_logon_name(attempt.logon_name)
    if principal is None or principal.kind == Principal.Kind.OPERATOR:
        hashers.verify_password(attempt.password, "")
        raise LogonRefused(code=REASON_UNKNOWN_NAME)
    attempt.principal = principal
    attempt.check_password()


def lock_identity(attempt: LogonAttempt) -> None:
    """Take the identity's row lock, then read afresh everything the steps decide on."""
    principal = selectors.principal_locked(attempt.principal.pk)
    if principal.password != attempt.checked_hash:  # changed since phase one: judge the new one
        attempt.principal = principal
        attempt.check_password()
    attempt.principal = principal
    attempt.now = clock.now(principal.account)
    attempt.mfa_device = mfa_selectors.device_of(principal)
    if principal.is_ram_user:
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
        raise LogonRefused(code=REASON_ADDRESS_NOT_ALLOWED)


def not_locked(attempt: LogonAttempt) -> None:
    """Refused while locked (a RAM user's Password Retry Constraint Policy, the root's logon
    protection) or slowed down (the root), even with the right password."""
    if attempt.principal.is_root:
        refusal = passwords.root_logon_refusal(attempt.principal.account, now=attempt.now)
        if refusal == passwords.ROOT_LOCKED:
            raise LogonRefused(code=REASON_LOCKED)
        if refusal == passwords.ROOT_THROTTLED:
            raise LogonRefused(code=REASON_THROTTLED)
    elif attempt.profile is not None and passwords.is_locked(attempt.profile, now=attempt.now):
        raise LogonRefused(code=REASON_LOCKED)


def console_logon_enabled(attempt: LogonAttempt) -> None:
    """A RAM user needs a logon profile with Console Password Logon enabled."""
    if attempt.principal.is_ram_user and (attempt.profile is None or not attempt.profile.console_password_enabled):
        raise LogonRefused(code=REASON_CONSOLE_LOGON_DISABLED)


def password_matches(attempt: LogonAttempt) -> None:
    if not attempt.password_ok:
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
    lock_identity,
    network_allowed,
    not_locked,
    console_logon_enabled,
    password_matches,
    not_hard_expired,
]


def evaluate_credentials(attempt: LogonAttempt) -> Principal:
    """Phase two, inside the logon's transaction, after `verify`: every credential step; returns
    the principal or raises LogonRefused."""
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
