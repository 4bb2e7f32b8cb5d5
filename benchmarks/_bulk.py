"""Bulk seeding shared by the benchmarks: many RAM users in one account, inserted in batches.

Not through the services (that would take hours and refuses more than 1,000 users per account):
each user gets a logon profile, every other one a bound virtual MFA device, and one or two
AccessKeys (a third have two) of varied ages and use. Call inside a transaction.
"""

from __future__ import annotations

import random
import string
from datetime import timedelta

import pyotp
from django.contrib.auth.hashers import make_password

from accesskeys.models import AccessKey
from accounts.models import Account, LoginProfile, Principal
from mfa.models import VirtualMFADevice
from ramconsole.kernel import clock, crypto

BATCH = 5000
KEY_ALPHABET = string.ascii_letters + string.digits


def bulk_ram_users(account: Account, users: int, *, rng: random.Random, id_base: int) -> int:
    """Insert `users` RAM users named user000000…; returns how many AccessKeys were made.
    `id_base` keeps user IDs of different benchmarks apart."""
    now = clock.now(account)
    unusable = make_password(None)
    seed_token = crypto.encrypt(pyotp.random_base32())
    secret_token = crypto.encrypt("bench-secret-0123456789abcdefghij")
    key_ids: set[str] = set()

    def key_id() -> str:
        while True:
            candidate = "LTAI" + "".join(rng.choices(KEY_ALPHABET, k=20))
            if candidate not in key_ids:
                key_ids.add(candidate)
                return candidate

    user_id_base = id_base + rng.randrange(10**14)
    keys_total = 0
    for start in range(0, users, BATCH):
        indexes = range(start, min(start + BATCH, users))
        principals = []
        for i in indexes:
            created = now - timedelta(days=400 - (i % 400), minutes=i % 1440)
            principals.append(
                Principal(
                    username=f"{account.account_id}/{user_id_base + i:016d}",
                    kind=Principal.Kind.RAM_USER,
                    account=account,
                    user_id=f"{user_id_base + i:016d}",
                    name=f"user{i:06d}",
                    display_name=f"User {i}",
                    password=unusable,
                    created_at=created,
                    updated_at=created,
                    last_login=now - timedelta(hours=i % 500) if i % 4 else None,
                )
            )
        Principal.objects.bulk_create(principals, batch_size=BATCH)
        if principals[0].pk is None:  # a backend that does not return primary keys
            by_name = dict(
                Principal.objects.filter(account=account, name__in=[p.name for p in principals]).values_list(
                    "name", "pk"
                )
            )
            for principal in principals:
                principal.pk = by_name[principal.name]
        LoginProfile.objects.bulk_create(
            [
                LoginProfile(
                    principal=p,
                    console_password_enabled=i % 10 != 0,
                    password_changed_at=p.created_at,
                    created_at=p.created_at,
                    updated_at=p.created_at,
                )
                for i, p in zip(indexes, principals, strict=True)
            ],
            batch_size=BATCH,
        )
        VirtualMFADevice.objects.bulk_create(
            [
                VirtualMFADevice(
                    account=account,
                    name=p.name,
                    seed_encrypted=seed_token,
                    principal=p,
                    bound_at=p.created_at,
                    created_at=p.created_at,
                )
                for i, p in zip(indexes, principals, strict=True)
                if i % 2 == 0
            ],
            batch_size=BATCH,
        )
        keys = []
        for i, p in zip(indexes, principals, strict=True):
            for k in range(2 if i % 3 == 0 else 1):
                created = now - timedelta(days=(i * 7 + k * 31) % 365)
                used = None if (i + k) % 5 == 0 else now - timedelta(days=(i + k) % 120)
                keys.append(
                    AccessKey(
                        principal=p,
                        access_key_id=key_id(),
                        secret_encrypted=secret_token,
                        status=AccessKey.Status.INACTIVE if (i + k) % 17 == 0 else AccessKey.Status.ACTIVE,
                        created_at=created,
                        updated_at=created,
                        last_used_at=used,
                    )
                )
        AccessKey.objects.bulk_create(keys, batch_size=BATCH)
        keys_total += len(keys)
    return keys_total
