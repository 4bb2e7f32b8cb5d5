"""Writes of accounts, RAM users, system policy attachments and console logons.

Every service checks the policy first, writes, then records its event in the same transaction.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from accesskeys import selectors as access_key_selectors
from accesskeys import services as access_key_services
from accounts import notices, selectors
from accounts.actors import Actor
from accounts.models import Account, LoginProfile, PasswordHistory, PolicyAttachment, Principal, VerificationCode
from mfa import remember
from mfa import services as mfa_services
from ramconsole.kernel import clock, hashers
from security import events, logon, policy
from security.errors import EntityAlreadyExists, EntityNotExist, LogonRefused, NoPermission, RamError, check_all
from security.models import RESULT_SUCCESS, PasswordPolicy
from security.selectors import password_policy_of

T = TypeVar("T")


def _hashed_ahead(
    *, new: str | None = None, old: str | None = None, action: str | None = None
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Do a password service's hashing before its transaction (hashers.hashed_ahead: SQLite holds
    its one write lock for the whole transaction): check the `old` password argument against the
    current password; then, unless that failed or the actor may not do `action` (refused requests
    cost one hash at most), hash the `new` one and check it against the identity's history."""

    def decorate(service: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(service)
        @sensitive_variables()
        def run(**kwargs: Any) -> T:
            actor = kwargs.get("actor")
            user = kwargs.get("user") or (actor.principal if actor else None)  # None: a new account's root
            current = [(kwargs.get(old) or "", user.password)] if old is not None and user is not None else []
            with hashers.hashed_ahead(check=current):
                refused = (current and not hashers.check_password(*current[0])) or (
                    action is not None and not policy.can(actor.principal, action, target=user)
                )
                make, check = [], []
                if new is not None and kwargs.get(new) and not refused:
                    make.append(kwargs[new])
                    if user is not None:
                        limit = password_policy_of(user.account).reuse_prevention
                        check += [(kwargs[new], hashed) for hashed in selectors.password_hashes_of(user, limit=limit)]
                with hashers.hashed_ahead(make=make, check=check):
                    return service(**kwargs)

        return run

    return decorate


def _random_digits(length: int) -> str:
    return str(secrets.randbelow(9) + 1) + "".join(str(secrets.randbelow(10)) for _ in range(length - 1))


def _unique_digits(exists: Callable[[str], bool]) -> str:
    for _attempt in range(20):
        candidate = _random_digits(16)
        if not exists(candidate):
            return candidate
    raise RuntimeError("could not draw a free 16-digit ID")  # 1 in 10**15 per draw; never expected


@sensitive_variables("password")
@_hashed_ahead(new="password")
@transaction.atomic
def account_create(
    *,
    email: str,
    password: str,
    alias: str = "",
    account_id: str = "",
    source_ip: str | None = None,
    now: datetime | None = None,
) -> Account:
    """Create an Alibaba Cloud account and its root identity. The alias defaults to the account ID;
    `account_id` is given only when a sandbox is rebuilt under its own ID."""
    email = email.strip()
    policy.check_contact(email=email, mobile_phone="", comments="")
    if not email:
        raise RamError(_("An account needs a logon email."), code="InvalidParameter.Email.Format", field="email")
    policy.check_root_password(password)
    if Principal.objects.filter(kind=Principal.Kind.ROOT, email__iexact=email).exists():
        raise EntityAlreadyExists(_("An account with this email already exists."), code="EntityAlreadyExists.Account")
    account_id = account_id or _unique_digits(lambda c: Account.objects.filter(account_id=c).exists())
    account = Account.objects.create(account_id=account_id, alias=alias or account_id)
    now = now or clock.now(account)
    account.created_at = now
    account.save(update_fields=["created_at"])
    root = Principal(
        username=f"root/{account_id}",
        kind=Principal.Kind.ROOT,
        account=account,
        email=email,
        created_at=now,
        updated_at=now,
    )
    root.set_password(password)
    root.full_clean()
    root.save()
    events.record(
        action="CreateAccount",
        account=account,
        actor=root,
        source_ip=source_ip,
        target=account_id,
        account_time=now,
    )
    return account


@events.audited("CreateUser")
def ram_user_create(
    *,
    actor: Actor,
    name: str,
    display_name: str,
    email: str = "",
    mobile_phone: str = "",
    comments: str = "",
    now: datetime | None = None,
) -> Principal:
    """CreateUser: a RAM user in the actor's account."""
    policy.check_allowed(actor.principal, "CreateUser")
    account = Account.objects.select_for_update().get(pk=actor.account.pk)  # serialises the user quota
    now = now or clock.now(account)
    check_all(
        lambda: policy.check_user_attributes(
            name=name, display_name=display_name, email=email, mobile_phone=mobile_phone, comments=comments
        ),
        lambda: policy.check_can_add_ram_user(existing_count=selectors.ram_user_count(account=account)),
        lambda: _check_user_name_free(account, name),
    )
    user_id = _unique_digits(lambda c: Principal.objects.filter(user_id=c).exists())
    user = Principal(
        username=f"{account.account_id}/{user_id}",
        kind=Principal.Kind.RAM_USER,
        account=account,
        user_id=user_id,
        name=name,
        display_name=display_name,
        email=email,
        mobile_phone=mobile_phone,
        comments=comments,
        password=make_password(None),
        created_at=now,
        updated_at=now,
    )
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # A concurrent CreateUser took the same name between the check and the insert.
        raise _user_exists() from None
    events.record_by(actor, "CreateUser", user.upn, now, detail={"UserName": name})
    return user


def _check_user_name_free(account: Account, name: str) -> None:
    if Principal.objects.filter(selectors.name_is(name), account=account, kind=Principal.Kind.RAM_USER).exists():
        raise _user_exists()


def _user_exists() -> EntityAlreadyExists:
    return EntityAlreadyExists(
        _("The user does already EXIST."),
        code="EntityAlreadyExists.User",
        field="name",
        console=_("A RAM user with this logon name already exists."),
    )


@events.audited("UpdateUser")
def ram_user_update(
    *,
    actor: Actor,
    user: Principal,
    display_name: str,
    email: str,
    mobile_phone: str,
    comments: str,
    now: datetime | None = None,
) -> Principal:
    """UpdateUser: the basic information of a RAM user."""
    policy.check_allowed(actor.principal, "UpdateUser", target=user)
    now = now or clock.now(user.account)
    policy.check_user_attributes(
        display_name=display_name, email=email, mobile_phone=mobile_phone, comments=comments, prefix="New"
    )
    changed = {
        name: value
        for name, value in {
            "display_name": display_name,
            "email": email,
            "mobile_phone": mobile_phone,
            "comments": comments,
        }.items()
        if getattr(user, name) != value
    }
    for name, value in changed.items():
        setattr(user, name, value)
    user.updated_at = now
    user.save(update_fields=[*changed, "updated_at"])
    events.record_by(actor, "UpdateUser", user.upn, now, detail={"changed": sorted(changed)})
    return user


@events.audited("DeleteUser")
def ram_user_delete(*, actor: Actor, user: Principal, force: bool = False, now: datetime | None = None) -> None:
    """DeleteUser. RAM refuses while the user has a logon profile or policies; the console's
    confirmed delete (`force`) removes them first, as the real console does."""
    policy.check_allowed(actor.principal, "DeleteUser", target=user)
    user = Principal.objects.select_for_update(of=("self",)).select_related("account").get(pk=user.pk)
    now = now or clock.now(user.account)
    if force:
        for key in access_key_selectors.access_keys_of(user):
            access_key_services.access_key_delete(actor=actor, user=user, access_key_id=key.access_key_id, now=now)
        if hasattr(user, "mfa_device"):
            mfa_services.mfa_device_unbind(actor=actor, user=user, now=now)
        if hasattr(user, "login_profile"):
            login_profile_delete(actor=actor, user=user, now=now)
        for attachment in selectors.policy_attachments_of(user):
            policy_detach(actor=actor, user=user, policy_name=attachment.policy_name, now=now)
        user = Principal.objects.select_related("account").get(pk=user.pk)
        user._system_policies = frozenset()
    policy.check_can_delete_user(user)
    upn = user.upn
    user.delete()
    events.record_by(actor, "DeleteUser", upn, now)


@events.audited("AttachPolicyToUser")
def policy_attach(*, actor: Actor, user: Principal, policy_name: str, now: datetime | None = None) -> None:
    """AttachPolicyToUser for the system policies the console knows."""
    policy.check_allowed(actor.principal, "AttachPolicyToUser", target=user)
    policy.check_system_policy_name(policy_name)
    now = now or clock.now(user.account)
    _attachment, created = PolicyAttachment.objects.get_or_create(
        principal=user, policy_name=policy_name, defaults={"attached_at": now}
    )
    if not created:
        raise EntityAlreadyExists(
            _("The user has already been attached this policy."),
            code="EntityAlreadyExists.User.Policy",
            field="policy_name",
            console=_("This policy is already attached to the user."),
        )
    events.record_by(actor, "AttachPolicyToUser", user.upn, now, detail={"PolicyName": policy_name})


@events.audited("DetachPolicyFromUser")
def policy_detach(*, actor: Actor, user: Principal, policy_name: str, now: datetime | None = None) -> None:
    """DetachPolicyFromUser."""
    policy.check_allowed(actor.principal, "DetachPolicyFromUser", target=user)
    now = now or clock.now(user.account)
    deleted, _per_model = PolicyAttachment.objects.filter(principal=user, policy_name=policy_name).delete()
    if not deleted:
        raise EntityNotExist(_("The indicate policy of the user does not exist."), code="EntityNotExist.User.Policy")
    events.record_by(actor, "DetachPolicyFromUser", user.upn, now, detail={"PolicyName": policy_name})


@dataclass(frozen=True)
class LoginProfileChange:
    """A created or updated logon profile, and the generated password to show once (if any)."""

    profile: LoginProfile
    generated_password: str | None = field(default=None, repr=False)


def _password_of(*, user: Principal, password: str | None, generate: bool, parameter: str = "Password") -> str:
    """The password to set: a generated one, or the given one checked against policy and history."""
    password_policy = password_policy_of(user.account)
    if generate:
        return policy.generate_password(password_policy, user)
    policy.check_ram_user_password(
        user=user,
        password=password or "",
        policy=password_policy,
        previous_hashes=selectors.password_hashes_of(user, limit=password_policy.reuse_prevention),
        parameter=parameter,
        field="new_password" if parameter == "NewPassword" else "password",
    )
    return password


@sensitive_variables("password")
def _password_store(*, user: Principal, profile: LoginProfile, password: str, now: datetime) -> None:
    """Set the password: hash kept in the history, validity period restarted (and its expiry notice
    owed again), retry counter reset."""
    user.set_password(password)
    user.save(update_fields=["password"])
    PasswordHistory.objects.create(principal=user, password=user.password, created_at=now)
    stale = selectors.password_history_ids_beyond(user, keep=policy.PASSWORD_HISTORY_KEPT)
    PasswordHistory.objects.filter(pk__in=stale).delete()
    profile.password_changed_at = now
    profile.expiry_notice_sent_at = None
    profile.failed_logon_count = 0
    profile.locked_until = None
    profile.updated_at = now


@_hashed_ahead(new="password", action="CreateLoginProfile")
@events.audited("CreateLoginProfile")
@sensitive_variables("password")
def login_profile_create(
    *,
    actor: Actor,
    user: Principal,
    password: str | None = None,
    generate_password: bool = False,
    password_reset_required: bool = False,
    mfa_required: bool = False,
    console_password_enabled: bool = True,
    now: datetime | None = None,
) -> LoginProfileChange:
    """CreateLoginProfile (console: Enable Console Logon): the user may log on with a password."""
    policy.check_allowed(actor.principal, "CreateLoginProfile", target=user)
    now = now or clock.now(user.account)
    if LoginProfile.objects.filter(principal=user).exists():
        raise EntityAlreadyExists(
            _("The user login profile does already EXIST."),
            code="EntityAlreadyExists.User.LoginProfile",
            console=_("Console logon is already enabled for this user."),
        )
    password = _password_of(user=user, password=password, generate=generate_password)
    profile = LoginProfile(
        principal=user,
        console_password_enabled=console_password_enabled,
        password_reset_required=password_reset_required,
        mfa_required=mfa_required,
        created_at=now,
    )
    _password_store(user=user, profile=profile, password=password, now=now)
    profile.save()
    user.login_profile = profile
    events.record_by(actor, "CreateLoginProfile", user.upn, now, detail=_profile_detail(profile, generate_password))
    return LoginProfileChange(profile, password if generate_password else None)


@_hashed_ahead(new="password", action="UpdateLoginProfile")
@events.audited("UpdateLoginProfile")
@sensitive_variables("password")
def login_profile_update(
    *,
    actor: Actor,
    user: Principal,
    password: str | None = None,
    generate_password: bool = False,
    password_reset_required: bool | None = None,
    mfa_required: bool | None = None,
    console_password_enabled: bool | None = None,
    now: datetime | None = None,
) -> LoginProfileChange:
    """UpdateLoginProfile (console: Modify Logon Settings). Omitted settings stay as they are;
    a new password restarts the validity period and clears a Password Retry lock."""
    policy.check_allowed(actor.principal, "UpdateLoginProfile", target=user)
    now = now or clock.now(user.account)
    profile = _locked_profile(user)
    if password is not None or generate_password:
        password = _password_of(user=user, password=password, generate=generate_password)
        _password_store(user=user, profile=profile, password=password, now=now)
    for name, value in {
        "password_reset_required": password_reset_required,
        "mfa_required": mfa_required,
        "console_password_enabled": console_password_enabled,
    }.items():
        if value is not None:
            setattr(profile, name, value)
    profile.updated_at = now
    profile.save()
    detail = _profile_detail(profile, generate_password)
    detail["password_changed"] = password is not None
    events.record_by(actor, "UpdateLoginProfile", user.upn, now, detail=detail)
    return LoginProfileChange(profile, password if generate_password else None)


@events.audited("UnlockLoginProfile")
def login_profile_unlock(*, actor: Actor, user: Principal, now: datetime | None = None) -> LoginProfile:
    """Lift a Password Retry Constraint lock before its hour is over (console Unlock)."""
    policy.check_allowed(actor.principal, "UpdateLoginProfile", target=user)
    now = now or clock.now(user.account)
    profile = _locked_profile(user)
    profile.failed_logon_count = 0
    profile.locked_until = None
    profile.updated_at = now
    profile.save(update_fields=["failed_logon_count", "locked_until", "updated_at"])
    events.record_by(actor, "UnlockLoginProfile", user.upn, now)
    return profile


@_hashed_ahead(new="new_password", old="old_password", action="ChangePassword")
@events.audited("ChangePassword")
@sensitive_variables("old_password", "new_password")
def password_change(*, actor: Actor, old_password: str, new_password: str, now: datetime | None = None) -> None:
    """ChangePassword: a RAM user changes its own password (when Manage Passwords is allowed)."""
    user = actor.principal
    if user.is_root:
        raise RamError(
            _("This method can be only invoked by sub user."), code="NotSupport.Account", field="old_password"
        )
    policy.check_allowed(user, "ChangePassword", target=user)
    now = now or clock.now(user.account)
    profile = _locked_profile(user)
    if not user.check_password(old_password):
        # The new password's rules are judged too, so the console shows both at once; not its
        # history, which holds the current password: "must differ" would confirm a guess of it.
        check_all(
            _refuse_old_password,
            lambda: policy.ram_user_new_password_check(user, password_policy_of(user.account))(new_password),
        )
    new_password = _password_of(user=user, password=new_password, generate=False, parameter="NewPassword")
    _password_store(user=user, profile=profile, password=new_password, now=now)
    profile.password_reset_required = False
    profile.save()
    events.record_by(actor, "ChangePassword", user.upn, now)


def _refuse_old_password() -> None:
    raise RamError(
        _("The old password is incorrect."), code="InvalidParameter.OldPassword.Incorrect", field="old_password"
    )


@sensitive_variables("new_password")
def logon_password_change(*, principal: Principal, new_password: str, source_ip: str | None) -> None:
    """The forced change at logon (Password Reset, or expired with Allow Logon). The credentials
    were checked moments ago by the logon pipeline, so no old password is asked again, and
    Manage Passwords does not apply: RAM requires this change whatever that setting says."""
    actor = Actor(principal=principal, source_ip=source_ip)
    _logon_password_change(actor=actor, new_password=new_password)


@_hashed_ahead(new="new_password")
@events.audited("ChangePassword")
@sensitive_variables("new_password")
def _logon_password_change(*, actor: Actor, new_password: str) -> None:
    user = actor.principal
    now = clock.now(user.account)
    profile = _locked_profile(user)
    new_password = _password_of(user=user, password=new_password, generate=False, parameter="NewPassword")
    _password_store(user=user, profile=profile, password=new_password, now=now)
    profile.password_reset_required = False
    profile.save()
    events.record_by(actor, "ChangePassword", user.upn, now, detail={"at_logon": True})


@sensitive_variables("password", "code", "email_code")
def root_identity_verify(
    *, actor: Actor, password: str | None = None, code: str | None = None, email_code: str | None = None
) -> datetime:
    """Verify Identity (root): a current MFA code, a code sent by email, or the current password.
    Returns when it was verified."""
    if not policy.is_root(actor.principal):
        raise NoPermission()
    # Codes are checked (and their failures counted) outside the transaction below, so a wrong code counts.
    if code is not None:
        mfa_services.mfa_code_verify(principal=actor.principal, code=code, source_ip=actor.source_ip)
        method = "mfa"
    elif email_code is not None:
        _email_code_verify(principal=actor.principal, code=email_code, source_ip=actor.source_ip)
        method = "email"
    else:
        method = "password"
    return _root_identity_record(actor=actor, password=password, method=method)


@_hashed_ahead(old="password")
@events.audited("VerifyIdentity")
@sensitive_variables("password")
def _root_identity_record(*, actor: Actor, password: str | None, method: str) -> datetime:
    now = clock.now(actor.account)
    if method == "password" and not actor.principal.check_password(password or ""):
        raise RamError(_("The password is incorrect."), code="InvalidParameter.Password.Incorrect", field="password")
    events.record_by(actor, "VerifyIdentity", actor.principal.email, now, detail={"method": method})
    return now


EMAIL_CODE_PURPOSE = "VerifyIdentity"


def _email_code_hash(code: str) -> str:
    return salted_hmac("ramconsole.email-verification-code", code, algorithm="sha256").hexdigest()


@events.audited("SendVerificationCode")
def verification_code_send(*, actor: Actor) -> datetime:
    """Verify Identity, by email: a new one-time code to the root's email (the Outbox in the sandbox).
    It replaces any code sent before. Returns when it was sent."""
    if not policy.is_root(actor.principal):
        raise NoPermission()
    root = Principal.objects.select_for_update().get(pk=actor.principal.pk)  # one send at a time
    now = clock.now(actor.account)
    codes = VerificationCode.objects.filter(principal=root, purpose=EMAIL_CODE_PURPOSE)
    last = codes.order_by("-sent_at").first()
    policy.check_email_code_may_be_sent(last.sent_at if last else None, now=now)
    codes.filter(used_at__isnull=True).update(used_at=now)
    code = policy.generate_email_code()
    VerificationCode.objects.create(
        principal=root, purpose=EMAIL_CODE_PURPOSE, code_hash=_email_code_hash(code), sent_at=now
    )
    notices.verification_code(
        principal=root,
        code=code,
        purpose=_("Verify Identity"),  # lazy: read in the recipient's language
        valid_minutes=int(policy.EMAIL_CODE_TTL.total_seconds() // 60),
        at=now,
    )
    events.record_by(actor, "SendVerificationCode", root.email, now)
    return now


@sensitive_variables("code")
def _email_code_verify(*, principal: Principal, code: str, source_ip: str | None) -> None:
    """Accept the newest emailed code once; a refusal commits its failure count and event first."""
    refusal: RamError | None = None
    with transaction.atomic():
        sent = (
            VerificationCode.objects.select_for_update()
            .filter(principal=principal, purpose=EMAIL_CODE_PURPOSE)
            .order_by("-sent_at", "-id")
            .first()
        )
        now = clock.now(principal.account)
        matches = sent is not None and constant_time_compare(sent.code_hash, _email_code_hash(code))
        try:
            policy.check_email_code(sent, matches=matches, now=now)
        except RamError as refused:
            refusal = refused
            if sent is not None and sent.used_at is None and not matches:
                sent.failed_attempts += 1
                sent.save(update_fields=["failed_attempts"])
            events.record(
                action="VerifyIdentity",
                account=principal.account,
                actor=principal,
                source_ip=source_ip,
                target=principal.email,
                result=refused.code,
                account_time=now,
                detail={"method": "email"},
            )
        else:
            sent.used_at = now
            sent.save(update_fields=["used_at"])
    if refusal is not None:
        raise refusal


@_hashed_ahead(new="new_password")
@events.audited("ChangeAccountPassword")
@sensitive_variables("new_password")
def root_password_change(*, actor: Actor, new_password: str, verified_at: datetime | None) -> None:
    """Login Password > Change: the root sets a new password within minutes of Verify Identity."""
    if not policy.is_root(actor.principal):
        raise NoPermission()
    now = clock.now(actor.account)
    if not policy.is_identity_verification_fresh(verified_at, now=now):
        raise NoPermission(_("Verify your identity again."), code="IdentityVerificationRequired")
    policy.check_root_password(new_password)
    root = actor.principal
    root.set_password(new_password)
    root.updated_at = now
    root.save(update_fields=["password", "updated_at"])
    events.record_by(actor, "ChangeAccountPassword", root.email, now)


def _locked_profile(user: Principal) -> LoginProfile:
    profile = LoginProfile.objects.select_for_update().filter(principal=user).first()
    if profile is None:
        raise EntityNotExist(_("The user login profile does not exist."), code="EntityNotExist.User.LoginProfile")
    return profile


def _profile_detail(profile: LoginProfile, generated: bool) -> dict:
    return {
        "ConsolePasswordLogon": profile.console_password_enabled,
        "PasswordResetRequired": profile.password_reset_required,
        "MFABindRequired": profile.mfa_required,
        "generated_password": generated,
    }


@events.audited("DeleteLoginProfile")
def login_profile_delete(*, actor: Actor, user: Principal, now: datetime | None = None) -> None:
    """DeleteLoginProfile: removes the profile and makes the password unusable."""
    policy.check_allowed(actor.principal, "DeleteLoginProfile", target=user)
    now = now or clock.now(user.account)
    deleted, _per_model = LoginProfile.objects.filter(principal=user).delete()
    if not deleted:
        raise EntityNotExist(_("The user login profile does not exist."), code="EntityNotExist.User.LoginProfile")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    events.record_by(actor, "DeleteLoginProfile", user.upn, now)


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
    The password is checked before the transaction, with no lock held (security/logon.py); the
    identity's row is locked only to judge and count, so concurrent wrong passwords are counted one
    by one and the lock falls exactly at the limit, without queueing attempts behind each hash.
    """
    attempt = logon.LogonAttempt(logon_name=logon_name, password=password, source_ip=source_ip, now=clock.now(None))
    refusal: LogonRefused | None = None
    try:
        logon.verify(attempt)
    except LogonRefused as refused:
        _record_refused_logon(attempt, refused)
        raise
    with transaction.atomic():
        try:
            principal = logon.evaluate_credentials(attempt)
        except LogonRefused as refused:
            refusal = refused
            _record_refused_logon(attempt, refused)
        else:
            attempt.remembered = remember.claim_for(principal, remembered_tokens or {})
            steps = logon.pending_steps(attempt)
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


def _record_good_password(attempt: logon.LogonAttempt) -> None:
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
        _send_password_expiry_notices([profile], attempt.policy, now=attempt.now)


def _record_refused_logon(attempt: logon.LogonAttempt, refusal: LogonRefused) -> None:
    known = attempt.principal
    account = known.account if known else None
    detail = {}
    if refusal.code == logon.REASON_WRONG_PASSWORD and attempt.profile is not None:
        failed = policy.after_wrong_password(attempt.profile, attempt.policy, now=attempt.now)
        LoginProfile.objects.filter(pk=attempt.profile.pk).update(
            failed_logon_count=failed.failed_logon_count, locked_until=failed.locked_until
        )
        detail = {"failed_logon_count": failed.failed_logon_count, "locked": failed.locked_until is not None}
    elif refusal.code == logon.REASON_WRONG_PASSWORD and known.is_root:
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


def principal_language_update(*, principal: Principal, language: str) -> None:
    """Remember the console language an identity chose (a code of settings.LANGUAGES): its logon on
    any browser applies it, and the console's mail to it is written in it. A preference, not an event."""
    if principal.language != language:
        Principal.objects.filter(pk=principal.pk).update(language=language)
        principal.language = language


@events.audited("SetSandboxClock")
def account_clock_move(*, actor: Actor, step: str) -> Account:
    """Sandbox clock: move this account's time forward (or back to real time). Every rule reads
    time through clock.now(account), so passwords expire, locks lapse and keys age at once;
    TOTP codes keep real time."""
    policy.check_allowed(actor.principal, "SetSandboxClock")
    account = Account.objects.select_for_update().get(pk=actor.account.pk)
    account.clock_offset = policy.clock_offset_after(account.clock_offset, step)
    account.save(update_fields=["clock_offset"])
    actor.principal.account.clock_offset = account.clock_offset
    now = clock.now(account)
    events.record_by(actor, "SetSandboxClock", account.account_id, now, {"step": step})
    profiles = LoginProfile.objects.filter(principal__account=account).select_related("principal__account")
    _send_password_expiry_notices(profiles, password_policy_of(account), now=now)
    return account


def _send_password_expiry_notices(profiles: Iterable[LoginProfile], rule: PasswordPolicy, *, now: datetime) -> None:
    """ "Your password expires in N days" to each RAM user whose notice is due, once per password."""
    for profile in profiles:
        expires_at = policy.password_expiry_notice_due(profile, rule, now=now)
        if expires_at is not None:
            notices.password_expiring(user=profile.principal, expires_at=expires_at, now=now)
            profile.expiry_notice_sent_at = now
            profile.save(update_fields=["expiry_notice_sent_at"])
