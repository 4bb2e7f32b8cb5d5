"""The one clock: every rule that reads the time asks here, per account.

An account's sandbox offset moves its time without touching any rule. TOTP verification does not
use this clock (the phone's clock does not move).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.utils import timezone

if TYPE_CHECKING:
    from accounts.models import Account


def now(account: Account | None) -> datetime:
    """Aware UTC time for `account`: real time plus its sandbox offset."""
    real = timezone.now()
    if account is None:
        return real
    return real + account.clock_offset


def phone_now() -> datetime:
    """The time an authenticator app sees: real time, never the sandbox offset (TOTP codes)."""
    return timezone.now()


def utc_text(value: datetime | None) -> str | None:
    """`YYYY-MM-DDThh:mm:ssZ`, the form RAM, the credential report and the exports use."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def display_text(value: datetime) -> str:
    """`YYYY-MM-DD HH:mm:ss UTC`, the one form the console shows people a time in: on its pages (where
    static/js/times.js turns it into the browser's time zone) and in its mail."""
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
