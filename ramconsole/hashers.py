"""Argon2id with a bound on how many hashes run at once on this machine, across worker processes.

One Argon2id hash takes a core and 100 MiB for ~150 ms. Unbounded, a burst of logons runs dozens
at once: memory thrashes, every core is taken, and the other requests wait seconds. A bound per
process is not enough either: two gunicorn workers hashing take both cores of a 2-core machine
(`/health` p99 went from 10 ms to 80 ms during a burst, benchmarks/logon_burst.py). So the slots
are lock files shared by every process of the server, `cores - 1` of them by default: one core
always stays free for everyone else, and the burst waits on its own threads. The algorithm name is
Argon2's, so stored hashes are unchanged.
"""

from __future__ import annotations

import fcntl
import os
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class HashSlots:
    """`count` slots shared by every process that opens the same directory (flock on one file per
    slot); a semaphore first, so the threads of one process queue without polling the files."""

    def __init__(self, count: int, directory: Path) -> None:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
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
    def encode(self, password: str, salt: str) -> str:
        with HASH_SLOTS.held():
            return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        with HASH_SLOTS.held():
            return super().verify(password, encoded)
