"""Benchmark of the reports (issue 8): the user credential report and the Overview page at N RAM users.

Run by hand, never by the test suite:

    .venv/bin/python benchmarks/reports.py                      # N = 1,000 and 10,000
    .venv/bin/python benchmarks/reports.py --users 100000       # any sizes
    .venv/bin/python benchmarks/reports.py --users 100000 --profile   # plus cProfile hot spots
    .venv/bin/python benchmarks/reports.py --postgres postgres://postgres@127.0.0.1:5432/ramconsole_bench

Each N gets a throwaway SQLite file under /tmp, or with --postgres its own PostgreSQL database, the
given name with `_N` appended, dropped and created (DATABASE_URL is set before django.setup()). Seeding
and measuring run in two child processes, so the measuring process's peak RSS (ru_maxrss) is not
inflated by the seeding. Seeding uses bulk inserts (batches of 5,000): one account (through
accounts.services.accounts.account_create), N RAM users with a logon profile, a virtual MFA device bound to
every other one, and one or two AccessKeys each (a third of the users have two).

Measured, with DEBUG off as in production:
- credential report: reports.services.credential_report_generate as the root, outside any atomic
  block, so the ImmediateBackend runs the build when the service's transaction commits. Wall time
  (median of --repeat runs; each run starts from no stored report), SQL queries (one run inside
  CaptureQueriesContext), tracemalloc peak (one separate run: tracing slows Python down, so it is
  never timed) and ru_maxrss before/after.
- its pages: reports.rpc.get_credential_report called for every page (MaxItems 3,501, following
  NextToken) and each Content Base64-decoded, as a client reads it; median of --repeat.
- Overview: GET accounts:overview with a logged-in django.test.Client, one warm-up, median of 5.

Targets (issue 8, 2-core machine): credential report at 100,000 users < 2 s and < 200 MB peak;
Overview at 100,000 users < 300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT_DIR = Path(__file__).resolve().parent.parent
# `python benchmarks/reports.py` puts benchmarks/ first on sys.path, where this file would shadow the
# `reports` app; the project root replaces it.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT_DIR)
elif str(ROOT_DIR) not in sys.path:
    sys.path.insert(0, str(ROOT_DIR))

from benchmarks._child import child_json  # noqa: E402 - needs the project root on sys.path, above

ROOT_EMAIL = "bench-root@example.com"
ROOT_PASSWORD = "Bench-pass-2030"
TARGET_REPORT_SECONDS = 2.0
TARGET_REPORT_MB = 200.0
TARGET_OVERVIEW_MS = 300.0
TARGET_AT = 100_000


def _setup_django(database: str) -> None:
    """`database`: a SQLite file's path or a database URL."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "ramconsole.settings"
    os.environ["DATABASE_URL"] = database if "://" in database else f"sqlite:///{database}"
    # The build itself, in this process: under `make run`/`make serve` the same task runs in the
    # db_worker; a backend set in the caller's environment would only queue it here.
    os.environ["RAMCONSOLE_TASK_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    # The test client's host; with DEBUG off nothing else adds it.
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at", module="whitenoise")

    django.setup()
    from django.conf import settings

    # As in production: no query log kept on every cursor (CaptureQueriesContext forces its own).
    settings.DEBUG = False


# --- seeding (child process) -------------------------------------------------------------------


def _recreate_postgres(url: str) -> None:
    """Drop and create the benchmark's own database (the URL's last path segment)."""
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")


def seed(database: str, users: int) -> dict[str, Any]:
    _setup_django(database)

    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.services import accounts as account_services
    from benchmarks._bulk import bulk_ram_users

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()

    account = account_services.account_create(email=ROOT_EMAIL, password=ROOT_PASSWORD, alias="bench")
    with transaction.atomic():
        keys_total = bulk_ram_users(account, users, rng=random.Random(8), id_base=2_000_000_000_000_000)
    seeded = time.perf_counter()
    return {
        "users": users,
        "keys": keys_total,
        "mfa_devices": (users + 1) // 2,
        "migrate_s": migrated - started,
        "seed_s": seeded - migrated,
        "db_mb": _database_bytes(connection) / 2**20,
    }


# --- measuring (child process) -----------------------------------------------------------------


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _database_bytes(connection: Any) -> int:
    if connection.vendor == "sqlite":
        return Path(connection.settings_dict["NAME"]).stat().st_size
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0]


