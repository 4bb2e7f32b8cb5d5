"""The credential report's CSV (PRODUCT.md §10): exact columns, value rules, formula escaping.

The header is written in Python; the rows are rendered by the database, a chunk of identities per
SELECT, each row one string: at 100,000 users building the rows in Python was most of a report's
time. Every cell is generated and plain except the user's name, which USER_NAME_PATTERN keeps free
of anything a CSV would quote (commas, quotes, line ends); a leading `-` is escaped as a formula.
"""

from __future__ import annotations

import csv
from datetime import timedelta
from typing import NamedTuple

from django.db import connection

from accesskeys.models import AccessKey
from accounts.models import LoginProfile, Principal
from mfa.models import VirtualMFADevice
from ramconsole.kernel.spreadsheet import FALSE, FORMULA_PREFIXES, TRUE

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
ROOT_NAME = "<root>"


class _Echo:
    def write(self, value: str) -> str:
        return value


def _slots(max_keys: int) -> int:
    return max(2, max_keys)


def key_columns(count: int) -> list[str]:
    names = [f"access_key_{n}" for n in (1, 2)] + [f"additional_access_key_{n}" for n in range(3, count + 1)]
    return [f"{name}_{suffix}" for name in names for suffix in KEY_SUFFIXES]


def header_line(max_keys: int) -> str:
    """The CSV's first line: its columns, a key slot for each key of the identity with the most (two at least)."""
    return csv.writer(_Echo()).writerow(BASE_COLUMNS + key_columns(_slots(max_keys)))


# --- the rows, as SQL (SQLite and PostgreSQL) --------------------------------------------------------


def _text(*cells: str) -> str:
    """Cells of this module's own (never a user's value: those are parameters) as one SQL literal."""
    return "'" + ",".join(cells).replace("'", "''") + "'"


def _join(*parts: str) -> str:
    """SQL expressions joined into one CSV text with commas between them."""
    return " || ',' || ".join(parts)


def _utc(column: str) -> str:
    """A stored UTC time as `YYYY-MM-DDThh:mm:ssZ` (NULL stays NULL), cut from the database's own text
    of it (SQLite's stored text; PostgreSQL's in the UTC session Django opens): no date parsing."""
    text = f"CAST({column} AS TEXT)"
    return f"substr({text}, 1, 10) || 'T' || substr({text}, 12, 8) || 'Z'"


def _time(column: str) -> str:
    return f"COALESCE({_utc(column)}, {_text(NEVER)})"


def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN {_text(TRUE)} ELSE {_text(FALSE)} END"


def _rotation(validity: timedelta | None) -> str:
    """password_next_rotation: the change time plus the policy's validity (security.policy.password_validity)."""
    if validity is None:
        return _text(NEVER)
    if connection.vendor == "postgresql":
        return _time("lp.password_changed_at + %(validity)s")
    # SQLite's datetime() rounds fractions of a second: cut them first, as every other time is cut.
    return _time("datetime(substr(lp.password_changed_at, 1, 19), %(validity)s)")


def _validity_param(validity: timedelta | None) -> object:
    if validity is None or connection.vendor == "postgresql":
        return validity
    return f"+{int(validity.total_seconds())} seconds"


_ROOT = f"'{Principal.Kind.ROOT}'"
_NO_PASSWORD = _NO_KEY = _text(FALSE, NOT_APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE)
_ROOT_PASSWORD = _text(TRUE, NOT_APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE)
# A user's name with its logon domain; a leading formula character is quoted away (safe_cell).
_PREFIXES = {f"formula_{n}": prefix for n, prefix in enumerate(FORMULA_PREFIXES)}
_PREFIX_LIST = ", ".join(f"%({name})s" for name in _PREFIXES)
_FORMULA_QUOTE = f"CASE WHEN substr(p.name, 1, 1) IN ({_PREFIX_LIST}) THEN '''' ELSE '' END"
_NAME = f"CASE WHEN p.kind = {_ROOT} THEN {_text(ROOT_NAME)} ELSE {_FORMULA_QUOTE} || p.name || %(at_domain)s END"
_KEY = _join(
    _text(TRUE), _flag(f"k.status = '{AccessKey.Status.ACTIVE}'"), _time("k.created_at"), _time("k.last_used_at")
)


