"""Writes of the account's security settings. Each checks the policy, writes, records its event."""

from __future__ import annotations

from datetime import datetime

from accounts.actors import Actor
from accounts.models import Account
from ramconsole import clock
from security import events, policy
from security.errors import NoPermission
from security.models import PasswordPolicy, SecurityPreference
from security.ranges import SECURITY_PREFERENCE_RANGES

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
    _record(actor, "SetPasswordPolicy", account.account_id, now, settings)
    return row


PREFERENCE_FLAGS = (
    "enable_save_mfa_ticket",
    "allow_user_to_change_password",
    "allow_user_to_manage_access_keys",
    "allow_user_to_manage_mfa_devices",
)


@events.audited("SetSecurityPreference")
def security_preference_update(
    *,
    actor: Actor,
    lockout_confirmed: bool = True,
    now: datetime | None = None,
    **values: bool | int | str,
) -> SecurityPreference:
    """SetSecurityPreference: the RAM user security settings. Omitted settings stay as they are.

    The console passes `lockout_confirmed` from its confirmation box; API callers have no such box.
    """
    policy.check_allowed(actor.principal, "SetSecurityPreference")
    unknown = set(values) - {*PREFERENCE_FLAGS, "login_session_duration_hours", "login_network_masks"}
    if unknown:
        raise TypeError(f"unknown security preference fields: {sorted(unknown)}")
    policy.check_ranges(values, SECURITY_PREFERENCE_RANGES)
    if "login_network_masks" in values:
        values["login_network_masks"] = policy.normalise_masks(str(values["login_network_masks"]))
        policy.check_not_locking_out(
            values["login_network_masks"],
            actor_address=actor.source_ip,
            confirmed=lockout_confirmed,
            field="login_network_masks",
        )
    account = actor.account
    now = now or clock.now(account)
    row, _created = SecurityPreference.objects.get_or_create(account=account)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = now
    row.full_clean()
    row.save()
    account._security_preference = row
    _record(actor, "SetSecurityPreference", account.account_id, now, {name: row.__dict__[name] for name in values})
    return row


@events.audited("SetAccountLoginMask")
def account_login_mask_update(
    *, actor: Actor, login_mask: str, lockout_confirmed: bool = True, now: datetime | None = None
) -> Account:
    """Root Security Settings > Login Mask > Set: the addresses the root may log on from."""
    if not policy.is_root(actor.principal):
        raise NoPermission()
    login_mask = policy.normalise_masks(login_mask, field="login_mask")
    policy.check_not_locking_out(
        login_mask, actor_address=actor.source_ip, confirmed=lockout_confirmed, field="login_mask"
    )
    account = Account.objects.select_for_update().get(pk=actor.account.pk)
    now = now or clock.now(account)
    account.login_mask = login_mask
    account.save(update_fields=["login_mask"])
    actor.principal.account.login_mask = login_mask
    _record(actor, "SetAccountLoginMask", account.account_id, now, {"login_mask": login_mask})
    return account


def _record(actor: Actor, action: str, target: str, now: datetime, detail: dict) -> None:
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
