"""The Redis cache as an optimisation (ramconsole/kernel/rediscache.py), against real sockets: a port
nobody listens on, a listener that never answers, and the real Redis behind a hop the test cuts
and restores (as a network partition or a Redis restart would)."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib import parse

import pytest
import redis
from django.test import Client

from accounts.models import Principal
from ramconsole.kernel import rediscache
from ramconsole.kernel.rediscache import ResilientRedisCache
from tests.conftest import free_port, skip_or_fail

REDIS_URL_DEFAULT = "redis://127.0.0.1:6379/15"  # the multi-worker tests' database, not make serve's 0
OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}  # as ramconsole/settings.py


class RedisHop:
    """A TCP relay in front of the real Redis. `cut()` drops every connection and refuses new ones
    until `restore()`; Redis keeps its data meanwhile."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = True
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return  # closed
            if not self.open:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.open = False
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets.clear()

    def restore(self) -> None:
        self.open = True

    def close(self) -> None:
        self.listener.close()
        self.cut()


@pytest.fixture
def real_redis() -> redis.Redis:
    url = parse.urlsplit(os.environ.get("REDIS_URL", REDIS_URL_DEFAULT))
    client = redis.Redis(host=url.hostname, port=url.port or 6379, db=int(url.path.strip("/") or 0))
    try:
        client.ping()
    except redis.RedisError as exc:
        skip_or_fail(f"the cache tests need Redis at {url.geturl()} (set REDIS_URL): {exc}")
    return client


@pytest.fixture
def hop(real_redis: redis.Redis) -> Iterator[RedisHop]:
    options = real_redis.connection_pool.connection_kwargs
    relay = RedisHop((options["host"], options["port"]))
    yield relay
    relay.close()


@pytest.fixture
def prefix(real_redis: redis.Redis) -> Iterator[str]:
    """A key prefix of this test's own; its keys (and those of prefixes it starts) are removed afterwards."""
    name = f"test-{uuid.uuid4().hex}"
    yield name
    keys = list(real_redis.scan_iter(match=f"{name}*"))
    if keys:
        real_redis.delete(*keys)


def _cache(location: str, prefix: str = "ramconsole-test") -> ResilientRedisCache:
    return ResilientRedisCache(location, {"KEY_PREFIX": prefix, "OPTIONS": OPTIONS})


def _through(hop: RedisHop, real_redis: redis.Redis) -> str:
    return f"redis://127.0.0.1:{hop.port}/{real_redis.connection_pool.connection_kwargs['db']}"


def _outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "ramconsole.kernel.rediscache"]


def test_every_operation_on_an_unreachable_redis_is_a_miss(caplog: pytest.LogCaptureFixture) -> None:
    cache = _cache(f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="ramconsole.kernel.rediscache"):
        assert cache.get("k") is None and cache.get("k", "fallback") == "fallback"
        assert cache.get_many(["k", "l"]) == {}
        assert cache.has_key("k") is False and "k" not in cache
        assert cache.add("k", 1) is False
        cache.set("k", 1)
        assert cache.set_many({"k": 1, "l": 2}) == ["k", "l"]  # BaseCache: the keys that were not stored
        assert cache.touch("k") is False and cache.delete("k") is False
        cache.delete_many(["k", "l"])
        with pytest.raises(ValueError, match="not found"):
            cache.incr("k")
        assert cache.get_or_set("k", lambda: "computed") == "computed"
        assert cache.reachable() is False
    assert time.monotonic() - started < 0.5
    assert _outage_lines(caplog) == [_outage_lines(caplog)[0]]  # logged once, as Redis went
    assert _outage_lines(caplog)[0].startswith("cache: Redis unreachable, serving without it (ConnectionError")


def test_a_silent_redis_costs_one_timeout_then_nothing_until_the_retry() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts connections, never answers
        cache = _cache(f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        started = time.monotonic()
        assert cache.get("k") is None
        first = time.monotonic() - started
        started = time.monotonic()
        for _ in range(50):
            assert cache.get("k") is None
            cache.set("k", 1)
        rest = time.monotonic() - started
    assert 0.4 < first < 1.5, first  # the 0.5 s socket timeout, not a hang
    assert rest < 0.1, rest  # within RETRY_SECONDS nothing touches the socket


def test_a_redis_back_from_an_outage_answers_nothing_cached_before_it(
    hop: RedisHop,
    real_redis: redis.Redis,
    prefix: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(rediscache, "RETRY_SECONDS", 0.2)
    cache = _cache(_through(hop, real_redis), prefix)
    other = _cache(_through(hop, real_redis), f"{prefix}-other-deployment")
    cache.set("session", "before")
    other.set("session", "theirs")
    assert cache.get("session") == "before" and cache.reachable()

    hop.cut()
    with caplog.at_level(logging.WARNING, logger="ramconsole.kernel.rediscache"):
        cache.delete("session")  # a logout during the outage: Redis never hears of it
        assert cache.get("session") is None
        hop.restore()
        assert cache.get("session") is None  # still pausing: not tried yet
        assert real_redis.get(cache.make_key("session")) is not None  # what Redis still holds
        time.sleep(0.3)
        assert cache.get("session") is None  # tried again: the old value was dropped, not served
    assert real_redis.get(cache.make_key("session")) is None
    assert other.get("session") == "theirs"  # only this deployment's keys go
    # The session and reachable()'s probe key.
    assert _outage_lines(caplog)[-1] == "cache: Redis reachable again; 2 cached keys from before the outage dropped"
    cache.set("session", "after")
    assert cache.get("session") == "after"


@pytest.mark.django_db
def test_a_session_ended_while_redis_was_down_stays_ended(
    hop: RedisHop, real_redis: redis.Redis, prefix: str, root: Principal, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rediscache, "RETRY_SECONDS", 0.2)
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "sessions": {
            "BACKEND": "ramconsole.kernel.rediscache.ResilientRedisCache",
            "LOCATION": _through(hop, real_redis),
            "KEY_PREFIX": prefix,
            "OPTIONS": OPTIONS,
        },
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.SESSION_CACHE_ALIAS = "sessions"
    browser = Client()
    browser.force_login(root, backend="accounts.backends.LogonNameBackend")
    assert browser.get("/overview/").status_code == 200
    session_key = browser.cookies["sessionid"].value
    assert list(real_redis.scan_iter(match=f"{prefix}:*"))  # the session is cached

    hop.cut()
    assert browser.get("/overview/").status_code == 200  # served from the database
    assert browser.post("/logout/").status_code == 302

    hop.restore()
    time.sleep(0.3)
    stolen = Client()
    stolen.cookies["sessionid"] = session_key
    response = stolen.get("/overview/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_delete_tries_redis_at_once_pause_or_not(
    hop: RedisHop, real_redis: redis.Redis, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A logout on a worker still pausing: another worker may already cache from Redis again."""
    monkeypatch.setattr(rediscache, "RETRY_SECONDS", 60.0)
    cache = _cache(_through(hop, real_redis), prefix)
    hop.cut()
    assert cache.get("session") is None  # the outage starts
    hop.restore()
    real_redis.set(cache.make_key("session"), b"cached by another worker")
    assert cache.get("session") is None  # a read waits for the pause to end
    cache.delete("session")
    assert real_redis.get(cache.make_key("session")) is None
    assert cache.get("session") is None and cache.reachable()  # and the worker is back on Redis