def _password(validity: timedelta | None) -> str:
    profile = _join(
        _text(TRUE), _flag("lp.console_password_enabled"), _time("lp.password_changed_at"), _rotation(validity)
    )
    return f"CASE WHEN p.kind = {_ROOT} THEN {_ROOT_PASSWORD} WHEN lp.id IS NULL THEN {_NO_PASSWORD} ELSE {profile} END"


class _KeySlots(NamedTuple):
    """SQL for the identity's key columns: what precedes the SELECT, the joins, the cells of each slot."""

    before: str
    joins: str
    cells: list[str]


def _key_slots(slots: int) -> _KeySlots:
    """Each slot's key (oldest first) or the cells of no key. PostgreSQL numbers the range's keys
    once and joins them (a subquery per slot and row cost it about a third of a chunk's time);
    SQLite finds each slot's key by index, where it would scan an unindexed numbered set."""
    table = AccessKey._meta.db_table
    if connection.vendor == "postgresql":
        numbered = (
            f"WITH k AS MATERIALIZED (SELECT k.principal_id, {_KEY} AS cells, row_number() OVER"  # noqa: S608 - no value in it
            f" (PARTITION BY k.principal_id ORDER BY k.created_at, k.id) AS n FROM {table} k"
            " WHERE k.principal_id BETWEEN %(first)s AND %(last)s) "
        )
        joins = "".join(f" LEFT JOIN k k{n} ON k{n}.principal_id = p.id AND k{n}.n = {n + 1:d}" for n in range(slots))
        return _KeySlots(numbered, joins, [f"COALESCE(k{n}.cells, {_NO_KEY})" for n in range(slots)])
    key = f"SELECT {_KEY} FROM {table} k WHERE k.principal_id = p.id ORDER BY k.created_at, k.id"  # noqa: S608 - no value in it
    return _KeySlots("", "", [f"COALESCE(({key} LIMIT 1 OFFSET {n:d}), {_NO_KEY})" for n in range(slots)])


def lines(
    *, account_id: int, kind: str, ids: tuple[int, int], domain: str, validity: timedelta | None, max_keys: int
) -> list[str]:
    """The CSV lines (CRLF) of the account's identities of `kind` (root or RAM user) whose ids lie in
    `ids` (first, last), in id order."""
    keys = _key_slots(_slots(max_keys))
    row = _join(
        _NAME, _time("p.created_at"), _time("p.last_login"), _password(validity), _flag("d.id IS NOT NULL"), *keys.cells
    )
    sql = (
        f"{keys.before}SELECT {row} || %(line_end)s FROM {Principal._meta.db_table} p"  # noqa: S608 - values are parameters
        # The id range again on the joined tables: PostgreSQL then reads their rows of the range by
        # index, where it scanned the whole tables for every chunk.
        f" LEFT JOIN {LoginProfile._meta.db_table} lp ON lp.principal_id = p.id"
        " AND lp.principal_id BETWEEN %(first)s AND %(last)s"
        f" LEFT JOIN {VirtualMFADevice._meta.db_table} d ON d.principal_id = p.id"
        " AND d.principal_id BETWEEN %(first)s AND %(last)s"
        f"{keys.joins}"
        " WHERE p.account_id = %(account)s AND p.kind = %(kind)s AND p.id BETWEEN %(first)s AND %(last)s"
        " ORDER BY p.id"
    )
    params = {
        **_PREFIXES,
        "at_domain": f"@{domain}",
        "validity": _validity_param(validity),
        "line_end": "\r\n",
        "account": account_id,
        "kind": kind,
        "first": ids[0],
        "last": ids[1],
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [line for (line,) in cursor.fetchall()]
