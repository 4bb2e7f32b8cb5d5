"""How long a RAM user's console session lasts: Logon Session Valid For, absolute (PRODUCT.md §5.1)."""

from __future__ import annotations

from datetime import datetime, timedelta

from security.models import SecurityPreference


def session_expires_at(started_at: datetime, preference: SecurityPreference) -> datetime:
    return started_at + timedelta(hours=preference.login_session_duration_hours)


def is_session_expired(started_at: datetime, preference: SecurityPreference, *, now: datetime) -> bool:
    """Measured from logon, not from the last click; a shortened setting also ends older sessions."""
    return now >= session_expires_at(started_at, preference)
