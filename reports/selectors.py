"""Reads behind the Security Check and the credential report, aggregated in SQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from django.core.cache import cache
from django.db.models import Count, Max, TextField
from django.db.models.functions import Cast

from accesskeys.models import AccessKey
from accounts.models import Account, LoginProfile, Principal, SystemPolicy
from mfa.models import VirtualMFADevice
from ramconsole.kernel import clock
from reports.models import CredentialReport
from security import policy
from security.models import Event
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


def latest_credential_report(account: Account, *, with_content: bool = False) -> CredentialReport | None:
    """The newest report; its (large) CSV is read only when it is wanted."""
    reports = CredentialReport.objects.filter(account=account).order_by("-requested_at", "-pk")
    return (reports if with_content else reports.defer("content")).first()


# Times in the credential report are UTC text, `YYYY-MM-DDThh:mm:ssZ` (None = never).
UtcText = str


@dataclass(frozen=True)
class KeyFacts:
    status: str
    created_at: UtcText
    last_used_at: UtcText | None


@dataclass(frozen=True)
class IdentityRow:
    """What the credential report says of one identity."""

    name: str
    created_at: UtcText
    last_logon: UtcText | None
    is_root: bool
    has_profile: bool
    console_enabled: bool
    password_changed_at: UtcText | None
    mfa_active: bool
    keys: list[KeyFacts]


def _as_text(field: str) -> Cast:
    """The database's own text of a stored UTC time: parsing 500,000 datetimes in Python is most of
    a large report's time, and the report only prints them."""
    return Cast(field, output_field=TextField())


def _utc_text(raw: str | None) -> UtcText | None:
    """`2030-01-02 03:04:05[.ffffff][+00]` (SQLite or PostgreSQL text) → `2030-01-02T03:04:05Z`."""
    return f"{raw[:10]}T{raw[11:19]}Z" if raw else None


_KEY_FIELDS = ("principal_id", "status", "created_text", "last_used_text")
_KEY_ANNOTATIONS = {"created_text": _as_text("created_at"), "last_used_text": _as_text("last_used_at")}


_USER_FIELDS = (
    "pk",
    "name",
    "created_text",
    "last_login_text",
    "login_profile__pk",
    "login_profile__console_password_enabled",
    "changed_text",
    "mfa_device__pk",
)
_USER_ANNOTATIONS = {
    "created_text": _as_text("created_at"),
    "last_login_text": _as_text("last_login"),
    "changed_text": _as_text("login_profile__password_changed_at"),
}


def credential_identity_count(account: Account) -> int:
    """How many rows the credential report has: the root and every RAM user."""
    return 1 + Principal.objects.filter(account=account, kind=Principal.Kind.RAM_USER).count()


# RAM users read per query. Each batch is read whole before its rows are handed out, so no cursor
# stays open while the worker writes its progress: on SQLite an open read pins its snapshot, and
# the progress write would be refused ("database is locked") once anyone else had written.
IDENTITY_BATCH = 5000


def credential_identities(account: Account) -> Iterator[IdentityRow]:
    """The root, then every RAM user in creation order: two queries per 5,000 users, streamed.

    Users and keys are read as plain tuples in owner order and merged, so memory stays flat and no
    model instance is built per row (at 100,000 users that is most of the time).
    """
    root = Principal.objects.select_related("account__domain_alias", "mfa_device").get(
        account=account, kind=Principal.Kind.ROOT
    )
    domain = root.account.logon_domain
    keys = AccessKey.objects.filter(principal__account=account).annotate(**_KEY_ANNOTATIONS)
    root_keys = [
        KeyFacts(k[1], _utc_text(k[2]), _utc_text(k[3]))
        for k in keys.filter(principal=root).order_by("created_at", "pk").values_list(*_KEY_FIELDS)
    ]
    yield IdentityRow(
        name="<root>",
        created_at=clock.utc_text(root.created_at),
        last_logon=clock.utc_text(root.last_login),
        is_root=True,
        has_profile=True,
        console_enabled=True,
        password_changed_at=None,
        mfa_active=hasattr(root, "mfa_device"),
        keys=root_keys,
    )
    users = (
        Principal.objects.filter(account=account, kind=Principal.Kind.RAM_USER)
        .annotate(**_USER_ANNOTATIONS)
        .order_by("pk")
        .values_list(*_USER_FIELDS)
    )
    user_keys = keys.filter(principal__kind=Principal.Kind.RAM_USER).order_by("principal_id", "created_at", "pk")
    after = 0
    while batch := list(users.filter(pk__gt=after)[:IDENTITY_BATCH]):
        first, after = batch[0][0], batch[-1][0]
        own_keys: dict[int, list[KeyFacts]] = {}
        for owner, status, created, last_used in user_keys.filter(
            principal_id__gte=first, principal_id__lte=after
        ).values_list(*_KEY_FIELDS):
            own_keys.setdefault(owner, []).append(KeyFacts(status, _utc_text(created), _utc_text(last_used)))
        for pk, name, created_at, last_login, profile_pk, console_enabled, changed_at, device_pk in batch:
            yield IdentityRow(
                name=f"{name}@{domain}",
                created_at=_utc_text(created_at),
                last_logon=_utc_text(last_login),
                is_root=False,
                has_profile=profile_pk is not None,
                console_enabled=bool(console_enabled),
                password_changed_at=_utc_text(changed_at),
                mfa_active=device_pk is not None,
                keys=own_keys.get(pk, []),
            )


def max_keys_per_identity(account: Account) -> int:
    """The most keys any identity of the account holds (decides the report's extra columns)."""
    counts = (
        AccessKey.objects.filter(principal__account=account)
        .values("principal")
        .annotate(n=Count("pk"))
        .aggregate(most=Max("n"))
    )
    return counts["most"] or 0


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
    return policy.TrainingFacts(
        check=account_facts(account, now=now),
        admins_without_mfa=admins_without_mfa,
        password_rule=password_policy_of(account),
        login_network_masks=security_preference_of(account).login_network_masks,
    )
