"""The production hasher: Argon2id's hashes, at most RAMCONSOLE_CONCURRENT_HASHES at once on the machine."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.exceptions import ImproperlyConfigured

from ramconsole.kernel.hashers import BoundedArgon2PasswordHasher, HashSlots


def test_its_hashes_are_argon2id_hashes() -> None:
    bounded, plain = BoundedArgon2PasswordHasher(), Argon2PasswordHasher()
    encoded = bounded.encode("Pass-2030-x", bounded.salt())
    assert encoded.startswith("argon2$argon2id$")
    assert plain.verify("Pass-2030-x", encoded)
    assert bounded.verify("Pass-2030-x", plain.encode("Pass-2030-x", plain.salt()))
    assert not bounded.verify("wrong", encoded)


def test_one_lane_so_a_hash_takes_one_core_and_old_hashes_are_upgraded() -> None:
    bounded, eight_lanes = BoundedArgon2PasswordHasher(), Argon2PasswordHasher()
    encoded = bounded.encode("Pass-2030-x", bounded.salt())
    assert bounded.decode(encoded)["parallelism"] == 1
    assert eight_lanes.decode(eight_lanes.encode("x", eight_lanes.salt()))["parallelism"] == 8
    assert bounded.must_update(eight_lanes.encode("Pass-2030-x", eight_lanes.salt()))
    assert not bounded.must_update(encoded)


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
    assert most == settings.RAMCONSOLE_CONCURRENT_HASHES


ROOT_DIR = Path(__file__).resolve().parents[2]

# Holds a slot `rounds` times for `hold` seconds from two threads, printing when it held it.
HOLDER = """
import sys, threading, time
from pathlib import Path
from ramconsole.kernel.hashers import HashSlots
slots = HashSlots(int(sys.argv[2]), Path(sys.argv[1]))
rounds, hold = int(sys.argv[3]), float(sys.argv[4])
def say(line):  # one write per line: two threads' prints would interleave
    sys.stdout.write(line + "\\n")
    sys.stdout.flush()
def take():
    for _ in range(rounds):
        with slots.held():
            start = time.monotonic()
            say(f"held {start}")
            time.sleep(hold)
            say(f"{start} {time.monotonic()}")
threads = [threading.Thread(target=take) for _ in range(2)]
[thread.start() for thread in threads]
[thread.join() for thread in threads]
"""


def holder(directory: Path, count: int, rounds: int, hold: float) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", HOLDER, str(directory), str(count), str(rounds), str(hold)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "ramconsole.test_settings"},
    )


def most_at_once(intervals: list[tuple[float, float]]) -> int:
    # An end sorts before a start at the same instant: handing a slot over is not an overlap.
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    running = most = 0
    for _, step in edges:
        running += step
        most = max(most, running)
    return most


@pytest.mark.parametrize("count", [1, 2])
def test_the_slots_are_shared_by_every_process(tmp_path: Path, count: int) -> None:
    """Four processes of two threads each: never more than `count` hold a slot at the same time."""
    holders = [holder(tmp_path, count, rounds=3, hold=0.05) for _ in range(4)]
    intervals = []
    for process in holders:
        out, _ = process.communicate(timeout=60)
        assert process.returncode == 0
        intervals += [
            (float(start), float(end))
            for start, end in (line.split() for line in out.splitlines() if not line.startswith("held"))
        ]
    assert len(intervals) == 4 * 2 * 3
    assert most_at_once(intervals) == count


def test_a_slot_is_released_when_its_holder_is_killed(tmp_path: Path) -> None:
    """A worker killed mid-hash (SIGKILL) does not keep its slot: the kernel drops its lock."""
    process = holder(tmp_path, 1, rounds=1, hold=600)
    assert process.stdout is not None and process.stdout.readline().startswith("held")
    waiting = threading.Thread(target=lambda: HashSlots(1, tmp_path).held().__enter__())
    waiting.start()
    waiting.join(timeout=0.5)
    assert waiting.is_alive()  # the slot is really taken
    process.kill()
    process.wait(timeout=10)
    waiting.join(timeout=10)
    assert not waiting.is_alive()


def test_a_slot_directory_of_another_user_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Anyone on the machine could create the directory first and hold every slot: no logon at all."""
    monkeypatch.setattr(os, "getuid", lambda: os.stat(tmp_path).st_uid + 1)
    with pytest.raises(ImproperlyConfigured, match="belongs to another user"):
        HashSlots(1, tmp_path)
