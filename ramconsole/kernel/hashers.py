"""Argon2id with a bound on how many hashes run at once on this machine, across worker processes.

One Argon2id hash (one lane, below) takes a core and 100 MiB for ~250 ms. Unbounded, a burst of logons runs dozens
at once: memory thrashes, every core is taken, and the other requests wait seconds. A bound per
process is not enough either: two gunicorn workers hashing take both cores of a 2-core machine
(`/health` p99 went from 10 ms to 80 ms during a burst, benchmarks/logon_burst.py). So the slots
are lock files shared by every process of the server, `cores - 1` of them by default: one core
always stays free for everyone else, and the burst waits on its own threads. The algorithm name is
Argon2's, so stored hashes are unchanged.

`hashed_ahead` lets a service do its hashing before its transaction (SQLite's write lock).
"""

from __future__ import annotations

import fcntl
import os
import random
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import hashers as django_hashers
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.exceptions import ImproperlyConfigured


class HashSlots:
    """`count` slots shared by every process that opens the same directory (flock on one file per
    slot); a semaphore first, so the threads of one process queue without polling the files."""

    def __init__(self, count: int, directory: Path) -> None:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if directory.stat().st_uid != os.getuid():  # another user could hold every slot: no logon
            raise ImproperlyConfigured(f"RAMCONSOLE_HASH_SLOT_DIR {directory} belongs to another user")
        self.paths = [directory / f"slot-{number}.lock" for number in range(count)]
        self.threads = threading.BoundedSemaphore(count)

    @contextmanager
    def held(self) -> Iterator[None]:
        with self.threads:
            descriptor = self._take()
            try:
                yield
            finally:
                os.close(descriptor)  # closing the file releases its lock

    def _take(self) -> int:
        descriptors = [os.open(path, os.O_RDWR | os.O_CREAT, 0o600) for path in self.paths]
        taken = None
        for descriptor in descriptors:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            taken = descriptor
            break
        if taken is None:  # every slot busy in some process: wait for one
            taken = random.choice(descriptors)  # noqa: S311 - spreads the waiters; nothing secret
            fcntl.flock(taken, fcntl.LOCK_EX)
        for descriptor in descriptors:
            if descriptor != taken:
                os.close(descriptor)
        return taken


# Django imports hashers after the settings are configured.
HASH_SLOTS = HashSlots(settings.RAMCONSOLE_CONCURRENT_HASHES, Path(settings.RAMCONSOLE_HASH_SLOT_DIR))


class BoundedArgon2PasswordHasher(Argon2PasswordHasher):
    # One lane, so one hash is one thread on one core. Django's default of 8 lanes runs 8 threads
    # across every core, and a single slot then took the free core too (`/health` p99 56 ms against
    # 13 ms idle during the burst; with one lane 13-15 ms against 8 ms). The memory cost, which is
    # what makes Argon2 hard to attack, is unchanged; hashes with 8 lanes still verify and are
    # re-hashed with one lane at their next logon (must_update).
    parallelism = 1

    def encode(self, password: str, salt: str) -> str:
        with HASH_SLOTS.held():
            return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        with HASH_SLOTS.held():
            return super().verify(password, encoded)


@dataclass
class _Ahead:
    made: dict[str, list[str]] = field(default_factory=dict)
    checked: dict[tuple[str, str], bool] = field(default_factory=dict)


_AHEAD: ContextVar[_Ahead | None] = ContextVar("hashed_ahead", default=None)


@contextmanager
def hashed_ahead(*, make: Iterable[str] = (), check: Iterable[tuple[str, str]] = ()) -> Iterator[None]:
    """Work out these hashes now, before a transaction begins; make_password() and check_password()
    inside the block take the results instead of hashing again.

    SQLite has one write lock, held for a whole transaction: a ~100 ms hash inside one holds every
    other writer of a classroom back (15 sandbox resets at once ran out the busy timeout). Both are
    pure where it matters: any fresh hash of a password will do, and a check of a password against
    a stored hash always has the same answer. Each made hash is used once, so no two rows share a salt.
    """
    outer = _AHEAD.get()
    ahead = outer or _Ahead()  # nested: the outer block's hashes count, only the missing ones are made
    for password in make:
        if outer is None or not ahead.made.get(password):
            ahead.made.setdefault(password, []).append(django_hashers.make_password(password))
    for password, encoded in check:
        if (password, encoded) not in ahead.checked:
            ahead.checked[(password, encoded)] = django_hashers.check_password(password, encoded)
    if outer is not None:
        yield
        return
    token = _AHEAD.set(ahead)
    try:
        yield
    finally:
        _AHEAD.reset(token)


def make_password(password: str | None) -> str:
    ahead = _AHEAD.get()
    if ahead is not None and password is not None and ahead.made.get(password):
        return ahead.made[password].pop()
    return django_hashers.make_password(password)


def check_password(password: str, encoded: str) -> bool:
    ahead = _AHEAD.get()
    if ahead is not None and (password, encoded) in ahead.checked:
        return ahead.checked[(password, encoded)]
    return django_hashers.check_password(password, encoded)
