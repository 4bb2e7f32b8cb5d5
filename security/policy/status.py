"""A RAM user's status at a glance (the Users table and the user's page): console logon on or off,
locked until, password expired, MFA, AccessKeys. The filters of the Users table are the same rules
as SQL conditions, so a tag and the filter that finds it never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Q

from security.policy.passwords import is_locked, is_password_expired, password_expiry_cutoff

if TYPE_CHECKING:
    from accounts.models import Principal
    from security.models import PasswordPolicy

# The Users table's status filters (`?status=`); the access key count is the `access_key_count`
# annotation of the Users query.
STATUS_CONSOLE_ON = "console-on"
STATUS_CONSOLE_OFF = "console-off"
STATUS_LOCKED = "locked"
STATUS_EXPIRED = "expired"
STATUS_MFA = "mfa"
STATUS_NO_MFA = "no-mfa"
STATUS_ACCESS_KEYS = "access-keys"
STATUS_NO_ACCESS_KEYS = "no-access-keys"


@dataclass(frozen=True)
class UserStatus:
    console_logon: bool
    locked_until: datetime | None
    password_expired: bool
    mfa: bool
    access_keys: int


def user_status(user: Principal, *, rule: PasswordPolicy, now: datetime, access_keys: int) -> UserStatus:
    """The tags of one user, read with its logon profile and MFA device (select_related) and its
    access key count."""
    profile = getattr(user, "login_profile", None)
    return UserStatus(
        console_logon=profile is not None and profile.console_password_enabled,
        locked_until=profile.locked_until if profile is not None and is_locked(profile, now=now) else None,
        password_expired=profile is not None and is_password_expired(profile, rule, now=now),
        mfa=getattr(user, "mfa_device", None) is not None,  # only a bound device has a principal
        access_keys=access_keys,
    )


def user_status_condition(status: str, *, rule: PasswordPolicy, now: datetime) -> Q:
    """The users (Principal rows annotated with `access_key_count`) that carry the `status` tag."""
    if status == STATUS_CONSOLE_ON:
        return Q(login_profile__console_password_enabled=True)
    if status == STATUS_CONSOLE_OFF:
        return Q(login_profile__isnull=True) | Q(login_profile__console_password_enabled=False)
    if status == STATUS_LOCKED:
        return Q(login_profile__locked_until__gt=now)  # is_locked: now < locked_until
    if status == STATUS_EXPIRED:
        cutoff = password_expiry_cutoff(rule, now=now)
        return Q(login_profile__password_changed_at__lte=cutoff) if cutoff else Q(pk__in=[])
    if status == STATUS_MFA:
        return Q(mfa_device__isnull=False)
    if status == STATUS_NO_MFA:
        return Q(mfa_device__isnull=True)
    if status == STATUS_ACCESS_KEYS:
        return Q(access_key_count__gt=0)
    if status == STATUS_NO_ACCESS_KEYS:
        return Q(access_key_count=0)
    raise ValueError(f"unknown user status filter: {status}")
