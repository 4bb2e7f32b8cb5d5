"""The credential report's CSV (PRODUCT.md §10): exact columns, value rules, formula escaping."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
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


class _Echo:
    def write(self, value: str) -> str:
        return value


# csv.writer's lines (CRLF, quoted where needed), returned rather than written.
_line = csv.writer(_Echo()).writerow
# The characters for which csv.writer quotes a cell (its delimiter, quote and line ends).
_QUOTED_IF = frozenset(',"\r\n')


def _cell(text: str) -> str:
    """One cell as csv.writer writes it."""
    return text if _QUOTED_IF.isdisjoint(text) else _line([text])[:-2]


def _slots(max_keys: int) -> int:
    return max(2, max_keys)


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


_NO_KEY = [FALSE, NOT_APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE]


def _key_cells(row: IdentityRow, slots: int) -> list[str]:
    cells: list[str] = []
    for key in row.keys[:slots]:
        cells += (TRUE, flag(key.status == AccessKey.Status.ACTIVE), _time(key.created_at), _time(key.last_used_at))
    return cells + _NO_KEY * (slots - len(cells) // 4)


def header_line(max_keys: int) -> str:
    """The CSV's first line: its columns, a key slot for each key of the identity with the most (two at least)."""
    return _line(BASE_COLUMNS + key_columns(_slots(max_keys)))


def lines(rows: Iterable[IdentityRow], policy: PasswordPolicy, *, max_keys: int) -> Iterator[str]:
    """One CSV line per identity, in the order given. The cells are joined here rather than by
    csv.writer (half the rendering time at any size): only the identity's name comes from users and
    may need quoting; every other cell is generated, safe and plain."""
    slots = _slots(max_keys)
    for row in rows:
        cells = [
            _cell(safe_cell(row.name)),
            _time(row.created_at),
            _time(row.last_logon),
            *_password_cells(row, policy),
            flag(row.mfa_active),
            *_key_cells(row, slots),
        ]
        yield ",".join(cells) + "\r\n"


def render(rows: Iterable[IdentityRow], policy: PasswordPolicy, *, max_keys: int) -> str:
    """The report as stored and as the API returns it (Base64): CRLF lines, no byte order mark
    (RAM's documented Content starts with `user,`); the console's download adds the mark."""
    return header_line(max_keys) + "".join(lines(rows, policy, max_keys=max_keys))
