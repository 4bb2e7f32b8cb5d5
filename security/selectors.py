"""Reads of the security app, always scoped to one account."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from accounts.models import Account
from security.models import RESULT_SUCCESS, DomainAlias, Event, PasswordPolicy, SandboxDnsRecord, SecurityPreference

RESULT_FILTER_SUCCESS = "success"
RESULT_FILTER_FAILURE = "failure"


def event_list(
    *,
    account: Account,
    action: str = "",
    actor: str = "",
    result: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Event]:
    """Events of `account`, newest first, narrowed by the Events page's filters."""
    events = Event.objects.filter(account=account)
    if action:
        events = events.filter(action=action)
    if actor:
        events = events.filter(actor_name__icontains=actor)
    if result == RESULT_FILTER_SUCCESS:
        events = events.filter(result=RESULT_SUCCESS)
    elif result == RESULT_FILTER_FAILURE:
        events = events.exclude(result=RESULT_SUCCESS)
    if since:
        events = events.filter(occurred_at__gte=since)
    if until:
        events = events.filter(occurred_at__lt=until)
    return events.order_by("-occurred_at", "-id")


def event_actions(*, account: Account) -> list[str]:
    """The action names that occur in `account`'s events, for the filter menu."""
    return list(Event.objects.filter(account=account).values_list("action", flat=True).distinct().order_by("action"))


def password_policy_of(account: Account) -> PasswordPolicy:
    """The account's password policy; an unsaved row with the defaults when none was ever set."""
    cached = getattr(account, "_password_policy", None)
    if cached is None:
        cached = PasswordPolicy.objects.filter(account=account).first() or PasswordPolicy(account=account)
        account._password_policy = cached
    return cached


def security_preference_of(account: Account) -> SecurityPreference:
    """The account's RAM user security settings; the defaults when none were ever set."""
    cached = getattr(account, "_security_preference", None)
    if cached is None:
        cached = SecurityPreference.objects.filter(account=account).first() or SecurityPreference(account=account)
        account._security_preference = cached
    return cached


def domain_alias_of(account: Account) -> DomainAlias | None:
    return DomainAlias.objects.filter(account=account).first()


def sandbox_dns_records(*, account: Account) -> QuerySet[SandboxDnsRecord]:
    return SandboxDnsRecord.objects.filter(account=account).order_by("name", "pk")
