"""Logon profiles: create, update, unlock, delete; how a password is chosen and stored; password expiry notices."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from accounts import notices, selectors
from accounts.actors import Actor
from accounts.models import LoginProfile, PasswordHistory, Principal
from accounts.services.hashing import hashed_ahead
from ramconsole.kernel import clock
from security import events, policy
from security.errors import EntityAlreadyExists, EntityNotExist
from security.models import PasswordPolicy
from security.selectors import password_policy_of


@dataclass(frozen=True)
class LoginProfileChange:
    """A created or updated logon profile, and the generated password to show once (if any)."""

    profile: LoginProfile
    generated_password: str | None = field(default=None, repr=False)


def password_of(*, user: Principal, password: str | None, generate: bool, parameter: str = "Password") -> str:
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
def password_store(*, user: Principal, profile: LoginProfile, password: str, now: datetime) -> None:
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


@hashed_ahead(new="password", action="CreateLoginProfile")
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
    password = password_of(user=user, password=password, generate=generate_password)
    profile = LoginProfile(
        principal=user,
        console_password_enabled=console_password_enabled,
        password_reset_required=password_reset_required,
        mfa_required=mfa_required,
        created_at=now,
    )
    password_store(user=user, profile=profile, password=password, now=now)
    profile.save()
    user.login_profile = profile
    events.record_by(actor, "CreateLoginProfile", user.upn, now, detail=_profile_detail(profile, generate_password))
    return LoginProfileChange(profile, password if generate_password else None)


@hashed_ahead(new="password", action="UpdateLoginProfile")
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
    profile = locked_profile(user)
    if password is not None or generate_password:
        password = password_of(user=user, password=password, generate=generate_password)
        password_store(user=user, profile=profile, password=password, now=now)
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
    profile = locked_profile(user)
    profile.failed_logon_count = 0
    profile.locked_until = None
    profile.updated_at = now
    profile.save(update_fields=["failed_logon_count", "locked_until", "updated_at"])
    events.record_by(actor, "UnlockLoginProfile", user.upn, now)
    return profile


def locked_profile(user: Principal) -> LoginProfile:
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


def send_password_expiry_notices(profiles: Iterable[LoginProfile], rule: PasswordPolicy, *, now: datetime) -> None:
    """ "Your password expires in N days" to each RAM user whose notice is due, once per password."""
    for profile in profiles:
        expires_at = policy.password_expiry_notice_due(profile, rule, now=now)
        if expires_at is not None:
            notices.password_expiring(user=profile.principal, expires_at=expires_at, now=now)
            profile.expiry_notice_sent_at = now
            profile.save(update_fields=["expiry_notice_sent_at"])
