"""The production hasher: Argon2id's hashes, at most RAMCONSOLE_CONCURRENT_HASHES at once per process."""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

from ramconsole.hashers import BoundedArgon2PasswordHasher


def test_its_hashes_are_argon2id_hashes() -> None:
    bounded, plain = BoundedArgon2PasswordHasher(), Argon2PasswordHasher()
    encoded = bounded.encode("Pass-2030-x", bounded.salt())
    assert encoded.startswith("argon2$argon2id$")
    assert plain.verify("Pass-2030-x", encoded)
    assert bounded.verify("Pass-2030-x", plain.encode("Pass-2030-x", plain.salt()))
    assert not bounded.verify("wrong", encoded)


@pytest.mark.parametrize("operation", ["encode", "verify"])
def test_no_more_hashes_run_at_once_than_allowed(monkeypatch: pytest.MonkeyPatch, operation: str) -> None:
    running, most = 0, 0
    count = threading.Lock()
    original = getattr(Argon2PasswordHasher, operation)

    def counted(self: Argon2PasswordHasher, *args: str) -> object:
        nonlocal running, most
        with count:
            running += 1
            most = max(most, running)
        time.sleep(0.02)  # long enough for the other threads to pile in, were they let through
        try:
            return original(self, *args)
        finally:
            with count:
                running -= 1

    monkeypatch.setattr(Argon2PasswordHasher, operation, counted)
    hasher = BoundedArgon2PasswordHasher()
    encoded = Argon2PasswordHasher().encode("x", hasher.salt()) if operation == "verify" else ""
    args = ("x", encoded) if operation == "verify" else ("x", hasher.salt())
    threads = [threading.Thread(target=getattr(hasher, operation), args=args) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == settings.RAMCONSOLE_CONCURRENT_HASHES == 1
