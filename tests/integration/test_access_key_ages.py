"""The 90-day AccessKey rules as SQL: the Security Check counts and lists exactly the keys that the
policy's own predicates call unused or due for rotation, at the edges too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accesskeys.models import AccessKey
from accounts.models import Account, Principal
from reports import checks as report_checks
from security import policy

NOW = datetime(2030, 6, 1, tzinfo=UTC)
# (days since creation, days since last use or None for never): either side of 90 days, and on it.
AGES = [
    (1, None),
    (89, 1),
    (90, 90),
    (90.001, 89.999),
    (91, 90.001),
    (400, 91),
    (400, None),
]


def _ago(days: float | None) -> datetime | None:
    return None if days is None else NOW - timedelta(days=days)


@pytest.fixture
def keys(account: Account, ram_user_factory) -> list[AccessKey]:
    made = []
    for n, (created, used) in enumerate(AGES):
        owner = ram_user_factory(account, f"holder{n}", password=None)
        made.append(
            AccessKey.objects.create(
                principal=owner,
                access_key_id=f"LTAI{n:020d}",
                secret_encrypted="-",
                created_at=_ago(created),
                last_used_at=_ago(used),
            )
        )
    return made


def test_sql_conditions_pick_what_the_predicates_say(keys: list[AccessKey]) -> None:
    rows = AccessKey.objects.filter(pk__in=[key.pk for key in keys])
    unused = {key.access_key_id for key in keys if policy.is_unused(key.created_at, key.last_used_at, now=NOW)}
    due = {key.access_key_id for key in keys if policy.is_rotation_due(key.created_at, now=NOW)}
    assert unused == {keys[i].access_key_id for i in (0, 4, 5, 6)}
    assert due == {keys[i].access_key_id for i in (3, 4, 5, 6)}
    assert set(rows.filter(policy.unused_key_condition(now=NOW)).values_list("access_key_id", flat=True)) == unused
    assert set(rows.filter(policy.rotation_due_key_condition(now=NOW)).values_list("access_key_id", flat=True)) == due


def test_security_check_counts_and_lists_them(account: Account, root: Principal, keys: list[AccessKey]) -> None:
    facts = report_checks.account_facts(account, now=NOW)
    assert (facts.keys, facts.unused_keys, facts.old_keys) == (7, 4, 4)
    assert (facts.users_with_unused_keys, facts.users_with_old_keys) == (4, 4)
    evidence = report_checks.evidence(account, now=NOW)
    assert set(evidence.unused_keys) == {key.access_key_id for key in keys[:1] + keys[4:]}
    assert set(evidence.old_keys) == {key.access_key_id for key in keys[3:]}
