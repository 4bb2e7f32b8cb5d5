"""Rules of signed API calls (RAM-API.md §2, §5): the timestamp window and usable keys.

Login masks never apply here: AccessKey-signed calls are not restricted by address.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from security.errors import RamError

if TYPE_CHECKING:
    from accesskeys.models import AccessKey

TIMESTAMP_WINDOW = timedelta(minutes=15)


class GatewayError(RamError):
    """An authentication or routing error, answered before any action runs."""

    http_status = 400


def parse_timestamp(value: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except (TypeError, ValueError):
        raise GatewayError(
            _("Specified time stamp or date value is not well formatted."), code="InvalidTimeStamp.Format"
        ) from None


def check_timestamp(value: str, *, now: datetime) -> None:
    """Within 15 minutes either side of the server's (real) time."""
    if abs(now - parse_timestamp(value)) > TIMESTAMP_WINDOW:
        raise GatewayError(_("Specified time stamp or date value is expired."), code="InvalidTimeStamp.Expired")


def check_key_usable(key: AccessKey | None) -> AccessKey:
    """An unknown key is NotFound (404); a disabled key no longer signs anything."""
    if key is None:
        error = GatewayError(_("Specified access key is not found."), code="InvalidAccessKeyId.NotFound")
        error.http_status = 404
        raise error
    if not key.is_active:
        raise GatewayError(_("Specified access key is disabled."), code="InvalidAccessKeyId.Inactive")
    return key
