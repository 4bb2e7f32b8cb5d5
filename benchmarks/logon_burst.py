"""Logon burst (issue 19): 50 concurrent wrong passwords for one RAM user under make serve's gunicorn,
and what the other requests see meanwhile.

Run by hand or by `make bench` (loopback only, about a minute):

    .venv/bin/python benchmarks/logon_burst.py
    .venv/bin/python benchmarks/logon_burst.py --attempts 50 --workers 2 --limit 5

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust); Redis (REDIS_URL) is passed on.

1. Drops and creates the PostgreSQL database `ramconsole_burst` (never another one) and, in a child
   process with production settings (Argon2id hashing, as `make serve`), migrates it and seeds one
   account with a RAM user whose Password Retry Constraint Policy is --limit.
2. Starts gunicorn with make serve's configuration (gthread workers) and measures `/health` alone
   (--health-samples sequential requests): the idle p50/p99.
3. Prepares --attempts logon forms (each its own CSRF cookie and token), then fires them at once with
   wrong passwords from as many threads, while one client calls `/health` back to back until the
   burst is over. Prints the burst's wall time, the hashing floor (attempts x one Argon2 check /
   the server's hash slots), `/health` p50/p99/max during the burst against idle, and the logon events' reasons.

Targets: `/health` p99 during the burst within 2 x its idle p99; the burst bounded by the hashing
work (a small multiple of the floor), not by queueing behind a lock; exactly --limit WrongPassword
and the rest LoginLocked.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

# Imported first: load.py puts the project root on sys.path, for `benchmarks.` imports and the apps.
from load import (
    PG_SERVER,
    ROOT_DIR,
    _cookies,
    csrf_pair,
    free_port,
    http_request,
    logon_body,
    recreate_database,
    server_env,
    start_gunicorn,
    stop_gunicorn,
)

from benchmarks._child import child_json

DB_NAME = "ramconsole_burst"  # this benchmark's own database: dropped and created on every run
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
ROOT_EMAIL = "burst-root@example.com"
ROOT_PASSWORD = "Burst-pass-2030"
USER_PASSWORD = "Burst-user-pass-2030"
TARGET = "target"


def burst_env(redis_url: str) -> dict[str, str]:
    env = server_env(0, redis_url)
    env["DATABASE_URL"] = f"{PG_SERVER}/{DB_NAME}"
    return env


def seed(limit: int) -> dict[str, Any]:
    """Child process (burst_env): migrate, one account, the target user, its retry limit; and the time
    of one Argon2 check on this machine."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import check_password, make_password
    from django.core.management import call_command

    from accounts import selectors
    from accounts.actors import Actor
    from accounts.services import accounts as account_services
    from accounts.services import login_profiles as login_profile_services
    from accounts.services import users as user_services
    from security import services as security_services

    call_command("migrate", verbosity=0)
    account = account_services.account_create(email=ROOT_EMAIL, password=ROOT_PASSWORD, alias="burst")
    root = Actor(principal=selectors.root_of(account))
    user = user_services.ram_user_create(actor=root, name=TARGET, display_name="Burst target")
    login_profile_services.login_profile_create(actor=root, user=user, password=USER_PASSWORD)
    security_services.password_policy_update(actor=root, max_login_attempts=limit)
    encoded = make_password(USER_PASSWORD)
    started = time.perf_counter()
    for _ in range(5):
        check_password("wrong-password", encoded)
    hash_s = (time.perf_counter() - started) / 5
    return {"upn": user.upn, "hash_s": hash_s, "hash_slots": settings.RAMCONSOLE_CONCURRENT_HASHES}


def logon_results() -> dict[str, Any]:
    """Child process (burst_env): the reasons of the recorded logon attempts."""
    import django

    django.setup()
    from security.models import Event

    return dict(Counter(Event.objects.filter(action="ConsoleLogon").values_list("result", flat=True)))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def health_times(port: int, *, until: threading.Event | None = None, samples: int = 0) -> list[float]:
    """`/health` back to back: `samples` times, or until `until` is set. Milliseconds each."""
    times = []
    while (until is not None and not until.is_set()) or len(times) < samples:
        started = time.perf_counter()
        status, _, _ = http_request(port, "GET", "/health")
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"/health answered {status}")
    return times