def measure(database: str, repeat: int, profile: bool) -> dict[str, Any]:
    _setup_django(database)
    import base64
    import cProfile
    import io
    import pstats
    import tracemalloc

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts import selectors
    from accounts.actors import Actor
    from accounts.models import Account
    from ramconsole.gateway.actions import IMS, ApiCall
    from reports import rpc, services
    from reports.models import CredentialReport
    from security.ranges import CREDENTIAL_REPORT_MAX_ITEMS

    account = Account.objects.get()
    root = selectors.root_of(account)
    users = selectors.ram_user_count(account=account)
    # Other work on the machine skews every figure: the load average is recorded with them.
    result: dict[str, Any] = {"users": users, "load_1min": os.getloadavg()[0]}

    def generate() -> None:
        CredentialReport.objects.all().delete()  # no report within four hours: a new one is built
        report = services.credential_report_generate(actor=Actor(root))
        # The state only: loading the stored CSV here would inflate this process's memory.
        state = CredentialReport.objects.filter(pk=report.pk).values_list("state", flat=True).get()
        assert state == CredentialReport.State.COMPLETED, state

    def read_pages() -> int:
        """Every page of the stored report as the API serves it, decoded; how many rows."""
        rows, token = 0, ""
        while True:
            values = {"MaxItems": CREDENTIAL_REPORT_MAX_ITEMS, "NextToken": token}
            call = ApiCall(version=IMS, action="GetCredentialReport", params={}, actor=Actor(root), values=values)
            page = rpc.get_credential_report(call)
            rows += base64.b64decode(page["Content"]).decode().count("\n") - 1  # the header is on every page
            if page["IsTruncated"] != "true":
                return rows
            token = page["NextToken"]

    client = Client()
    client.force_login(root, backend="accounts.backends.LogonNameBackend")
    overview_url = reverse("accounts:overview")

    def overview() -> None:
        response = client.get(overview_url)
        assert response.status_code == 200, response.status_code

    result["rss_before_mb"] = _rss_mb()

    # Credential report: time (median of `repeat`; maxrss after the first run and after all),
    # then queries (one run), then memory (one traced run), then the content is checked.
    # CPU time beside the wall time: on a shared machine it is the steadier of the two.
    times, cpu_times = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        generate()
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu_started)
        result.setdefault("rss_after_first_report_mb", _rss_mb())
    result["report_s"] = statistics.median(times)
    result["report_cpu_s"] = statistics.median(cpu_times)
    result["report_s_all"] = times
    result["rss_after_report_mb"] = _rss_mb()
    with CaptureQueriesContext(connection) as captured:
        generate()
    result["report_queries"] = len(captured)
    tracemalloc.start()
    generate()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result["report_peak_mb"] = peak / 2**20

    times, cpu_times = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        assert read_pages() == users + 1  # <root> and every RAM user
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu_started)
    result["pages_s"] = statistics.median(times)
    result["pages_cpu_s"] = statistics.median(cpu_times)

    # Overview (a completed report exists, as after a download): first (cold) request, then the
    # median of five.
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        overview()
    result["overview_cold_ms"] = (time.perf_counter() - started) * 1000
    result["overview_queries"] = len(captured)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        overview()
        times.append((time.perf_counter() - started) * 1000)
    result["overview_ms"] = statistics.median(times)
    result["overview_ms_all"] = times
    result["rss_after_mb"] = _rss_mb()

    content = CredentialReport.objects.get().content
    lines = content.count("\n")
    assert lines == users + 2, (lines, users)  # header, <root>, one row per RAM user
    result["report_mb"] = len(content.encode()) / 2**20
    del content

    if profile:
        for name, run in (("credential report", generate), ("overview", overview)):
            profiler = cProfile.Profile()
            profiler.enable()
            run()
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
            out.write("\n")
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
            result[f"profile_{name}"] = out.getvalue()
        with CaptureQueriesContext(connection) as captured:
            overview()
        slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:8]
        result["profile_overview SQL"] = "\n".join(f"{q['time']} s  {q['sql'][:300]}" for q in slowest)
    return result


# --- driver ------------------------------------------------------------------------------------


def _verdict(row: dict[str, Any]) -> str:
    if row["users"] < TARGET_AT:
        return "(targets apply at 100,000)"
    misses = []
    if row["report_s"] >= TARGET_REPORT_SECONDS:
        misses.append(f"report {row['report_s']:.2f} s >= {TARGET_REPORT_SECONDS:.0f} s")
    if row["report_peak_mb"] >= TARGET_REPORT_MB:
        misses.append(f"report peak {row['report_peak_mb']:.0f} MB >= {TARGET_REPORT_MB:.0f} MB")
    if row["overview_ms"] >= TARGET_OVERVIEW_MS:
        misses.append(f"overview {row['overview_ms']:.0f} ms >= {TARGET_OVERVIEW_MS:.0f} ms")
    return "MISSED: " + "; ".join(misses) if misses else "all targets met"


