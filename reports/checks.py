"""The Security Check's and the Training page's facts: aggregate reads, in SQL, of what the policy
layer judges (its definitions of an unused or rotation-due key, its password levels and scores).
They read through the policy's definitions, so they sit above it, beside the services; plain reads
are reports/selectors.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from django.core.cache import cache
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, Q

from accesskeys.models import AccessKey
from accounts.models import Account, LoginProfile, Principal, SystemPolicy
from mfa.models import VirtualMFADevice
from security import policy
from security.models import RESULT_SUCCESS, Event, UserSsoSettings
from security.selectors import password_policy_of, security_preference_of

EVIDENCE_LIMIT = 10
T = TypeVar("T")


# The Security Check's aggregates cost tens of milliseconds at thousands of users, and Overview is
# the console's landing page. They are cached (the shared Redis cache under `make serve`) under a key
# that changes with every change of the account — each change records an event — and with every
# minute of the account's clock, as keys age and passwords expire with time alone.
CHECK_CACHE_SECONDS = 300


def _cached(name: str, account: Account, now: datetime, compute: Callable[[], T]) -> T:
    # By ID, not time: workers' clocks may disagree. (An event that commits after a higher ID was read
    # is picked up at the next minute.)
    newest_event = Event.objects.filter(account=account).order_by("-id").values_list("id", flat=True).first()
    key = f"security-check:{name}:{account.pk}:{newest_event or 0}:{now:%Y%m%d%H%M}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CHECK_CACHE_SECONDS)
    return value


def account_facts(account: Account, *, now: datetime) -> policy.AccountFacts:
    """Every number of the Security Check (cached until the account next changes)."""
    return _cached("facts", account, now, lambda: _account_facts(account, now=now))


def _account_facts(account: Account, *, now: datetime) -> policy.AccountFacts:
    """Every number of the Security Check in a handful of aggregate queries, whatever the user count."""
    unused = policy.unused_key_condition(now=now)
    old = policy.rotation_due_key_condition(now=now)
    profiles = LoginProfile.objects.filter(principal__account=account)
    user_counts = {
        "total": Principal.objects.filter(account=account, kind=Principal.Kind.RAM_USER).count(),
        "with_mfa": VirtualMFADevice.objects.filter(account=account, principal__kind=Principal.Kind.RAM_USER).count(),
        "console": profiles.count(),
        "console_mfa": profiles.filter(principal__mfa_device__isnull=False).count(),
    }
    ram_keys = AccessKey.objects.filter(principal__account=account, principal__kind=Principal.Kind.RAM_USER)
    key_counts = ram_keys.aggregate(
        total=Count("pk"),
        unused=Count("pk", filter=unused),
        old=Count("pk", filter=old),
        users_unused=Count("principal", filter=unused, distinct=True),
        users_old=Count("principal", filter=old, distinct=True),
    )
    root_stats = Principal.objects.filter(account=account, kind=Principal.Kind.ROOT).aggregate(
        keys=Count("access_keys", distinct=True), mfa=Count("mfa_device", distinct=True)
    )
    return policy.AccountFacts(
        root_mfa=root_stats["mfa"] > 0,
        root_keys=root_stats["keys"],
        users=user_counts["total"],
        console_users=user_counts["console"],
        console_users_with_mfa=user_counts["console_mfa"],
        users_with_mfa=user_counts["with_mfa"],
        keys=key_counts["total"],
        unused_keys=key_counts["unused"],
        old_keys=key_counts["old"],
        users_with_unused_keys=key_counts["users_unused"],
        users_with_old_keys=key_counts["users_old"],
        password_level=policy.password_level(password_policy_of(account)),
    )


@dataclass(frozen=True)
class Evidence:
    console_users_without_mfa: list[str]
    unused_keys: list[str]
    old_keys: list[str]


def evidence(account: Account, *, now: datetime) -> Evidence:
    """A few names behind the failing items (cached like the facts)."""
    return _cached("evidence", account, now, lambda: _evidence(account, now=now))


def _evidence(account: Account, *, now: datetime) -> Evidence:
    """A few names behind the failing items (the first ones; the counts are in the facts)."""
    console_without_mfa = (
        Principal.objects.filter(account=account, kind=Principal.Kind.RAM_USER, login_profile__isnull=False)
        .filter(mfa_device__isnull=True)
        .select_related("account__domain_alias")
        .order_by("name")[:EVIDENCE_LIMIT]
    )
    keys = AccessKey.objects.filter(principal__account=account).order_by("created_at")
    unused = keys.filter(policy.unused_key_condition(now=now))
    old = keys.filter(policy.rotation_due_key_condition(now=now))
    return Evidence(
        console_users_without_mfa=[user.upn for user in console_without_mfa],
        unused_keys=list(unused.values_list("access_key_id", flat=True)[:EVIDENCE_LIMIT]),
        old_keys=list(old.values_list("access_key_id", flat=True)[:EVIDENCE_LIMIT]),
    )


SECURITY_REPORT_FIELDS = [
    "SubUser",
    "SubUserBindMfa",
    "SubUserWithUnusedAccessKey",
    "RootWithAccessKey",
    "SubUserWithOldAccessKey",
    "SubUserPwdLevel",
    "UnusedAkNum",
    "OldAkNum",
    "BindMfa",
    "Score",
]


def security_report(account: Account, *, now: datetime) -> dict[str, object]:
    """The fields of Download Security Report / GetAccountSecurityPracticeReport (PRODUCT.md §5.3)."""
    facts = account_facts(account, now=now)
    return {
        "SubUser": facts.users,
        "SubUserBindMfa": facts.users_with_mfa,
        "SubUserWithUnusedAccessKey": facts.users_with_unused_keys,
        "RootWithAccessKey": facts.root_keys,
        "SubUserWithOldAccessKey": facts.users_with_old_keys,
        "SubUserPwdLevel": facts.password_level,
        "UnusedAkNum": facts.unused_keys,
        "OldAkNum": facts.old_keys,
        "BindMfa": facts.root_mfa,
        "Score": policy.score(policy.security_check(facts)),
    }


def training_facts(account: Account, *, now: datetime) -> policy.TrainingFacts:
    """What the Training page's scenarios are judged on: the Security Check's facts and a few more."""
    admins_without_mfa = Principal.objects.filter(
        account=account,
        kind=Principal.Kind.RAM_USER,
        policy_attachments__policy_name=SystemPolicy.FULL_ACCESS,
        mfa_device__isnull=True,
    ).count()
    sso_logons = Event.objects.filter(
        account=account, action="ConsoleLogon", result=RESULT_SUCCESS, detail__method="SAML"
    )
    sso_enabled, sso_metadata, sso_signed_in = (  # one query: the settings, and whether anyone signed in through them
        UserSsoSettings.objects.filter(account=account)
        .annotate(has_metadata=ExpressionWrapper(~Q(metadata_document=""), output_field=BooleanField()))
        .annotate(signed_in=Exists(sso_logons))
        .values_list("enabled", "has_metadata", "signed_in")
        .first()
    ) or (False, False, False)
    return policy.TrainingFacts(
        check=account_facts(account, now=now),
        admins_without_mfa=admins_without_mfa,
        password_rule=password_policy_of(account),
        login_network_masks=security_preference_of(account).login_network_masks,
        user_sso_configured=sso_enabled and sso_metadata,
        sso_logon_succeeded=sso_signed_in,
    )