def burst(port: int, upn: str, attempts: int) -> tuple[float, Counter[int], list[float]]:
    """Fire `attempts` wrong-password logons at once; returns the burst's seconds, the statuses and
    the /health times measured while it ran."""
    forms = [csrf_pair(port) for _ in range(attempts)]
    statuses: Counter[int] = Counter()
    ready = threading.Barrier(attempts + 1)
    lock = threading.Lock()

    def attempt(cookie: str, token: str) -> None:
        ready.wait()
        status, headers, _ = http_request(
            port,
            "POST",
            "/login/",
            body=logon_body(upn, "wrong-password", token),
            headers={"Cookie": f"csrftoken={cookie}"},
        )
        if "sessionid" in _cookies(headers) and status == 302:
            raise SystemExit("a wrong password logged on")
        with lock:
            statuses[status] += 1

    threads = [threading.Thread(target=attempt, args=form) for form in forms]
    for thread in threads:
        thread.start()
    done = threading.Event()
    during: list[float] = []
    poller = threading.Thread(target=lambda: during.extend(health_times(port, until=done)))
    ready.wait()
    started = time.perf_counter()
    poller.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    done.set()
    poller.join()
    return elapsed, statuses, during


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=50, help="concurrent wrong passwords (default 50)")
    parser.add_argument("--limit", type=int, default=5, help="Password Retry Constraint Policy (default 5)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2, as make serve)")
    parser.add_argument("--health-samples", type=int, default=300, help="idle /health requests (default 300)")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--seed-only", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--results-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_only is not None:  # children, with burst_env()
        print(json.dumps(seed(args.seed_only)))
        return
    if args.results_only:
        print(json.dumps(logon_results()))
        return

    print(
        f"python {platform.python_version()}, {platform.platform()}, nproc {os.cpu_count()}, "
        f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    env = burst_env(args.redis_url)
    recreate_database(DB_NAME)
    seeded = child_json(__file__, "--seed-only", str(args.limit), env=env)
    # DEBUG off serves the manifest storage, as make serve does after its collectstatic.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT_DIR, env=env, check=True
    )
    port = free_port()
    log = Path(tempfile.gettempdir()) / f"{DB_NAME}-gunicorn.log"
    config = str(ROOT_DIR / "ramconsole" / "gunicorn.conf.py")
    process = start_gunicorn(workers=args.workers, port=port, env=env, log=log, config=config, app_dir=ROOT_DIR)
    try:
        # Warm: parallel calls reach every thread of both workers, so each has opened its database
        # and Redis connections, as on a server that has been up a while.
        warmers = [threading.Thread(target=health_times, args=(port,), kwargs={"samples": 5}) for _ in range(80)]
        for warmer in warmers:
            warmer.start()
        for warmer in warmers:
            warmer.join()
        idle = health_times(port, samples=args.health_samples)
        elapsed, statuses, during = burst(port, seeded["upn"], args.attempts)
    finally:
        stop_gunicorn(process)
    results = child_json(__file__, "--results-only", env=env)

    slots = seeded["hash_slots"]  # hashes the server runs at once (ramconsole/kernel/hashers.py)
    floor = args.attempts * seeded["hash_s"] / slots
    idle_p99, during_p99 = percentile(idle, 0.99), percentile(during, 0.99)
    print(f"\n{args.attempts} concurrent wrong passwords, {args.workers} gunicorn workers (make serve's config)\n")
    print("| measure | value |\n|---|---|")
    print(f"| burst wall time | {elapsed:.2f} s |")
    print(
        f"| hashing floor ({args.attempts} x {seeded['hash_s'] * 1000:.0f} ms Argon2 / {slots} hash slots) "
        f"| {floor:.2f} s |"
    )
    print(f"| /health idle p50 / p99 ({len(idle)} requests) | {statistics.median(idle):.1f} / {idle_p99:.1f} ms |")
    print(
        f"| /health during the burst p50 / p99 / max ({len(during)} requests) | "
        f"{statistics.median(during):.1f} / {during_p99:.1f} / {max(during):.1f} ms |"
    )
    print(f"| logon answers | {dict(statuses)} |")
    print(f"| recorded reasons | {results} |")
    exact = results == {"WrongPassword": args.limit, "LoginLocked": args.attempts - args.limit}
    print(f"\nlockout exact: {'yes' if exact else 'NO'}")
    print(f"/health p99 within 2 x idle: {'yes' if during_p99 <= 2 * idle_p99 else 'NO'}")
    print(f"burst within 3 x the hashing floor: {'yes' if elapsed <= 3 * floor else 'NO'}")


if __name__ == "__main__":
    main()
