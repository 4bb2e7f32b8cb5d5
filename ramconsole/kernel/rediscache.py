"""Django's Redis cache, made optional: when Redis cannot be reached the console goes on without it.

Every value the console caches (sessions under `cached_db`, the Security Check's aggregates) is also
in, or computed from, the database, so a Redis error is answered as a miss and a write is skipped.
After an error the worker leaves Redis alone for `RETRY_SECONDS` (a Redis that does not answer
costs one socket timeout per worker then, not one per request), logging once when it goes and once
when it comes back.

A worker that saw Redis fail empties the console's keys before using Redis again: a session ended
or changed during the outage must not be answered from what Redis held before it. Deletes (a
logout, a rotated session key) do not wait for the pause to end: were one skipped while another
worker already uses Redis again, that worker could serve the ended session from its cache.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
DELETE_BATCH = 1000
T = TypeVar("T")


class _Outage:
    """Whether Redis at one location is usable, shared by every thread of the process (Django
    gives each thread its own cache object)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down = False
        self.retry_at = 0.0


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


def _outage_of(location: str) -> _Outage:
    with _outages_lock:
        return _outages.setdefault(location, _Outage())


class ResilientRedisCache(RedisCache):
    """RedisCache whose errors are misses (see the module docstring)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._outage = _outage_of(server if isinstance(server, str) else ",".join(server))

    def reachable(self) -> bool:
        """A write and a read of a probe key went through (for `/health`)."""
        return self._guarded(False, self._round_trip)

    def _round_trip(self) -> bool:
        super().set("health:probe", "1", timeout=10)
        # Another worker may have written its own probe in between: any answer proves the round trip.
        return super().get("health:probe") is not None

    def _guarded(self, miss: T, operation: Callable[..., T], *args: Any, urgent: bool = False) -> T:
        if self._outage.down and not self._recovered(urgent=urgent):
            return miss
        try:
            return operation(*args)
        except RedisError as error:
            self._failed(error)
            return miss

    def _failed(self, error: RedisError) -> None:
        outage = self._outage
        with outage.lock:
            outage.retry_at = time.monotonic() + RETRY_SECONDS
            if outage.down:
                return
            outage.down = True
        logger.warning("cache: Redis unreachable, serving without it (%s: %s)", type(error).__name__, error)

    def _recovered(self, *, urgent: bool) -> bool:
        """Past the pause (or at once, if `urgent`), one thread tries Redis again and empties the
        console's keys; meanwhile the others go on without Redis (an urgent one waits for it)."""
        outage = self._outage
        if not urgent and time.monotonic() < outage.retry_at:
            return False
        if not outage.lock.acquire(blocking=urgent):
            return False
        try:
            if not outage.down:  # another thread got there first
                return True
            try:
                dropped = self._delete_own_keys()
            except RedisError:
                outage.retry_at = time.monotonic() + RETRY_SECONDS
                return False
            outage.down = False
        finally:
            outage.lock.release()
        logger.warning("cache: Redis reachable again; %d cached keys from before the outage dropped", dropped)
        return True

    def _delete_own_keys(self) -> int:
        client = self._cache.get_client(write=True)
        batch: list[bytes] = []
        dropped = 0
        for key in client.scan_iter(match=self.make_key("*"), count=DELETE_BATCH):
            batch.append(key)
            if len(batch) == DELETE_BATCH:
                dropped += client.delete(*batch)
                batch.clear()
        if batch:
            dropped += client.delete(*batch)
        return dropped

    # Every per-key operation of BaseCache, each with what a miss answers. `clear()` is left as it
    # is: an operator who empties the cache should hear that it failed.

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guarded(False, super().add, key, value, timeout, version)

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return self._guarded(default, super().get, key, default, version)

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._guarded(None, super().set, key, value, timeout, version)

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guarded(False, super().touch, key, timeout, version)

    def delete(self, key: str, version: int | None = None) -> bool:
        return self._guarded(False, super().delete, key, version, urgent=True)

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        return self._guarded({}, super().get_many, keys, version)

    def has_key(self, key: str, version: int | None = None) -> bool:
        return self._guarded(False, super().has_key, key, version)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        missing = object()
        value = self._guarded(missing, super().incr, key, delta, version)
        if value is missing:
            raise ValueError(f"Key '{key}' not found.")  # BaseCache's answer for a missing key
        return value

    def set_many(self, data: dict[str, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[str]:
        return self._guarded(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> None:
        self._guarded(None, super().delete_many, keys, version, urgent=True)
