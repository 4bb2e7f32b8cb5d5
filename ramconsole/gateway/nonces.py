"""The nonce store: a signature nonce is accepted at most once per AccessKey, across workers."""

from __future__ import annotations

import time
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.db.models import Field
from django.utils.translation import gettext as _

from ramconsole.kernel import rows
from security import policy
from security.models import ApiNonce, Event
from security.policy import GatewayError

# Stale nonces are deleted at most once a minute per process, not on every call: a nonce is kept
# twice the timestamp window, and a call whose timestamp is outside the window is refused before
# its nonce is looked at, so a stale row lingering a minute longer changes no answer.
NONCE_CLEANUP_INTERVAL = 60.0
_next_nonce_cleanup = 0.0


def remember_nonce(access_key_id: str, nonce: str, now: datetime, *, event: Event | None = None) -> None:
    """Accept `nonce` once (SignatureNonceUsed after), writing `event` with it, in the same commit:
    a read call answers only once both its nonce and its event are stored."""
    global _next_nonce_cleanup  # one timestamp per worker process
    if time.monotonic() >= _next_nonce_cleanup:
        _next_nonce_cleanup = time.monotonic() + NONCE_CLEANUP_INTERVAL
        ApiNonce.objects.filter(seen_at__lt=now - policy.TIMESTAMP_WINDOW * 2).delete()
    # No transaction of its own: the unique constraint decides between concurrent replays (the
    # second waits for the first to commit, then inserts nothing). The nonce is stored whole: the
    # gateway refused one longer than its column (policy.SIGNATURE_NONCE_MAX_LENGTH).
    nonce_values = [access_key_id, nonce, connection.ops.adapt_datetimefield_value(now)]
    if event is not None and connection.vendor == "postgresql":
        # One statement, one commit: the event is inserted only from the nonce's new row.
        with rows.cursor() as cursor:
            cursor.execute(_nonce_then_event_sql(), nonce_values + _event_values(event))
            row = cursor.fetchone()
        if row is not None:
            event.pk = row[0]
    elif event is not None:
        with transaction.atomic():
            row = _insert_nonce(nonce_values)
            if row is not None:
                event.save(force_insert=True)
    else:
        row = _insert_nonce(nonce_values)
    if row is None:
        raise GatewayError(_("Specified signature nonce was used already."), code="SignatureNonceUsed")


def _insert_nonce(values: list[Any]) -> tuple[int] | None:
    with rows.cursor() as cursor:
        cursor.execute(_nonce_insert_sql(), values)
        return cursor.fetchone()


def require_nonce(nonce: str) -> None:
    if not nonce:
        raise GatewayError(_("The signature nonce is missing."), code="MissingParameter")


@cache
def _nonce_insert_sql() -> str:
    return rows.insert_unless_present(ApiNonce, ("access_key_id", "nonce", "seen_at"), ("access_key_id", "nonce"))


def _event_fields() -> list[Field]:
    return [field for field in Event._meta.concrete_fields if not field.primary_key]


def _event_values(event: Event) -> list[Any]:
    return [field.get_db_prep_save(getattr(event, field.attname), connection) for field in _event_fields()]


@cache
def _nonce_then_event_sql() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in _event_fields())
    # Cast: a parameter in a SELECT list would otherwise be text, which PostgreSQL does not assign to inet.
    placeholders = ", ".join(f"CAST(%s AS {field.cast_db_type(connection)})" for field in _event_fields())
    return (
        f"WITH nonce AS ({_nonce_insert_sql()}) "  # noqa: S608 - names from model metadata
        f"INSERT INTO {rows.table(Event)} ({columns}) SELECT {placeholders} FROM nonce "
        f"RETURNING {quote(Event._meta.pk.column)}"
    )
