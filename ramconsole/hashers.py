"""Argon2id with a bound on how many hashes run at once in this process.

One Argon2id hash takes a core and 100 MiB for ~150 ms. Unbounded, a burst of logons runs dozens
at once: memory thrashes, every core is taken, and the other requests wait seconds (measured in
benchmarks/logon_burst.py). Bounded, the burst waits on the semaphore, on its own threads, and the
other cores serve everyone else. The algorithm name is Argon2's, so stored hashes are unchanged.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

# Django imports hashers after the settings are configured.
HASH_SLOTS = threading.BoundedSemaphore(settings.RAMCONSOLE_CONCURRENT_HASHES)


class BoundedArgon2PasswordHasher(Argon2PasswordHasher):
    def encode(self, password: str, salt: str) -> str:
        with HASH_SLOTS:
            return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        with HASH_SLOTS:
            return super().verify(password, encoded)
