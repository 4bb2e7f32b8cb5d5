"""Writes of the account's security settings. Each checks the policy, writes, records its event."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.actors import Actor
from accounts.models import Account
from ramconsole.kernel import clock
from security import dns, events, policy
from security.errors import EntityAlreadyExists, EntityNotExist
from security.models import DomainAlias, PasswordPolicy, SandboxDnsRecord, SecurityPreference

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
    events.record_by(actor, "SetPasswordPolicy", account.account_id, now, settings)
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
    policy.check_security_preference_values(values)
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
    events.record_by(
        actor, "SetSecurityPreference", account.account_id, now, {name: row.__dict__[name] for name in values}
    )
    return row


@events.audited("SetAccountLoginMask")
def account_login_mask_update(
    *, actor: Actor, login_mask: str, lockout_confirmed: bool = True, now: datetime | None = None
) -> Account:
    """Root Security Settings > Login Mask > Set: the addresses the root may log on from."""
    policy.check_allowed(actor.principal, "SetAccountLoginMask")
    login_mask = policy.normalise_masks(login_mask, field="login_mask")
    policy.check_not_locking_out(
        login_mask, actor_address=actor.source_ip, confirmed=lockout_confirmed, field="login_mask"
    )
    account = Account.objects.select_for_update().get(pk=actor.account.pk)
    now = now or clock.now(account)
    account.login_mask = login_mask
    account.save(update_fields=["login_mask"])
    actor.principal.account.login_mask = login_mask
    events.record_by(actor, "SetAccountLoginMask", account.account_id, now, {"login_mask": login_mask})
    return account


@events.audited("SetAccountAlias")
def account_alias_set(*, actor: Actor, alias: str, now: datetime | None = None) -> Account:
    """SetAccountAlias (console: Default Domain > Update > Update Domain). Every UPN follows."""
    policy.check_allowed(actor.principal, "SetAccountAlias")
    policy.check_account_alias(alias)
    account = Account.objects.select_for_update().get(pk=actor.account.pk)
    now = now or clock.now(account)
    if Account.objects.filter(alias=alias).exclude(pk=account.pk).exists():
        raise EntityAlreadyExists(
            _("The account alias does already exist."),
            code="EntityAlreadyExists.AccountAlias",
            field="alias",
            console=_("Another account already uses this default domain. Choose another."),
        )
    old = account.alias
    account.alias = alias
    try:
        with transaction.atomic():
            account.save(update_fields=["alias"])
    except IntegrityError:  # another account took it between the check and the write
        raise EntityAlreadyExists(
            _("The account alias does already exist."),
            code="EntityAlreadyExists.AccountAlias",
            field="alias",
            console=_("Another account already uses this default domain. Choose another."),
        ) from None
    actor.principal.account.alias = alias
    events.record_by(actor, "SetAccountAlias", account.account_id, now, {"old": old, "new": alias})
    return account


@events.audited("ClearAccountAlias")
def account_alias_clear(*, actor: Actor, now: datetime | None = None) -> Account:
    """ClearAccountAlias: the alias returns to the account ID."""
    policy.check_allowed(actor.principal, "ClearAccountAlias")
    account = Account.objects.select_for_update().get(pk=actor.account.pk)
    now = now or clock.now(account)
    old = account.alias
    account.alias = account.account_id
    account.save(update_fields=["alias"])
    actor.principal.account.alias = account.alias
    events.record_by(actor, "ClearAccountAlias", account.account_id, now, {"old": old})
    return account


@events.audited("CreateDomainAlias")
def domain_alias_create(*, actor: Actor, domain: str, now: datetime | None = None) -> DomainAlias:
    """Create Domain Alias: unverified until DNS proves ownership. One alias per account."""
    policy.check_allowed(actor.principal, "CreateDomainAlias")
    domain = policy.normalise_domain_name(domain)
    policy.check_domain_name(domain)
    now = now or clock.now(actor.account)
    if DomainAlias.objects.filter(account=actor.account).exists():
        raise EntityAlreadyExists(
            _("The account already has a domain alias; delete it first."),
            code="EntityAlreadyExists.DomainAlias",
            field="domain",
        )
    if DomainAlias.objects.filter(domain=domain).exists():
        raise EntityAlreadyExists(
            _("This domain is already used by another account."), code="EntityAlreadyExists.DomainName", field="domain"
        )
    alias = DomainAlias.objects.create(account=actor.account, domain=domain, created_at=now)
    events.record_by(actor, "CreateDomainAlias", domain, now, {})
    return alias


def domain_alias_verify(*, actor: Actor) -> policy.TxtVerdict:
    """Domain Ownership Verification: a real TXT query; the verdict says what was found.
    Each attempt is an event with its outcome (recorded even when the check fails)."""
    policy.check_allowed(actor.principal, "VerifyDomainAlias")
    alias = DomainAlias.objects.filter(account=actor.account).first()
    if alias is None:
        raise EntityNotExist(_("The account has no domain alias."), code="EntityNotExist.DomainAlias")
    lookup = dns.lookup_txt(alias.domain)
    verdict = policy.judge_txt(alias.verification_value, lookup.values, lookup.error)
    now = clock.now(actor.account)
    with transaction.atomic():
        if verdict.verified and alias.verified_at is None:
            DomainAlias.objects.filter(pk=alias.pk).update(verified_at=now)
        events.record(
            action="VerifyDomainAlias",
            account=actor.account,
            actor=actor.principal,
            actor_name=actor.display_name,
            source_ip=actor.source_ip,
            target=alias.domain,
            result=verdict.reason,
            detail={"found": lookup.values[:5]},
            account_time=now,
        )
    return verdict


@events.audited("DeleteDomainAlias")
def domain_alias_delete(*, actor: Actor, now: datetime | None = None) -> None:
    policy.check_allowed(actor.principal, "DeleteDomainAlias")
    now = now or clock.now(actor.account)
    deleted = DomainAlias.objects.filter(account=actor.account).first()
    if deleted is None:
        raise EntityNotExist(_("The account has no domain alias."), code="EntityNotExist.DomainAlias")
    deleted.delete()
    events.record_by(actor, "DeleteDomainAlias", deleted.domain, now, {})


@events.audited("SetSandboxDnsRecord")
def sandbox_dns_record_create(*, actor: Actor, name: str, value: str, now: datetime | None = None) -> SandboxDnsRecord:
    """DNS records (sandbox): publish a TXT record the sandbox DNS server answers with."""
    policy.check_allowed(actor.principal, "SetSandboxDnsRecord")
    name = policy.normalise_domain_name(name)
    policy.check_domain_name(name, field="name")
    now = now or clock.now(actor.account)
    if SandboxDnsRecord.objects.filter(name=name).exclude(account=actor.account).exists():
        raise EntityAlreadyExists(
            _("Another sandbox account publishes this name."), code="EntityAlreadyExists.DnsName", field="name"
        )
    record = SandboxDnsRecord.objects.create(
        account=actor.account, name=name, value=value.strip()[:255], created_at=now
    )
    events.record_by(actor, "SetSandboxDnsRecord", name, now, {"value": record.value})
    return record


@events.audited("DeleteSandboxDnsRecord")
def sandbox_dns_record_delete(*, actor: Actor, record_id: int, now: datetime | None = None) -> None:
    policy.check_allowed(actor.principal, "DeleteSandboxDnsRecord")
    record = SandboxDnsRecord.objects.filter(account=actor.account, pk=record_id).first()
    if record is None:
        raise EntityNotExist(_("The record does not exist."), code="EntityNotExist.DnsRecord")
    now = now or clock.now(actor.account)
    record.delete()
    events.record_by(actor, "DeleteSandboxDnsRecord", record.name, now, {})
