"""Reads of AccessKeys, always through their owner."""

from __future__ import annotations

from functools import cache

from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accesskeys.models import AccessKey
from accounts import selectors as account_selectors
from accounts.models import Account, Principal
from ramconsole.kernel import rows
from security.errors import EntityNotExist


def access_keys_of(principal: Principal) -> QuerySet[AccessKey]:
    return AccessKey.objects.filter(principal=principal).order_by("created_at", "id")


@cache
def _keys_of_sql() -> str:
    return rows.select((AccessKey, "k")) + (
        f" FROM {rows.table(AccessKey)} k WHERE k.principal_id = %s ORDER BY k.created_at, k.id"
    )


def access_key_list(principal: Principal) -> list[AccessKey]:
    """`access_keys_of` in SQL written once, for ListAccessKeys (a call reads it every time; the
    queryset's compilation cost more than its query: 1.7-2.5 ms against 0.5-0.7 ms)."""
    with connection.cursor() as cursor:
        cursor.execute(_keys_of_sql(), [principal.pk])
        return [rows.instances(row, AccessKey)[0] for row in cursor.fetchall()]


def access_key_count(principal: Principal) -> int:
    return AccessKey.objects.filter(principal=principal).count()


def access_key_get(principal: Principal, access_key_id: str) -> AccessKey:
    """One key of `principal`; a key of anyone else does not exist here."""
    key = AccessKey.objects.filter(principal=principal, access_key_id=access_key_id).first()
    if key is None:
        raise EntityNotExist(_("The user access key does not exist."), code="EntityNotExist.User.AccessKey")
    return key


@cache
def _key_with_owner_sql() -> str:
    return rows.select((AccessKey, "k"), (Principal, "p"), (Account, "a")) + (
        f", {account_selectors.system_policies_column('p')}"
        f" FROM {rows.table(AccessKey)} k JOIN {rows.table(Principal)} p ON p.id = k.principal_id "
        f"JOIN {rows.table(Account)} a ON a.id = p.account_id WHERE k.access_key_id = %s"
    )


def access_key_by_id(access_key_id: str) -> AccessKey | None:
    """The key that signed an API request, with its owner, the owner's system policies (its role)
    and the owner's account: one query in SQL written once, as every signed call makes it
    (ramconsole/kernel/rows.py)."""
    with connection.cursor() as cursor:
        cursor.execute(_key_with_owner_sql(), [access_key_id])
        row = cursor.fetchone()
    if row is None:
        return None
    *columns, policies = row
    key, owner, account = rows.instances(columns, AccessKey, Principal, Account)
    account_selectors.remember_system_policies(owner, policies)
    owner.account = account
    key.principal = owner
    return key
