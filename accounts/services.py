"""Writes of accounts, RAM users, system policy attachments and console logons.

Every service checks the policy first, writes, then records its event in the same transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.views.decorators.debug import sensitive_variables

from accounts import selectors
from accounts.actors import Actor
from accounts.models import Account, LoginProfile, PolicyAttachment, Principal
from ramconsole import clock
from security import events, logon, policy
from security.errors import EntityAlreadyExists, EntityNotExist, LogonRefused, RamError


def _random_digits(length: int) -> str:
    return str(secrets.randbelow(9) + 1) + "".join(str(secrets.randbelow(10)) for _ in range(length - 1))


def _unique_digits(exists: Callable[[str], bool]) -> str:
    for _attempt in range(20):
        candidate = _random_digits(16)
        if not exists(candidate):
            return candidate
    raise RuntimeError("could not draw a free 16-digit ID")  # 1 in 10**15 per draw; never expected


@sensitive_variables("password")
@transaction.atomic
def account_create(
    *, email: str, password: str, alias: str = "", source_ip: str | None = None, now: datetime | None = None
) -> Account:
    """Create an Alibaba Cloud account and its root identity. The alias defaults to the account ID."""
    email = email.strip()
    policy.check_contact(email=email, mobile_phone="", comments="")
    if not email:
        raise RamError("An account needs a logon email.", code="InvalidParameter.Email.Format", field="email")
    policy.check_root_password(password)
    if Principal.objects.filter(kind=Principal.Kind.ROOT, email__iexact=email).exists():
        raise EntityAlreadyExists(
            "An account with this email already exists.", code="EntityAlreadyExists.Account"
        )
    account_id = _unique_digits(lambda c: Account.objects.filter(account_id=c).exists())
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
    policy.check_user_name(name)
    policy.check_display_name(display_name)
    policy.check_contact(email=email, mobile_phone=mobile_phone, comments=comments)
    policy.check_can_add_ram_user(existing_count=selectors.ram_user_count(account=account))
    if Principal.objects.filter(account=account, kind=Principal.Kind.RAM_USER, name__iexact=name).exists():
        raise EntityAlreadyExists(
            "The user does already EXIST.", code="EntityAlreadyExists.User", field="name"
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
        raise EntityAlreadyExists(
            "The user does already EXIST.", code="EntityAlreadyExists.User", field="name"
        ) from None
    _record(actor, "CreateUser", user.upn, now, detail={"UserName": name})
    return user


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
    policy.check_display_name(display_name, parameter="NewDisplayName")
    policy.check_contact(email=email, mobile_phone=mobile_phone, comments=comments, prefix="New")
    changed = {
        field: value
        for field, value in {
            "display_name": display_name,
            "email": email,
            "mobile_phone": mobile_phone,
            "comments": comments,
        }.items()
        if getattr(user, field) != value
    }
    for field, value in changed.items():
        setattr(user, field, value)
    user.updated_at = now
    user.save(update_fields=[*changed, "updated_at"])
    _record(actor, "UpdateUser", user.upn, now, detail={"changed": sorted(changed)})
    return user


@events.audited("DeleteUser")
def ram_user_delete(
    *, actor: Actor, user: Principal, force: bool = False, now: datetime | None = None
) -> None:
    """DeleteUser. RAM refuses while the user has a logon profile or policies; the console's
    confirmed delete (`force`) removes them first, as the real console does."""
    policy.check_allowed(actor.principal, "DeleteUser", target=user)
    user = Principal.objects.select_for_update(of=("self",)).select_related("account").get(pk=user.pk)
    now = now or clock.now(user.account)
    if force:
        if hasattr(user, "login_profile"):
            login_profile_delete(actor=actor, user=user, now=now)
        for attachment in selectors.policy_attachments_of(user):
            policy_detach(actor=actor, user=user, policy_name=attachment.policy_name, now=now)
        user = Principal.objects.select_related("account").get(pk=user.pk)
        user._system_policies = frozenset()
    policy.check_can_delete_user(user)
    upn = user.upn
    user.delete()
    _record(actor, "DeleteUser", upn, now)


@events.audited("AttachPolicyToUser")
def policy_attach(*, actor: Actor, user: Principal, policy_name: str, now: datetime | None = None) -> None:
    """AttachPolicyToUser for the system policies the console knows."""
    policy.check_allowed(actor.principal, "AttachPolicyToUser", target=user)
    policy.check_system_policy_name(policy_name)
    now = now or clock.now(user.account)
    _, created = PolicyAttachment.objects.get_or_create(
        principal=user, policy_name=policy_name, defaults={"attached_at": now}
    )
    if not created:
        raise EntityAlreadyExists(
            "The user has already been attached this policy.",
            code="EntityAlreadyExists.User.Policy",
            field="policy_name",
        )
    _record(actor, "AttachPolicyToUser", user.upn, now, detail={"PolicyName": policy_name})


@events.audited("DetachPolicyFromUser")
def policy_detach(*, actor: Actor, user: Principal, policy_name: str, now: datetime | None = None) -> None:
    """DetachPolicyFromUser."""
    policy.check_allowed(actor.principal, "DetachPolicyFromUser", target=user)
    now = now or clock.now(user.account)
    deleted, _ = PolicyAttachment.objects.filter(principal=user, policy_name=policy_name).delete()
    if not deleted:
        raise EntityNotExist(
            "The indicate policy of the user does not exist.", code="EntityNotExist.User.Policy"
        )
    _record(actor, "DetachPolicyFromUser", user.upn, now, detail={"PolicyName": policy_name})


@events.audited("CreateLoginProfile")
@sensitive_variables("password")
def login_profile_create(
    *,
    actor: Actor,
    user: Principal,
    password: str,
    password_reset_required: bool = False,
    mfa_required: bool = False,
    console_password_enabled: bool = True,
    now: datetime | None = None,
) -> LoginProfile:
    """CreateLoginProfile: let a RAM user log on to the console with a password."""
    policy.check_allowed(actor.principal, "CreateLoginProfile", target=user)
    now = now or clock.now(user.account)
    if LoginProfile.objects.filter(principal=user).exists():
        raise EntityAlreadyExists(
            "The user login profile does already EXIST.", code="EntityAlreadyExists.User.LoginProfile"
        )
    user.set_password(password)
    user.save(update_fields=["password"])
    profile = LoginProfile.objects.create(
        principal=user,
        console_password_enabled=console_password_enabled,
        password_reset_required=password_reset_required,
        mfa_required=mfa_required,
        password_changed_at=now,
        created_at=now,
        updated_at=now,
    )
    _record(actor, "CreateLoginProfile", user.upn, now)
    return profile


@events.audited("DeleteLoginProfile")
def login_profile_delete(*, actor: Actor, user: Principal, now: datetime | None = None) -> None:
    """DeleteLoginProfile: removes the profile and makes the password unusable."""
    policy.check_allowed(actor.principal, "DeleteLoginProfile", target=user)
    now = now or clock.now(user.account)
    deleted, _ = LoginProfile.objects.filter(principal=user).delete()
    if not deleted:
        raise EntityNotExist(
            "The user login profile does not exist.", code="EntityNotExist.User.LoginProfile"
        )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    _record(actor, "DeleteLoginProfile", user.upn, now)


@sensitive_variables("password")
def console_logon(*, logon_name: str, password: str, source_ip: str | None) -> Principal:
    """Run the logon pipeline's credential steps and record the attempt, whatever its outcome.

    Raises LogonRefused (its code is the recorded reason, never shown to the person logging on).
    """
    attempt = logon.LogonAttempt(logon_name=logon_name, password=password, source_ip=source_ip)
    try:
        principal = logon.evaluate_credentials(attempt)
    except LogonRefused as refusal:
        known = attempt.principal
        account = known.account if known else None
        events.record(
            action="ConsoleLogon",
            account=account,
            actor=known if account else None,
            actor_name=logon_name[:255],
            source_ip=source_ip,
            result=refusal.code,
            account_time=clock.now(account),
        )
        raise
    now = clock.now(principal.account)
    with transaction.atomic():
        principal.last_login = now
        principal.save(update_fields=["last_login"])
        events.record(
            action="ConsoleLogon",
            account=principal.account,
            actor=principal,
            source_ip=source_ip,
            account_time=now,
        )
    return principal


def console_logout(*, principal: Principal, source_ip: str | None) -> None:
    events.record(
        action="ConsoleLogout",
        account=principal.account,
        actor=principal,
        source_ip=source_ip,
        account_time=clock.now(principal.account),
    )


def _record(actor: Actor, action: str, target: str, now: datetime, detail: dict | None = None) -> None:
    events.record(
        action=action,
        account=actor.account,
        actor=actor.principal,
        actor_name=actor.display_name,
        source_ip=actor.source_ip,
        target=target,
        detail=detail,
        account_time=now,
    )
