"""Writes of the account's security settings. Each checks the policy, writes, records its event."""

from __future__ import annotations

from datetime import datetime

from accounts.actors import Actor
from ramconsole import clock
from security import events, policy
from security.models import PasswordPolicy

PASSWORD_POLICY_FIELDS = (
    "minimum_length",
    "require_lowercase",
    "require_uppercase",
    "require_numbers",
    "require_symbols",
    "minimum_different_characters",
    "allow_user_name_in_password",
    "max_password_age_days",
    "hard_expiry",
    "reuse_prevention",
    "max_login_attempts",
)


@events.audited("SetPasswordPolicy")
def password_policy_update(*, actor: Actor, now: datetime | None = None, **values: int | bool) -> PasswordPolicy:
    """SetPasswordPolicy: every field of the account's password rule at once (omitted = default)."""
    policy.check_allowed(actor.principal, "SetPasswordPolicy")
    unknown = set(values) - set(PASSWORD_POLICY_FIELDS)
    if unknown:
        raise TypeError(f"unknown password policy fields: {sorted(unknown)}")
    policy.check_password_policy_values(values)
    account = actor.account
    now = now or clock.now(account)
    defaults = PasswordPolicy(account=account)
    settings = {name: values.get(name, getattr(defaults, name)) for name in PASSWORD_POLICY_FIELDS}
    row, _created = PasswordPolicy.objects.update_or_create(account=account, defaults={**settings, "updated_at": now})
    account._password_policy = row
    events.record(
        action="SetPasswordPolicy",
        account=account,
        actor=actor.principal,
        actor_name=actor.display_name,
        source_ip=actor.source_ip,
        target=account.account_id,
        detail=settings,
        account_time=now,
    )
    return row
