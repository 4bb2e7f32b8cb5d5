"""The nonce store: a signature nonce is accepted at most once per AccessKey, across workers."""

from __future__ import annotations

import time
from datetime import datetime
from functools import cache

from django.db import connection
from django.utils.translation import gettext as _

from ramconsole.kernel import rows
from security import policy
from security.models import ApiNonce
from security.policy import GatewayError

# Stale nonces are deleted at most once a minute per process, not on every call: a nonce is kept
# twice the timestamp window, and a call whose timestamp is outside the window is refused before
# its nonce is looked at, so a stale row lingering a minute longer changes no answer.
NONCE_CLEANUP_INTERVAL = 60.0
_next_nonce_cleanup = 0.0


def remember_nonce(access_key_id: str, nonce: str, now: datetime) -> None:
    global _next_nonce_cleanup  # one timestamp per worker process
    if not nonce:
        raise GatewayError(_("The signature nonce is missing."), code="MissingParameter")
    if time.monotonic() >= _next_nonce_cleanup:
        _next_nonce_cleanup = time.monotonic() + NONCE_CLEANUP_INTERVAL
        ApiNonce.objects.filter(seen_at__lt=now - policy.TIMESTAMP_WINDOW * 2).delete()
    # One statement, no transaction of its own: the unique constraint decides between concurrent
    # replays (the second waits for the first to commit, then inserts nothing). The nonce is stored
    # whole: the gateway refused one longer than its column (policy.SIGNATURE_NONCE_MAX_LENGTH).
    with connection.cursor() as cursor:
        cursor.execute(_nonce_insert_sql(), [access_key_id, nonce, connection.ops.adapt_datetimefield_value(now)])
        if cursor.fetchone() is None:
            raise GatewayError(_("Specified signature nonce was used already."), code="SignatureNonceUsed")


@cache
def _nonce_insert_sql() -> str:
    return rows.insert_unless_present(ApiNonce, ("access_key_id", "nonce", "seen_at"), ("access_key_id", "nonce"))
