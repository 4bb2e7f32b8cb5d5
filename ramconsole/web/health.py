"""`/health`: can this worker reach its database (and its Redis cache, when one is configured)?

For load balancers and probes: no logon, no session, no CSRF; a small JSON body that names each
check and never the error itself (it could name hosts or credentials). Without its database a
worker can serve nothing: 503, take it out. Without Redis it serves everything, only slower
(ramconsole/kernel/rediscache.py): 200 with `"status": "degraded"`, as every worker shares that Redis and
taking them all out would turn a slower console into no console.
"""

from __future__ import annotations

import logging

from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ramconsole.kernel.rediscache import ResilientRedisCache

logger = logging.getLogger(__name__)


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "not ready"; the log keeps the reason
        logger.exception("health: database check failed")
        return "error"
    return "ok"


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database()}
    cache = caches["default"]
    if isinstance(cache, ResilientRedisCache):
        # The cache logs its own outages, once as it goes and once as it comes back.
        checks["cache"] = "ok" if cache.reachable() else "error"
    if checks["database"] != "ok":
        status, http_status = "error", 503
    elif "error" in checks.values():
        status, http_status = "degraded", 200
    else:
        status, http_status = "ok", 200
    return JsonResponse({"status": status, **checks}, status=http_status)
