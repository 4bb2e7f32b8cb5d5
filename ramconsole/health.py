"""`/health`: can this worker reach its database (and its Redis cache, when one is configured)?

For load balancers and probes: no logon, no session, no CSRF; answers 200 or 503 with a small JSON
body that names each check and never the error itself (it could name hosts or credentials).
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "not ready"; the log keeps the reason
        logger.exception("health: database check failed")
        return "error"
    return "ok"


def _cache() -> str:
    probe = uuid.uuid4().hex
    try:
        cache.set("health:probe", probe, timeout=10)
        # Another worker may have written its own probe in between: any answer proves the round trip.
        if cache.get("health:probe") is None:
            raise RuntimeError("the cache lost a value written a moment ago")
    except Exception:
        logger.exception("health: cache check failed")
        return "error"
    return "ok"


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database()}
    if settings.CACHES["default"]["BACKEND"] == REDIS_BACKEND:
        checks["cache"] = _cache()
    healthy = all(result == "ok" for result in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)
