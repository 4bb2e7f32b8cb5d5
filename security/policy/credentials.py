"""AccessKey rules (PRODUCT.md §7): at most two per identity, rotation age, "last used" cadence."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import Principal
from security.errors import InvalidParameter, LimitExceeded, NoPermission
from security.policy.access import can

MAX_ACCESS_KEYS = 2
ROTATION_AGE = timedelta(days=90)
UNUSED_AGE = timedelta(days=90)
# "Last used" is written at most this often per key, so a busy key is not a hot row.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# The rotation wizard asks again before disabling a key used this recently.
RECENT_USE = timedelta(hours=1)


def _may_touch_credentials_of(actor: Principal, owner: Principal) -> bool:
    """Only the account itself manages the account's (root's) keys and MFA; never a RAM user."""
    return not owner.is_root or actor.pk == owner.pk


def check_can_manage_credentials_of(actor: Principal, owner: Principal) -> None:
    if not _may_touch_credentials_of(actor, owner):
        raise NoPermission()


def can_manage_access_keys_of(actor: Principal, owner: Principal) -> bool:
    """Whether the console offers Create/Disable/Delete for `owner`'s keys to `actor`."""
    return can(actor, "CreateAccessKey", target=owner) and _may_touch_credentials_of(actor, owner)


def can_add_access_key(*, existing_count: int) -> bool:
    """At most two AccessKeys per identity (the page disables Create AccessKey at the limit)."""
    return existing_count < MAX_ACCESS_KEYS


def check_can_add_access_key(*, existing_count: int) -> None:
    if not can_add_access_key(existing_count=existing_count):
        raise LimitExceeded(
            _("The access key count of the user access keys beyond the current limits."),
            code="LimitExceeded.User.AccessKey",
            console=_("A user can have at most %(n)d AccessKeys. Delete one before creating another.")
            % {"n": MAX_ACCESS_KEYS},
        )


def is_rotation_due(created_at: datetime, *, now: datetime) -> bool:
    """Older than 90 days: the console flags it for rotation."""
    return now - created_at > ROTATION_AGE


def rotation_due_key_condition(*, now: datetime) -> Q:
    """is_rotation_due as an SQL condition on AccessKey rows (the Security Check counts with it)."""
    return Q(created_at__lt=now - ROTATION_AGE)


def is_unused(created_at: datetime, last_used_at: datetime | None, *, now: datetime) -> bool:
    """Never used, or not used for 90 days (the security report's "unused")."""
    reference = last_used_at or created_at
    return last_used_at is None or now - reference > UNUSED_AGE


def unused_key_condition(*, now: datetime) -> Q:
    """is_unused as an SQL condition on AccessKey rows (the Security Check counts with it)."""
    return Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - UNUSED_AGE)


def should_record_use(last_used_at: datetime | None, *, now: datetime) -> bool:
    return last_used_at is None or now - last_used_at >= LAST_USED_RESOLUTION or now < last_used_at


def was_used_recently(last_used_at: datetime | None, *, now: datetime) -> bool:
    return last_used_at is not None and now - last_used_at < RECENT_USE


def check_not_recently_used(last_used_at: datetime | None, *, now: datetime, confirmed: bool) -> None:
    """Disabling a key used in the last hour may break a live client: ask again."""
    if confirmed or not was_used_recently(last_used_at, now=now):
        return
    raise InvalidParameter(
        _("This key was used in the last hour; a client may still depend on it. Confirm to disable it anyway."),
        code="RecentUseConfirmationRequired",
        field="confirm_recent_use",
    )
