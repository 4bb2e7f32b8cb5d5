"""Reads of AccessKeys, always through their owner."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

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
    with rows.cursor() as cursor:
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
def _key_with_owner_sql(with_named_user: bool) -> str:
    sources = [(AccessKey, "k"), (Principal, "p"), (Account, "a")] + ([(Principal, "u")] if with_named_user else [])
    principals = rows.table(Principal)
    named_user = (
        f"LEFT JOIN {principals} u ON u.account_id = p.account_id AND {account_selectors.RAM_USER_SQL % 'u'} "
        "AND LOWER(u.name) = %s "
        if with_named_user
        else ""
    )
    return rows.select(*sources) + (
        f", {account_selectors.system_policies_column('p')}"
        f" FROM {rows.table(AccessKey)} k JOIN {principals} p ON p.id = k.principal_id "
        f"JOIN {rows.table(Account)} a ON a.id = p.account_id {named_user}WHERE k.access_key_id = %s"
    )


def access_key_by_id(access_key_id: str) -> AccessKey | None:
    """The key that signed an API request, with its owner, the owner's system policies (its role)
    and the owner's account: one query in SQL written once, as every signed call makes it
    (ramconsole/kernel/rows.py)."""
    with rows.cursor() as cursor:
        cursor.execute(_key_with_owner_sql(False), [access_key_id])
        row = cursor.fetchone()
    return None if row is None else _signing_key(row)


def access_key_and_named_user(access_key_id: str, user_name: str) -> tuple[AccessKey | None, Principal | None]:
    """`access_key_by_id`, and in the same query the RAM user `user_name` (any case) of the key
    owner's account, or None: a call that names its user (RAM UserName) makes one query fewer."""
    with rows.cursor() as cursor:
        cursor.execute(_key_with_owner_sql(True), [user_name.lower(), access_key_id])
        row = cursor.fetchone()
    if row is None:
        return None, None
    columns = len(Principal._meta.concrete_fields)
    *head, policies = row
    key = _signing_key([*head[:-columns], policies])
    user_row = head[-columns:]
    if user_row[0] is None:
        return key, None
    (user,) = rows.instances(user_row, Principal)
    user.account = key.principal.account
    return key, user


def _signing_key(row: Sequence[Any]) -> AccessKey:
    *columns, policies = row
    key, owner, account = rows.instances(columns, AccessKey, Principal, Account)
    account_selectors.remember_system_policies(owner, policies)
    owner.account = account
    key.principal = owner
    return key
