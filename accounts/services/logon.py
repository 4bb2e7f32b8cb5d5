"""The console logon pipeline in one module: its steps, their order, the one password hash per
attempt, and what each outcome writes (ARCHITECTURE.md, "The logon pipeline").

`console_logon` runs an attempt in two phases. First, outside any transaction, `_verify` resolves
the logon name and checks the password with no lock held, so concurrent attempts hash in parallel
instead of queueing behind a row lock (the hash is most of a logon's time). Then, inside the
logon's transaction, the CREDENTIAL_STEPS run in order: the first takes the identity's row lock
and reads its state afresh, the others judge it, using the password verdict of the first phase.
Counting and locking are therefore exact under concurrent attempts, and the lock is held for
milliseconds.

Timing: `_check_password` is the only place a logon hashes, and `_verify` calls it for every
attempt before any step may refuse (an unknown name hashes against nothing), so every refusal
costs the same one hash and timing does not reveal which refusal happened. A step never hashes.
(Only a password changed between the two phases is checked again, so the new one is judged.)

Steps read, never write: each raises LogonRefused with a reason code, or passes. The reason is
recorded in the event; the person at the logon page only ever sees the generic message. This
module applies the outcome (failure counters, locks, the event) inside the transaction. After the
credentials pass, `_pending_steps` lists what the user must still do before a session starts;
the logon views walk those steps (accounts/pending.py keeps the pending logon in the session).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import hashers
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts import notices, selectors
from accounts.models import Account, LoginProfile, Principal
from accounts.services.login_profiles import send_password_expiry_notices
from mfa import remember
from mfa import selectors as mfa_selectors
from mfa.models import VirtualMFADevice
from ramconsole.kernel import clock
from security import events, policy, saml
from security.errors import EntityNotExist, LogonRefused
from security.models import RESULT_SUCCESS, PasswordPolicy, SamlAssertionSeen, UserSsoSettings
from security.policy import mfa, network, passwords
from security.selectors import password_policy_of, security_preference_of, user_sso_settings_of

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
    # upgraded to the current hasher (done after a successful logon).
    checked_hash: str = field(default="", repr=False)
    password_ok: bool = False
    hash_outdated: bool = False
    profile: LoginProfile | None = None
    policy: PasswordPolicy | None = None
    mfa_device: VirtualMFADevice | None = None
    # This browser's verified "remember MFA for 7 days" claim for the principal, if any.
    remembered: dict | None = None


@dataclass(frozen=True)
class LogonOutcome:
    """Credentials accepted: who, and the steps left before a session starts."""

    principal: Principal
    pending_steps: list[str]


@sensitive_variables("password")
def console_logon(
    *, logon_name: str, password: str, source_ip: str | None, remembered_tokens: dict[str, str] | None = None
) -> LogonOutcome:
    """Run the logon pipeline's credential steps and record the attempt, whatever its outcome.

    Raises LogonRefused (its code is the recorded reason, never shown to the person logging on).
    """
    attempt = LogonAttempt(logon_name=logon_name, password=password, source_ip=source_ip, now=clock.now(None))
    _verify(attempt)
    refusal: LogonRefused | None = None
    with transaction.atomic():
        try:
            for step in CREDENTIAL_STEPS:
                step(attempt)
        except LogonRefused as refused:
            refusal = refused  # raised after the transaction, which keeps its counters and event
            _record_refused_logon(attempt, refused)
        else:
            principal = attempt.principal
            attempt.remembered = remember.claim_for(principal, remembered_tokens or {})
            steps = _pending_steps(attempt)
            _record_good_password(attempt)
            events.record(
                action="ConsoleLogon",
                account=principal.account,
                actor=principal,
                source_ip=source_ip,
                account_time=attempt.now,
                detail={"pending": steps} if steps else None,
            )
    if refusal is not None:
        raise refusal
    return LogonOutcome(principal=principal, pending_steps=steps)


def console_logout(*, principal: Principal, source_ip: str | None, reason: str = RESULT_SUCCESS) -> None:
    """Record a logout; `reason` says why when the console ended the session itself."""
    events.record(
        action="ConsoleLogout",
        result=reason,
        account=principal.account,
        actor=principal,
        source_ip=source_ip,
        account_time=clock.now(principal.account),
    )


def _verify(attempt: LogonAttempt) -> None:
    """Outside any transaction: resolve the logon name, then hash, whether or not it named anyone."""
    principal = selectors.principal_for_logon_name(attempt.logon_name)
    if principal is not None and principal.kind != Principal.Kind.OPERATOR:
        attempt.principal = principal
    _check_password(attempt)


def _check_password(attempt: LogonAttempt) -> None:
    """The one hash of an attempt. Against no hash (an unknown name, an unusable password) Django
    hashes a random password instead, which costs the same."""
    attempt.checked_hash = attempt.principal.password if attempt.principal is not None else ""
    attempt.password_ok, attempt.hash_outdated = hashers.verify_password(attempt.password, attempt.checked_hash)


def known_name(attempt: LogonAttempt) -> None:
    """An unknown name fails exactly like a wrong password, after the same hashing work."""
    if attempt.principal is None:
        raise LogonRefused(code=REASON_UNKNOWN_NAME)


def lock_identity(attempt: LogonAttempt) -> None:
    """Take the identity's row lock, then read afresh everything the steps decide on."""
    principal = selectors.principal_locked(attempt.principal.pk)
    attempt.principal = principal
    if principal.password != attempt.checked_hash:  # changed since the first phase: judge the new one
        _check_password(attempt)
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


