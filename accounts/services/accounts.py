"""Accounts: creating one (with its root identity), the sandbox clock, an identity's console language."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from accounts.actors import Actor
from accounts.models import Account, LoginProfile, Principal
from accounts.services.hashing import hashed_ahead
from accounts.services.ids import unique_digits
from accounts.services.login_profiles import send_password_expiry_notices
from ramconsole.kernel import clock
from security import events, policy
from security.errors import EntityAlreadyExists, RamError
from security.selectors import password_policy_of


@sensitive_variables("password")
@hashed_ahead(new="password")
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
    account_id = account_id or unique_digits(lambda c: Account.objects.filter(account_id=c).exists())
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
    _send_due_expiry_notices(account, now)
    return account


@transaction.atomic
def account_clock_move_by_operator(*, account: Account, step: str, operator: str) -> Account:
    """The same move, made by an operator for a sandbox of his class (the Class page); the event
    names the operator, as an operator's sandbox reset does."""
    account = Account.objects.select_for_update().get(pk=account.pk)
    account.clock_offset = policy.clock_offset_after(account.clock_offset, step)
    account.save(update_fields=["clock_offset"])
    now = clock.now(account)
    events.record(
        action="SetSandboxClock",
        account=account,
        actor_name=operator,
        target=account.account_id,
        account_time=now,
        detail={"step": step},
    )
    _send_due_expiry_notices(account, now)
    return account


def _send_due_expiry_notices(account: Account, now: datetime) -> None:
    profiles = LoginProfile.objects.filter(principal__account=account).select_related("principal__account")
    send_password_expiry_notices(profiles, password_policy_of(account), now=now)