def _table(rows: list[dict[str, Any]]) -> str:
    header = (
        "| RAM users | keys | seed (s) | report (s) | report CPU (s) | every page (s) | pages CPU (s) | report SQL "
        "| report size (MB) "
        "| tracemalloc peak (MB) "
        "| maxrss before → 1st report → all runs (MB) | Overview median (ms) | Overview cold (ms) | Overview SQL "
        "| load avg (1 min) |"
    )
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for r in rows:
        lines.append(
            f"| {r['users']:,} | {r['keys']:,} | {r['seed_s']:.1f} | {r['report_s']:.2f} | {r['report_cpu_s']:.2f} "
            f"| {r['pages_s']:.3f} | {r['pages_cpu_s']:.3f} "
            f"| {r['report_queries']} "
            f"| {r['report_mb']:.1f} | {r['report_peak_mb']:.1f} "
            f"| {r['rss_before_mb']:.0f} → {r['rss_after_first_report_mb']:.0f} → {r['rss_after_report_mb']:.0f} "
            f"| {r['overview_ms']:.1f} | {r['overview_cold_ms']:.1f} | {r['overview_queries']} | {r['load_1min']:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1000, 10000], help="sizes N (default 1000 10000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed credential report runs per N (median)")
    parser.add_argument("--profile", action="store_true", help="print cProfile hot spots of both measurements")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite files (or PostgreSQL databases)")
    parser.add_argument("--tmp", default="/tmp", help="where the SQLite files go (default /tmp)")  # noqa: S108
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL instead: URL/NAME, each N in database NAME_N")
    parser.add_argument("--seed-only", dest="seed_db", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument("--measure-only", dest="measure_db", metavar="DB", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.seed_db:  # child: seed one database
        print(json.dumps(seed(args.seed_db, args.users[0])))
        return
    if args.measure_db:  # child: measure one seeded database
        print(json.dumps(measure(args.measure_db, args.repeat, args.profile)))
        return

    import platform

    print(
        f"python {platform.python_version()}, {platform.platform()}, nproc {os.cpu_count()}, "
        f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    rows = []
    for users in args.users:
        workdir = Path(tempfile.mkdtemp(prefix=f"ramconsole-bench-{users}-", dir=args.tmp))
        db_path = f"{args.postgres}_{users}" if args.postgres else str(workdir / "db.sqlite3")
        if args.postgres:
            _recreate_postgres(db_path)
        try:
            print(f"N={users:,}: seeding {db_path} ...", flush=True)
            seeded = child_json(__file__, "--seed-only", db_path, "--users", str(users))
            print(
                f"  migrate {seeded['migrate_s']:.1f} s, seed {seeded['seed_s']:.1f} s "
                f"({seeded['keys']:,} keys, {seeded['db_mb']:.0f} MB); measuring ...",
                flush=True,
            )
            measure_args = ["--measure-only", db_path, "--repeat", str(args.repeat)]
            measured = child_json(__file__, *measure_args, *(["--profile"] if args.profile else []))
            row = {**seeded, **measured}
            rows.append(row)
            runs = ", ".join(f"{t:.3f}" for t in row["report_s_all"])
            print(
                f"  credential report {row['report_s']:.3f} s (runs {runs}), {row['report_queries']} queries, "
                f"every page read {row['pages_s']:.3f} s, "
                f"tracemalloc peak {row['report_peak_mb']:.1f} MB, "
                f"maxrss {row['rss_before_mb']:.0f} → {row['rss_after_first_report_mb']:.0f} → "
                f"{row['rss_after_report_mb']:.0f} MB; "
                f"Overview {row['overview_ms']:.1f} ms (cold {row['overview_cold_ms']:.1f} ms, "
                f"{row['overview_queries']} queries); {_verdict(row)}",
                flush=True,
            )
            for key in ("profile_credential report", "profile_overview", "profile_overview SQL"):
                if key in row:
                    print(f"\n--- cProfile: {key.removeprefix('profile_')} at N={users:,} ---\n{row[key]}")
        finally:
            if args.keep:
                print(f"  kept {db_path}")
            else:
                shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(_table(rows))
    for row in rows:
        print(f"N={row['users']:,}: {_verdict(row)}")


if __name__ == "__main__":
    main()
