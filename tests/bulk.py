"""Many RAM users at once for the credential report tests: bulk inserts, not the services (which
hash a password per user and refuse more than 1,000 users per account)."""

from __future__ import annotations

import secrets

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import Account, LoginProfile, Principal
from ramconsole.kernel import clock

BATCH = 5000


@transaction.atomic
def bulk_ram_users(account: Account, count: int, *, prefix: str = "bulk") -> None:
    """`count` RAM users named <prefix>00000…, every other one with console logon."""
    now = clock.now(account)
    unusable = make_password(None)
    base = secrets.randbelow(10**15) * 10  # user IDs are unique across accounts
    for start in range(0, count, BATCH):
        principals = [
            Principal(
                username=f"{account.account_id}/{base + i:016d}",
                kind=Principal.Kind.RAM_USER,
                account=account,
                user_id=f"{base + i:016d}",
                name=f"{prefix}{i:05d}",
                display_name=f"{prefix} {i}",
                password=unusable,
                created_at=now,
                updated_at=now,
            )
            for i in range(start, min(start + BATCH, count))
        ]
        Principal.objects.bulk_create(principals)
        pks = dict(
            Principal.objects.filter(account=account, name__in=[p.name for p in principals]).values_list("name", "pk")
        )
        LoginProfile.objects.bulk_create(
            LoginProfile(principal_id=pks[p.name], password_changed_at=now, created_at=now, updated_at=now)
            for i, p in enumerate(principals)
            if i % 2 == 0
        )
