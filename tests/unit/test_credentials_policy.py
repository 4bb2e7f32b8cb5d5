"""AccessKey rules: the two-key limit, rotation age, unused, last-used cadence, recent use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from security import policy
from security.errors import InvalidParameter, LimitExceeded

NOW = datetime(2030, 6, 1, tzinfo=UTC)


def test_two_keys_at_most() -> None:
    policy.check_can_add_access_key(existing_count=1)
    with pytest.raises(LimitExceeded) as refused:
        policy.check_can_add_access_key(existing_count=2)
    assert refused.value.code == "LimitExceeded.User.AccessKey"
    assert refused.value.http_status == 409


@pytest.mark.parametrize(("days", "due"), [(89, False), (90, False), (90.001, True), (91, True)])
def test_rotation_due_after_ninety_days(days: float, due: bool) -> None:
    assert policy.is_rotation_due(NOW - timedelta(days=days), now=NOW) is due


def test_unused_means_never_or_not_for_ninety_days() -> None:
    created = NOW - timedelta(days=400)
    assert policy.is_unused(created, None, now=NOW)
    assert policy.is_unused(created, NOW - timedelta(days=91), now=NOW)
    assert not policy.is_unused(created, NOW - timedelta(days=90), now=NOW)
    assert policy.is_unused(NOW, None, now=NOW)  # brand new and never used


@pytest.mark.parametrize(("seconds", "record"), [(None, True), (59, False), (60, True), (-5, True)])
def test_last_used_written_at_most_once_a_minute(seconds: int | None, record: bool) -> None:
    last = None if seconds is None else NOW - timedelta(seconds=seconds)
    assert policy.should_record_use(last, now=NOW) is record


def test_recent_use_guard() -> None:
    policy.check_not_recently_used(NOW - timedelta(minutes=61), now=NOW, confirmed=False)
    policy.check_not_recently_used(None, now=NOW, confirmed=False)
    policy.check_not_recently_used(NOW - timedelta(minutes=5), now=NOW, confirmed=True)
    with pytest.raises(InvalidParameter) as refused:
        policy.check_not_recently_used(NOW - timedelta(minutes=59), now=NOW, confirmed=False)
    assert refused.value.code == "RecentUseConfirmationRequired"
