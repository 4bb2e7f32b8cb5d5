"""Reads of accounts, RAM users and their system policies, always scoped to one account."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Lower
from django.db.models.lookups import Exact
from django.utils.translation import gettext as _

from accesskeys.models import AccessKey
from accounts.models import (
    DEFAULT_DOMAIN_SUFFIX,
    Account,
    LoginProfile,
    OutboxMessage,
    PasswordHistory,
    PolicyAttachment,
    Principal,
    Sandbox,
    UserTag,
)
from ramconsole.kernel import rows
from security.errors import EntityNotExist


def name_is(name: str) -> Exact:
    """RAM user names match regardless of case; LOWER(name) is what the per-account unique index
    holds, so the lookup is an index probe (`name__iexact` compiles to UPPER and scans)."""
    return Exact(Lower("name"), name.lower())


def principal_for_logon_name(logon_name: str) -> Principal | None:
    """Resolve a console logon name: a RAM user's UPN (default domain or verified domain alias), or
    an account's root email."""
    logon_name = logon_name.strip()
    name, at, domain = logon_name.rpartition("@")
    if not at or not name:
        return None
    domain = domain.lower()
    suffix = f".{DEFAULT_DOMAIN_SUFFIX}"
    principals = Principal.objects.select_related("account__domain_alias")
    ram_users = principals.filter(name_is(name), kind=Principal.Kind.RAM_USER)
    if domain.endswith(suffix):
        return _only(ram_users.filter(account__alias=domain.removesuffix(suffix)))
    # A verified domain alias logs its account's RAM users on too; an unverified one does not.
    by_alias = ram_users.filter(account__domain_alias__domain=domain, account__domain_alias__verified_at__isnull=False)
    root = principals.filter(Exact(Lower("email"), logon_name.lower()), kind=Principal.Kind.ROOT)
    return _only(by_alias) or _only(root)


def _only(principals: QuerySet[Principal]) -> Principal | None:
    """The match of a unique lookup. A slice, not first(): without ORDER BY id, PostgreSQL probes the
    unique index (LOWER(name), LOWER(email)) instead of walking the primary key."""
    return next(iter(principals[:1]), None)


def root_of(account: Account) -> Principal:
    return Principal.objects.get(account=account, kind=Principal.Kind.ROOT)


_key_count = (
    AccessKey.objects.filter(principal=OuterRef("pk")).order_by().values("principal").annotate(n=Count("*")).values("n")
)