def password_logon_allowed(attempt: LogonAttempt) -> None:
    """While user SSO is on, a RAM user logs on only through the IdP (security/policy/saml.py)."""
    principal = attempt.principal
    if principal.is_ram_user and policy.saml.password_logon_refused_by_sso(
        principal, user_sso_settings_of(principal.account)
    ):
        raise LogonRefused(code=policy.saml.REASON_PASSWORD_LOGON_SSO_ONLY)


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
    known_name,
    lock_identity,
    network_allowed,
    not_locked,
    console_logon_enabled,
    password_logon_allowed,
    password_matches,
    not_hard_expired,
]


def _pending_steps(attempt: LogonAttempt) -> list[str]:
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


def _record_good_password(attempt: LogonAttempt) -> None:
    """The right password, accepted: clear the failure counters, upgrade an outdated hash."""
    principal, profile = attempt.principal, attempt.profile
    principal.last_login = attempt.now
    fields = ["last_login"]
    if attempt.hash_outdated:
        principal.set_password(attempt.password)
        fields.append("password")
    principal.save(update_fields=fields)
    if principal.is_root and (principal.account.root_failed_logon_count or principal.account.root_locked_until):
        Account.objects.filter(pk=principal.account.pk).update(
            root_failed_logon_count=0, root_last_failed_logon_at=None, root_locked_until=None
        )
    if profile is not None:
        if profile.failed_logon_count or profile.locked_until:
            LoginProfile.objects.filter(pk=profile.pk).update(failed_logon_count=0, locked_until=None)
        send_password_expiry_notices([profile], attempt.policy, now=attempt.now)


def _record_refused_logon(attempt: LogonAttempt, refusal: LogonRefused) -> None:
    known = attempt.principal
    account = known.account if known else None
    detail = {}
    if refusal.code == REASON_WRONG_PASSWORD and attempt.profile is not None:
        failed = policy.after_wrong_password(attempt.profile, attempt.policy, now=attempt.now)
        LoginProfile.objects.filter(pk=attempt.profile.pk).update(
            failed_logon_count=failed.failed_logon_count, locked_until=failed.locked_until
        )
        detail = {"failed_logon_count": failed.failed_logon_count, "locked": failed.locked_until is not None}
    elif refusal.code == REASON_WRONG_PASSWORD and known.is_root:
        failed = policy.after_root_wrong_password(account, now=attempt.now)
        Account.objects.filter(pk=account.pk).update(
            root_failed_logon_count=failed.failed_logon_count,
            root_last_failed_logon_at=attempt.now,
            root_locked_until=failed.locked_until,
        )
        detail = {"failed_logon_count": failed.failed_logon_count, "locked": failed.locked_until is not None}
        if failed.locked_until is not None:
            notices.root_logon_locked(
                root=known, failed=failed.failed_logon_count, until=failed.locked_until, at=attempt.now
            )
    events.record(
        action="ConsoleLogon",
        account=account,
        actor=known if account else None,
        actor_name=attempt.logon_name[:255],
        source_ip=attempt.source_ip,
        result=refusal.code,
        detail=detail,
        account_time=attempt.now,
    )


@dataclass
class SsoAttempt:
    """A SAML logon (user-based SSO): the posted Response, then what each step learns from it."""

    saml_response: str = field(repr=False)
    acs_url: str
    source_ip: str | None
    # The AuthnRequest IDs this browser sent (SP-initiated); an IdP-initiated Response answers none.
    request_ids: tuple[str, ...]
    root: object = field(default=None, repr=False)
    account: Account | None = None
    settings: UserSsoSettings | None = None
    assertion: saml.SignedAssertion | None = None
    now: datetime | None = None
    principal: Principal | None = None
    profile: LoginProfile | None = None


def sso_logon(
    *, saml_response: str, acs_url: str, source_ip: str | None, request_ids: tuple[str, ...] = ()
) -> LogonOutcome:
    """Log a RAM user on with a SAML Response posted to the ACS, and record the attempt whatever its
    outcome: the same pipeline as a password logon (Logon Address Mask, console logon enabled, the
    session and its lifetime), without a password and so without RAM's MFA (security/policy/saml.py).

    Raises LogonRefused (its code is the recorded reason, never shown to the person logging on).
    """
    attempt = SsoAttempt(saml_response=saml_response, acs_url=acs_url, source_ip=source_ip, request_ids=request_ids)
    refusal: LogonRefused | None = None
    with transaction.atomic():
        try:
            for step in SSO_STEPS:
                step(attempt)
        except LogonRefused as refused:
            refusal = refused  # raised after the transaction, which keeps its event and the used assertion ID
            _record_refused_sso_logon(attempt, refused)
        else:
            principal = attempt.principal
            principal.last_login = attempt.now
            principal.save(update_fields=["last_login"])
            events.record(
                action="ConsoleLogon",
                account=principal.account,
                actor=principal,
                source_ip=source_ip,
                account_time=attempt.now,
                detail={"method": "SAML", "assertion_id": attempt.assertion.assertion_id},
            )
    if refusal is not None:
        raise refusal
    return LogonOutcome(principal=principal, pending_steps=[])


