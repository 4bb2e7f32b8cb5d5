"""The credential report's CSV (PRODUCT.md §10): exact columns, value rules, formula escaping."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from accesskeys.models import AccessKey
from ramconsole.kernel.clock import utc_text
from ramconsole.kernel.spreadsheet import FALSE, TRUE, flag, safe_cell
from reports.selectors import IdentityRow, UtcText
from security.models import PasswordPolicy
from security.policy import password_expiry

BASE_COLUMNS = [
    "user",
    "user_creation_time",
    "user_last_logon",
    "password_exist",
    "password_active",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
]
KEY_SUFFIXES = ["exist", "active", "last_rotated", "last_used"]
NEVER = "-"
NOT_APPLICABLE = "N/A"


def _time(value: UtcText | None) -> str:
    return value or NEVER


def key_columns(count: int) -> list[str]:
    names = [f"access_key_{n}" for n in (1, 2)] + [f"additional_access_key_{n}" for n in range(3, count + 1)]
    return [f"{name}_{suffix}" for name in names for suffix in KEY_SUFFIXES]


def _password_cells(row: IdentityRow, policy: PasswordPolicy) -> list[str]:
    if row.is_root:
        return [TRUE, NOT_APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE]
    if not row.has_profile:
        return [FALSE, NOT_APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE]
    expiry = password_expiry(datetime.fromisoformat(row.password_changed_at[:19]), policy)
    rotation = _time(utc_text(expiry))
    return [TRUE, flag(row.console_enabled), _time(row.password_changed_at), rotation]


def _key_cells(row: IdentityRow, slots: int) -> list[str]:
    cells: list[str] = []
    for index in range(slots):
        if index < len(row.keys):
            key = row.keys[index]
            cells += [
                TRUE,
                flag(key.status == AccessKey.Status.ACTIVE),
                _time(key.created_at),
                _time(key.last_used_at),
            ]
        else:
            cells += [FALSE, NOT_APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE]
    return cells


def render(rows: Iterable[IdentityRow], policy: PasswordPolicy, *, max_keys: int) -> str:
    """The report as stored and as the API returns it (Base64): CRLF lines, no byte order mark
    (RAM's documented Content starts with `user,`); the console's download adds the mark."""
    slots = max(2, max_keys)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(BASE_COLUMNS + key_columns(slots))
    for row in rows:
        # Only the identity's name comes from users; every other cell is generated and safe.
        cells = [
            safe_cell(row.name),
            _time(row.created_at),
            _time(row.last_logon),
            *_password_cells(row, policy),
            flag(row.mfa_active),
            *_key_cells(row, slots),
        ]
        writer.writerow(cells)
    return out.getvalue()