# The Users table's sortable columns (`?sort=`, `-` for descending); the ID breaks ties, so pages
# never repeat or skip a user. Users who never logged on come last either way.
USER_SORTS = {
    "name": (Lower("name").asc(), "id"),
    "-name": (Lower("name").desc(), "-id"),
    "access_keys": ("access_key_count", "id"),
    "-access_keys": ("-access_key_count", "-id"),
    "last_logon": (F("last_login").asc(nulls_last=True), "id"),
    "-last_logon": (F("last_login").desc(nulls_last=True), "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
}
DEFAULT_USER_SORT = "-created"


def ram_user_list(
    *, account: Account, search: str = "", status: Q | None = None, sort: str = DEFAULT_USER_SORT
) -> QuerySet[Principal]:
    """RAM users of `account` with what the Users page shows (logon profile, MFA device, key
    count) in one query; `status` is a condition of policy.user_status_condition."""
    users = (
        Principal.objects.filter(account=account, kind=Principal.Kind.RAM_USER)
        .select_related("account__domain_alias", "login_profile", "mfa_device")
        # A correlated count, so only the rows of the shown page are counted (no GROUP BY over all users).
        .annotate(access_key_count=Coalesce(Subquery(_key_count), 0))
        .order_by(*USER_SORTS[sort])
    )
    if status is not None:
        users = users.filter(status)
    search = search.strip()
    if search:
        # The part before "@" is the user name, so a pasted UPN finds its user too.
        term = search.split("@", 1)[0] if "@" in search else search
        users = users.filter(Q(name__icontains=term) | Q(display_name__icontains=search))
    return users


def ram_user_count(*, account: Account) -> int:
    return Principal.objects.filter(account=account, kind=Principal.Kind.RAM_USER).count()


def ram_user_get(*, account: Account, user_id: str) -> Principal:
    """One RAM user of `account` by user ID; another account's user does not exist here."""
    user = (
        Principal.objects.select_related("account__domain_alias", "login_profile", "mfa_device")
        .filter(account=account, kind=Principal.Kind.RAM_USER, user_id=user_id)
        .first()
    )
    if user is None:
        raise EntityNotExist(code="EntityNotExist.User", message=_("The user does not exist."))
    return user


@cache
def _principal_with_account_sql() -> str:
    return rows.select((Principal, "p"), (Account, "a")) + (
        f" FROM {rows.table(Principal)} p LEFT JOIN {rows.table(Account)} a ON a.id = p.account_id WHERE p.id = %s"
    )


def principal_with_account(pk: int) -> Principal | None:
    """The principal of a console session, with its account (operators have none): read on every
    console request, so one query in SQL written once (ramconsole/kernel/rows.py)."""
    with rows.cursor() as cursor:
        cursor.execute(_principal_with_account_sql(), [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    principal, account = rows.instances(row, Principal, Account)
    principal.account = account if principal.account_id is not None else None
    return principal


# The kind written in the SQL, not bound: the (account, LOWER(name)) unique index is partial (RAM users
# only), and the plan of a prepared statement (ramconsole/kernel/rows.py) can use it only if the
# condition is in its text; with the kind bound it scanned every user of the account.
RAM_USER_SQL = f"%s.kind = '{Principal.Kind.RAM_USER.value}'"


@cache
def _ram_user_by_name_sql() -> str:
    # A probe of the (account, LOWER(name)) unique index; no ORDER BY, which would walk the primary key.
    return rows.select((Principal, "p")) + (
        f" FROM {rows.table(Principal)} p WHERE p.account_id = %s AND {RAM_USER_SQL % 'p'} AND LOWER(p.name) = %s"
    )


def ram_user_get_by_name(*, account: Account, name: str) -> Principal:
    """Most API actions name their user: one query in SQL written once (ramconsole/kernel/rows.py)."""
    with rows.cursor() as cursor:
        cursor.execute(_ram_user_by_name_sql(), [account.pk, name.lower()])
        row = cursor.fetchone()
    if row is None:
        raise EntityNotExist(code="EntityNotExist.User", message=_("The user does not exist."))
    (user,) = rows.instances(row, Principal)
    user.account = account
    return user


def ram_user_get_by_principal_name(*, account: Account, name: str) -> Principal:
    """A RAM user of `account` named by its UPN (IMS), or by its bare user name."""
    if "@" not in name:
        return ram_user_get_by_name(account=account, name=name)
    principal = principal_for_logon_name(name)
    if principal is None or principal.account_id != account.pk or not principal.is_ram_user:
        raise EntityNotExist(code="EntityNotExist.User", message=_("The user does not exist."))
    return principal


def system_policies_of(principal: Principal) -> frozenset[str]:
    """Names of the system policies attached to `principal`, read once per principal instance."""
    cached = getattr(principal, "_system_policies", None)
    if cached is None:
        cached = frozenset(PolicyAttachment.objects.filter(principal=principal).values_list("policy_name", flat=True))
        principal._system_policies = cached
    return cached


def system_policies_column(principal_alias: str) -> str:
    """For SQL written once (ramconsole/kernel/rows.py) that reads a principal on every request: a
    column of its system policy names, comma-joined (no name has a comma), which
    `remember_system_policies` takes, so `system_policies_of` needs no query of its own."""
    join = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    quote = connection.ops.quote_name
    return (
        f"(SELECT {join}(pa.{quote('policy_name')}, ',') FROM {rows.table(PolicyAttachment)} pa "  # noqa: S608 - names from model metadata
        f"WHERE pa.{quote('principal_id')} = {principal_alias}.{quote('id')})"
    )


def remember_system_policies(principal: Principal, joined: str | None) -> None:
    principal._system_policies = frozenset(joined.split(",")) if joined else frozenset()


def policy_attachments_of(principal: Principal) -> QuerySet[PolicyAttachment]:
    return PolicyAttachment.objects.filter(principal=principal).order_by("attached_at", "id")


def account_find(identifier: str) -> Account | None:
    """An account by its ID or alias (operator commands)."""
    return Account.objects.filter(Q(account_id=identifier) | Q(alias=identifier)).first()


def account_by_root_email(email: str) -> Account | None:
    root = Principal.objects.select_related("account").filter(kind=Principal.Kind.ROOT, email__iexact=email).first()
    return root.account if root else None


def password_hashes_of(principal: Principal, *, limit: int) -> list[str]:
    """The hashes of `principal`'s most recent `limit` passwords, newest first (current included)."""
    if limit <= 0:
        return []
    return list(
        PasswordHistory.objects.filter(principal=principal)
        .order_by("-created_at", "-id")
        .values_list("password", flat=True)[:limit]
    )


def password_history_ids_beyond(principal: Principal, *, keep: int) -> list[int]:
    """IDs of `principal`'s password hashes older than the newest `keep`."""
    return list(
        PasswordHistory.objects.filter(principal=principal)
        .order_by("-created_at", "-id")
        .values_list("id", flat=True)[keep:]
    )


def passwords_older_than(*, account: Account, cutoff: datetime) -> int:
    """How many RAM users of `account` have a console password set before `cutoff`."""
    return LoginProfile.objects.filter(principal__account=account, password_changed_at__lte=cutoff).count()


def principal_locked(pk: int) -> Principal:
    """The principal with its row lock held, which serialises logons of one identity so that failure
    counting and lockout are exact under concurrent attempts. Its account is read after the lock: a
    row joined into the locking query could be a snapshot from before a concurrent attempt's update."""
    principal = Principal.objects.select_for_update().get(pk=pk)
    principal.account = Account.objects.select_related("domain_alias").get(pk=principal.account_id)
    return principal


def login_profile_of(principal: Principal) -> LoginProfile | None:
    """The principal's logon profile, read afresh from the database."""
    return LoginProfile.objects.filter(principal=principal).first()


def ram_users_after(
    *,
    account: Account,
    after_pk: int,
    limit: int,
    tags: Sequence[tuple[str, str | None]] = (),
    with_tags: bool = False,
) -> QuerySet[Principal]:
    """A page of ListUsers: RAM users in creation order after the marker; with `tags`, only the
    users that have every one of them (a None value: the key with any value)."""
    users = Principal.objects.filter(account=account, kind=Principal.Kind.RAM_USER, pk__gt=after_pk)
    for key, value in tags:
        tagged = UserTag.objects.filter(principal=OuterRef("pk"), key=key)
        users = users.filter(Exists(tagged if value is None else tagged.filter(value=value)))
    users = users.select_related("account__domain_alias")
    if with_tags:
        users = users.prefetch_related(_tags_prefetch())
    return users.order_by("pk")[:limit]


def _tags_prefetch() -> Prefetch:
    return Prefetch("tags", queryset=UserTag.objects.order_by("key"), to_attr="sorted_tags")


def tags_of(user: Principal) -> list[UserTag]:
    """A RAM user's tags by key (those a list prefetched, if it did)."""
    if hasattr(user, "sorted_tags"):
        return user.sorted_tags
    return list(UserTag.objects.filter(principal=user).order_by("key"))


def sandbox_of(account: Account) -> Sandbox | None:
    return Sandbox.objects.filter(account_id=account.account_id).first()


def sandbox_find(key: str) -> Sandbox | None:
    """A sandbox by its name, account ID or alias (operator commands)."""
    return Sandbox.objects.filter(Q(name=key) | Q(account_id=key) | Q(alias=key)).first()


def outbox_of(account: Account) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(account=account).order_by("-sent_at", "-id")