def saml_readable(attempt: SsoAttempt) -> None:
    try:
        attempt.root = saml.parse_response(saml.decode_response(attempt.saml_response))
    except saml.SamlError as error:
        raise LogonRefused(code=policy.saml.REASON_SIGNATURE_INVALID) from error


def saml_account_known(attempt: SsoAttempt) -> None:
    """The (still unverified) Audience chooses whose certificates to verify with, nothing more."""
    account_id = policy.saml.account_id_of_audience(saml.unverified_audience(attempt.root))
    attempt.account = Account.objects.filter(account_id=account_id).first() if account_id else None
    if attempt.account is None:
        raise LogonRefused(code=policy.saml.REASON_AUDIENCE_MISMATCH)
    attempt.now = clock.now(attempt.account)


def sso_enabled(attempt: SsoAttempt) -> None:
    attempt.settings = user_sso_settings_of(attempt.account)
    policy.saml.check_sso_enabled(attempt.settings)


def saml_signed(attempt: SsoAttempt) -> None:
    try:
        attempt.assertion = saml.verify_response(
            attempt.root,
            list(attempt.settings.idp_certificates),
            allow_sha1=policy.saml.allows_sha1_signatures(attempt.settings),
        )
    except saml.SamlError as error:
        raise LogonRefused(code=policy.saml.REASON_SIGNATURE_INVALID) from error


def saml_assertion_valid(attempt: SsoAttempt) -> None:
    policy.saml.check_assertion(
        attempt.assertion,
        settings=attempt.settings,
        sp_entity_id=policy.sso.sp_entity_id(attempt.account),
        acs_url=attempt.acs_url,
        request_ids=attempt.request_ids,
        now=attempt.now,
    )


def saml_not_replayed(attempt: SsoAttempt) -> None:
    """Each assertion logs on once: the unique constraint decides, across workers (a concurrent insert
    of the same ID waits for the first transaction, then fails)."""
    forget_before = policy.saml.replay_guard_forgets_before(timezone.now())
    SamlAssertionSeen.objects.filter(account=attempt.account, not_on_or_after__lt=forget_before).delete()
    try:
        with transaction.atomic():
            SamlAssertionSeen.objects.create(
                account=attempt.account,
                assertion_id=attempt.assertion.assertion_id[:256],
                not_on_or_after=attempt.assertion.not_on_or_after,
            )
    except IntegrityError as error:
        raise LogonRefused(code=policy.saml.REASON_REPLAYED) from error


def saml_user_known(attempt: SsoAttempt) -> None:
    """NameID names a RAM user of the account by the SsoLoginWithDomain rule; then its row lock."""
    account, settings = attempt.account, attempt.settings
    alias = getattr(account, "domain_alias", None)
    domains = policy.saml.sso_logon_domains(
        account, settings, verified_alias=alias.domain if alias is not None and alias.is_verified else None
    )
    name = policy.saml.user_name_of_name_id(
        attempt.assertion.name_id, login_with_domain=settings.login_with_domain, domains=domains
    )
    try:
        user = selectors.ram_user_get_by_name(account=account, name=name) if name else None
    except EntityNotExist:
        user = None
    if user is None:
        raise LogonRefused(code=REASON_UNKNOWN_NAME)
    attempt.principal = selectors.principal_locked(user.pk)
    attempt.profile = selectors.login_profile_of(attempt.principal)


SSO_STEPS: list[Callable[[SsoAttempt], None]] = [
    saml_readable,
    saml_account_known,
    sso_enabled,
    saml_signed,
    saml_assertion_valid,
    saml_not_replayed,
    saml_user_known,
    network_allowed,
    console_logon_enabled,
]


def _record_refused_sso_logon(attempt: SsoAttempt, refusal: LogonRefused) -> None:
    assertion = attempt.assertion
    detail = {"method": "SAML"}
    if assertion is not None:
        detail.update(assertion_id=assertion.assertion_id[:256], name_id=assertion.name_id[:255])
    if refusal.__cause__ is not None and isinstance(refusal.__cause__, saml.SamlError):
        detail["saml_error"] = refusal.__cause__.reason
    events.record(
        action="ConsoleLogon",
        account=attempt.account,
        actor=attempt.principal,
        actor_name=(attempt.principal.logon_name if attempt.principal else (assertion.name_id if assertion else ""))[
            :255
        ],
        source_ip=attempt.source_ip,
        result=refusal.code,
        detail=detail,
        account_time=attempt.now,
    )
