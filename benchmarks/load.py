"""Load benchmark (issue 11): console pages and signed API calls through gunicorn, measured with wrk.

Run by hand, never by the test suite (loopback only, a few minutes):

    .venv/bin/python benchmarks/load.py                                  # 10,000 users, 1 and 2 workers
    .venv/bin/python benchmarks/load.py --users 10000 --duration 15 --workers 1 2 --connections 20

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust), wrk (/usr/bin/wrk) and gunicorn in the
virtualenv; Redis (REDIS_URL) is passed on to the server for settings that use it.

1. Drops and creates the PostgreSQL database `ramconsole_bench` (never another one), migrates it and,
   in a child process, seeds one account: a RAM administrator (AliyunRAMFullAccess, console password,
   an AccessKey made by accesskeys.services so its secret is real) and a handful of RAM users with
   console passwords, all through the real services; then --users RAM users bulk-inserted as in
   benchmarks/reports.py (logon profile each, a virtual MFA device on every other one, one or two
   AccessKeys each).
2. collectstatic (DEBUG off serves the manifest storage), then for each --workers count: starts
   `gunicorn ramconsole.wsgi` with production settings (DJANGO_DEBUG=0, plain http on loopback),
   waits until it answers, logs on as the administrator with Python (logon page, CSRF token, POST)
   and hands the session cookie to wrk, warms up, and runs each scenario with `wrk -t1` (wrk shares
   the 2 cores with the server) and benchmarks/requests.lua, which replays a file of prepared
   requests and prints its figures as one JSON line.
3. Prints one markdown table per worker count and the verdict against the targets.

Scenarios: Logon (POST /login/ of the seeded console users; Argon2 is slow on purpose, so it is
reported apart, with --logon-connections), Users (list pages), User detail, Overview, the signed
API calls GetUser and ListAccessKeys (RPC v1, HMAC-SHA1; wrk cannot sign, so a file of requests
each with its own SignatureNonce is signed beforehand, fresh for every run because the server
refuses a nonce twice and timestamps older than 15 minutes), and a mix of all but Logon.

Targets (issue 11, 2-core machine): console pages p95 < 100 ms at 20 concurrent connections (logon
excluded); signed API calls >= 300 per second.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT_DIR = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT_DIR)
elif str(ROOT_DIR) not in sys.path:
    sys.path.insert(0, str(ROOT_DIR))

from benchmarks._child import child_json  # noqa: E402 - needs the project root on sys.path, above

DB_NAME = "ramconsole_bench"  # this benchmark's own database: dropped and created on every run
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
WRK = "/usr/bin/wrk"
LUA_SCRIPT = Path(__file__).resolve().parent / "requests.lua"
ROOT_EMAIL = "bench-root@example.com"
ROOT_PASSWORD = "Bench-pass-2030"
USER_PASSWORD = "Bench-user-pass-2030"
ADMIN_NAME = "bench-admin"
LOGON_USERS = 8
TARGET_PAGE_P95_MS = 100.0
TARGET_API_RPS = 300.0
CONSOLE_KINDS = ("users", "user detail", "overview")
API_KINDS = ("GetUser", "ListAccessKeys")


def server_env(port: int, redis_url: str) -> dict[str, str]:
    """Production settings on plain http: the same for seeding (the AccessKey secrets are encrypted
    with keys derived from DJANGO_SECRET_KEY) and serving."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="ramconsole.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-only-secret-key-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"{PG_SERVER}/{DB_NAME}",
        REDIS_URL=redis_url,
        DJANGO_LOG_LEVEL="INFO",  # one JSON line per request, as make serve logs
    )
    env.pop("RAMCONSOLE_SECRET_KEYS", None)
    env.pop("RAMCONSOLE_DEMO_MODE", None)
    return env


# --- database and seeding -----------------------------------------------------------------------


def recreate_database(name: str = DB_NAME) -> None:
    """Drop and create a benchmark's own database (never pass another one)."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")


def seed(users: int) -> dict[str, Any]:
    """Child process (server_env): migrate, then the real identities through the services, then
    `users` RAM users in bulk."""
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import transaction

    from accesskeys import services as key_services
    from accounts import selectors
    from accounts.actors import Actor
    from accounts.models import Principal, SystemPolicy
    from accounts.services import accounts as account_services
    from accounts.services import login_profiles as login_profile_services
    from accounts.services import users as user_services
    from benchmarks._bulk import bulk_ram_users

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()

    # The identities that log on or sign, made as the console would make them. They come first:
    # the services refuse more than 1,000 RAM users per account, the bulk insert below does not.
    account = account_services.account_create(email=ROOT_EMAIL, password=ROOT_PASSWORD, alias="bench")
    root = Actor(principal=selectors.root_of(account))
    admin = user_services.ram_user_create(actor=root, name=ADMIN_NAME, display_name="Bench administrator")
    login_profile_services.login_profile_create(actor=root, user=admin, password=USER_PASSWORD)
    user_services.policy_attach(actor=root, user=admin, policy_name=SystemPolicy.FULL_ACCESS)
    key = key_services.access_key_create(actor=root, user=admin)
    logon_users = []
    for n in range(LOGON_USERS):
        user = user_services.ram_user_create(actor=root, name=f"bench-logon-{n}", display_name=f"Logon {n}")
        login_profile_services.login_profile_create(actor=root, user=user, password=USER_PASSWORD)
        logon_users.append(user.upn)
    real = time.perf_counter()

    rng = random.Random(11)
    with transaction.atomic():
        bulk_ram_users(account, users, rng=rng, id_base=3_000_000_000_000_000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would soon: plans for the seeded sizes
    seeded = time.perf_counter()
    sample_names = [f"user{i:06d}" for i in rng.sample(range(users), min(users, 200))]
    user_ids = dict(Principal.objects.filter(account=account, name__in=sample_names).values_list("name", "user_id"))
    return {
        "users": selectors.ram_user_count(account=account),
        "admin": admin.upn,
        "logon_users": logon_users,
        "password": USER_PASSWORD,
        "access_key_id": key.access_key.access_key_id,
        "access_key_secret": key.secret,
        "sample_names": sample_names,
        "sample_user_ids": [user_ids[name] for name in sample_names],
        "migrate_s": migrated - started,
        "services_s": real - migrated,
        "bulk_s": seeded - real,
    }


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(
    *,
    workers: int,
    port: int,
    env: dict[str, str],
    log: Path,
    config: str,
    app_dir: Path,
    app: str = "ramconsole.wsgi",
    ready_path: str = "/login/",
    extra_args: tuple[str, ...] = (),
) -> subprocess.Popen[bytes]:
    """gunicorn serving `app`, once GET `ready_path` answers 200 (side_by_side.py serves other apps)."""
    command = [
        str(ROOT_DIR / ".venv" / "bin" / "gunicorn"),
        app,
        # make serve's configuration unless told otherwise (gthread workers, JSON request logs);
        # the worker count below overrides its WORKERS.
        "--config",
        config,
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        *extra_args,
    ]
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=app_dir, env=env, stdout=out, stderr=out)  # noqa: S603
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {log}")
        try:
            status, _, _ = http_request(port, "GET", ready_path)
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return process
        stop_gunicorn(process)
        raise SystemExit(f"gunicorn answers GET {ready_path} with {status}; see {log}")
    stop_gunicorn(process)
    raise SystemExit(f"gunicorn did not answer within 30 s; see {log}")


def stop_gunicorn(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def http_request(
    port: int, method: str, path: str, *, body: str = "", headers: dict[str, str] | None = None
) -> tuple[int, http.client.HTTPMessage, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        all_headers = {"Host": "127.0.0.1", **(headers or {})}
        if body:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body.encode() or None, headers=all_headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        connection.close()


def _cookies(headers: http.client.HTTPMessage) -> dict[str, str]:
    cookies = {}
    for header in headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]
    return cookies


def csrf_pair(port: int) -> tuple[str, str]:
    """The logon page's csrftoken cookie and the form's masked token."""
    status, headers, html = http_request(port, "GET", "/login/")
    cookie = _cookies(headers).get("csrftoken", "")
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if status != 200 or not cookie or not match:
        raise SystemExit(f"logon page: status {status}, no CSRF cookie or token")
    return cookie, match.group(1)


def logon_body(logon_name: str, password: str, token: str) -> str:
    return urlencode({"csrfmiddlewaretoken": token, "logon_name": logon_name, "password": password, "logon": "Log On"})


def console_logon(port: int, logon_name: str, password: str) -> str:
    """Log on like a browser and return the Cookie header of the session."""
    csrf_cookie, token = csrf_pair(port)
    status, headers, _ = http_request(
        port,
        "POST",
        "/login/",
        body=logon_body(logon_name, password, token),
        headers={"Cookie": f"csrftoken={csrf_cookie}"},
    )
    session = _cookies(headers).get("sessionid")
    if status != 302 or not session:
        raise SystemExit(f"logon of {logon_name}: status {status}, session cookie {bool(session)}")
    cookie = f"csrftoken={csrf_cookie}; sessionid={session}"
    status, _, _ = http_request(port, "GET", "/overview/", headers={"Cookie": cookie})
    if status != 200:
        raise SystemExit(f"Overview after logon: status {status}")
    return cookie


# --- signed API requests ------------------------------------------------------------------------


def signed_path(action: str, extra: dict[str, str], *, key_id: str, secret: str, timestamp: str) -> str:
    """POST /?… as aliyun-python-sdk-core's RPC signer sends it (RAM-API.md §3)."""
    from ramconsole.gateway import signatures

    params = {
        "Action": action,
        "Version": "2015-05-01",
        "Format": "JSON",
        "RegionId": "cn-hangzhou",
        "Timestamp": timestamp,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureType": "",
        "SignatureVersion": "1.0",
        "SignatureNonce": uuid.uuid4().hex,
        "AccessKeyId": key_id,
        **extra,
    }
    params["Signature"] = signatures.rpc_signature(secret, signatures.rpc_string_to_sign("POST", params))
    return "/?" + signatures.canonical_query(params)


def api_lines(action: str, count: int, seeded: dict[str, Any]) -> list[str]:
    # Every request's timestamp is "now": the file is written just before its run, well within the
    # server's 15-minute window.
    timestamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    names = seeded["sample_names"]
    return [
        "POST\t"
        + signed_path(
            action,
            {"UserName": names[i % len(names)]},
            key_id=seeded["access_key_id"],
            secret=seeded["access_key_secret"],
            timestamp=timestamp,
        )
        for i in range(count)
    ]


def check_api(port: int, seeded: dict[str, Any]) -> None:
    """One signed call of each kind answers 200, and a replay of it is refused."""
    for action in API_KINDS:
        path = api_lines(action, 1, seeded)[0].split("\t")[1]
        status, _, body = http_request(port, "POST", path, headers={"Content-Length": "0"})
        if status != 200:
            raise SystemExit(f"{action}: status {status}: {body[:300]}")
        status, _, body = http_request(port, "POST", path, headers={"Content-Length": "0"})
        if status != 400 or "SignatureNonceUsed" not in body:
            raise SystemExit(f"{action} replayed: status {status}: {body[:300]}")


# --- wrk ----------------------------------------------------------------------------------------


def run_wrk(
    *,
    port: int,
    lines: list[str],
    connections: int,
    duration: int,
    cookie: str,
    workdir: Path,
    name: str,
    think_ms: int = 0,
) -> dict[str, Any]:
    requests_file = workdir / f"{re.sub(r'[^a-z0-9]+', '-', name.lower())}.txt"
    requests_file.write_text("\n".join(lines) + "\n")
    command = [
        WRK,
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA_SCRIPT),
        *(["-H", f"Cookie: {cookie}"] if cookie else []),
        f"http://127.0.0.1:{port}",
        "--",
        str(requests_file),
        *([str(think_ms)] if think_ms else []),
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    found = [line for line in completed.stdout.splitlines() if line.startswith("WRK_JSON ")]
    if completed.returncode != 0 or not found:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"wrk failed for {name} (exit code {completed.returncode})")
    result = json.loads(found[-1].removeprefix("WRK_JSON "))
    result["lines"] = len(lines)
    return result


def scenario_lines(kind: str, seeded: dict[str, Any], *, api_requests: int, csrf_token: str) -> list[str]:
    if kind == "logon":
        return [
            "POST\t/login/\t" + logon_body(name, seeded["password"], csrf_token)
            for name in seeded["logon_users"]  # wrk cycles through them
        ]
    if kind == "users":
        # The first page most of the time, a deeper page (OFFSET) now and then.
        last = max(1, (seeded["users"] + 19) // 20)
        return [f"GET\t/users/?page={page}" for page in (1, 1, 1, 2, 3, 1, 1, last // 2, last)]
    if kind == "user detail":
        return [f"GET\t/users/{user_id}/" for user_id in seeded["sample_user_ids"]]
    if kind == "overview":
        return ["GET\t/overview/"]
    if kind in API_KINDS:
        return api_lines(kind, api_requests, seeded)
    if kind == THINK_KIND:
        ids = seeded["sample_user_ids"]
        return [line for i in range(50) for line in ("GET\t/users/", f"GET\t/users/{ids[i]}/", "GET\t/overview/")]
    if kind == "mixed":
        # 3 console pages : 2 API calls, interleaved.
        get_user = api_lines("GetUser", api_requests // 2, seeded)
        list_keys = api_lines("ListAccessKeys", api_requests // 2, seeded)
        ids = seeded["sample_user_ids"]
        lines = []
        for i in range(api_requests // 2):
            lines += ["GET\t/users/", f"GET\t/users/{ids[i % len(ids)]}/", "GET\t/overview/"]
            lines += [get_user[i], list_keys[i]]
        return lines
    raise ValueError(kind)


EXPECTED_STATUS = {"logon": "302"}
THINK_KIND = "console pages, think time"


def run_workers(workers: int, args: argparse.Namespace, seeded: dict[str, Any], workdir: Path) -> list[dict]:
    port = free_port()
    env = server_env(port, args.redis_url)
    log = workdir / f"gunicorn-{workers}.log"
    print(f"\n{workers} worker(s): gunicorn on 127.0.0.1:{port} (log {log})", flush=True)
    process = start_gunicorn(
        workers=workers, port=port, env=env, log=log, config=args.gunicorn_config, app_dir=args.app_dir
    )
    rows = []
    try:
        cookie = console_logon(port, seeded["admin"], seeded["password"])
        check_api(port, seeded)
        csrf_cookie, csrf_token = csrf_pair(port)
        # Warm-up: every worker imports, compiles templates and opens its database connection.
        warm = [
            line
            for kind in CONSOLE_KINDS
            for line in scenario_lines(kind, seeded, api_requests=0, csrf_token=csrf_token)[:3]
        ]
        run_wrk(port=port, lines=warm, connections=workers * 2, duration=3, cookie=cookie, workdir=workdir, name="warm")
        plan = [("logon", args.logon_connections, min(args.duration, 10), 0)]
        plan += [(kind, args.connections, args.duration, 0) for kind in (*CONSOLE_KINDS, *API_KINDS, "mixed")]
        if args.think_ms:
            plan.append((THINK_KIND, args.connections, args.duration, args.think_ms))
        if args.scenarios:
            plan = [step for step in plan if step[0] in args.scenarios]
        for kind, connections, duration, think_ms in plan:
            lines = scenario_lines(kind, seeded, api_requests=args.api_requests, csrf_token=csrf_token)
            request_cookie = f"csrftoken={csrf_cookie}" if kind == "logon" else cookie
            result = run_wrk(
                port=port,
                lines=lines,
                connections=connections,
                duration=duration,
                cookie=request_cookie,
                workdir=workdir,
                name=f"{kind}-{workers}",
                think_ms=think_ms,
            )
            expected = EXPECTED_STATUS.get(kind, "200")
            result.update(
                kind=kind,
                workers=workers,
                connections=connections,
                duration=duration,
                think_ms=think_ms,
                unexpected=result["requests"] - result["statuses"].get(expected, 0),
                expected=expected,
                load_1min=os.getloadavg()[0],
            )
            rows.append(result)
            print(
                f"  {kind:<15} c={connections:<3} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.1f}  "
                f"p95 {result['p95_ms']:7.1f}  p99 {result['p99_ms']:7.1f} ms  statuses {result['statuses']}",
                flush=True,
            )
            if kind in API_KINDS and result["requests"] > len(lines):
                print(f"  warning: {kind} sent {result['requests']} requests from {len(lines)} nonces", flush=True)
    finally:
        stop_gunicorn(process)
    return rows


# --- report -------------------------------------------------------------------------------------


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| traffic | connections | requests | req/s | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | unexpected status |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        label = f"{r['kind']} (expects {r['expected']})" if r["expected"] != "200" else r["kind"]
        if r["think_ms"]:
            label = f"{r['kind']} {r['think_ms'] / 2000:g}-{r['think_ms'] * 3 / 2000:g} s"
        lines.append(
            f"| {label} | {r['connections']} | {r['requests']:,} | {r['rps']:.1f} | {r['p50_ms']:.1f} "
            f"| {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['max_ms']:.1f} | {r['unexpected']} |"
        )
    return "\n".join(lines)


def verdicts(rows: list[dict[str, Any]]) -> list[str]:
    out = []
    for r in rows:
        if r["kind"] in (*CONSOLE_KINDS, THINK_KIND):
            ok = r["p95_ms"] < TARGET_PAGE_P95_MS and r["unexpected"] == 0
            out.append(
                f"| {r['workers']} | {r['kind']} p95 < {TARGET_PAGE_P95_MS:.0f} ms at {r['connections']} connections "
                f"| {r['p95_ms']:.1f} ms | {'met' if ok else '**MISSED**'} |"
            )
        elif r["kind"] in API_KINDS:
            ok = r["rps"] >= TARGET_API_RPS and r["unexpected"] == 0
            out.append(
                f"| {r['workers']} | {r['kind']} >= {TARGET_API_RPS:.0f} calls/s "
                f"| {r['rps']:.1f} /s | {'met' if ok else '**MISSED**'} |"
            )
    return ["| workers | target | measured | verdict |", "|---|---|---|---|", *out]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10000, help="bulk-seeded RAM users (default 10000)")
    parser.add_argument("--duration", type=int, default=15, help="seconds per scenario (default 15)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="gunicorn workers (default 1 2)")
    parser.add_argument("--connections", type=int, default=20, help="wrk connections (default 20)")
    parser.add_argument("--logon-connections", type=int, default=4, help="wrk connections for Logon (default 4)")
    parser.add_argument(
        "--api-requests", type=int, default=20000, help="signed requests prepared per API run (default 20000)"
    )
    parser.add_argument(
        "--think-ms",
        type=int,
        default=1000,
        help="mean think time of the extra console run with waiting clients (default 1000; 0 = no such run)",
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument(
        "--gunicorn-config",
        default=str(ROOT_DIR / "ramconsole" / "gunicorn.conf.py"),
        help="gunicorn config file (default: make serve's, ramconsole/gunicorn.conf.py)",
    )
    parser.add_argument(
        "--scenarios",
        nargs="+",
        choices=["logon", *CONSOLE_KINDS, *API_KINDS, "mixed", THINK_KIND],
        help="run only these (default: all)",
    )
    parser.add_argument(
        "--app-dir",
        type=Path,
        default=ROOT_DIR,
        help="serve the code of this copy of the project (an A/B comparison; default: this one)",
    )
    parser.add_argument("--reuse-db", action="store_true", help="skip drop/create/seed (a previous run's database)")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.seed_only:  # child, with server_env()
        print(json.dumps(seed(args.users)))
        return

    if not Path(WRK).exists():
        raise SystemExit(f"{WRK} is missing (apt-get install wrk)")
    print(
        f"python {platform.python_version()}, {platform.platform()}, nproc {os.cpu_count()}, "
        f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    started = time.monotonic()
    env = server_env(0, args.redis_url)
    seed_file = Path(tempfile.gettempdir()) / f"{DB_NAME}-seed.json"
    if args.reuse_db and seed_file.exists():
        seeded = json.loads(seed_file.read_text())
        print(f"reusing {DB_NAME} ({seeded['users']:,} RAM users)", flush=True)
    else:
        print(f"recreating PostgreSQL database {DB_NAME} and seeding {args.users:,} RAM users ...", flush=True)
        recreate_database()
        seeded = child_json(__file__, "--seed-only", "--users", str(args.users), env=env)
        seed_file.write_text(json.dumps(seeded))
        print(
            f"  migrate {seeded['migrate_s']:.1f} s, identities through the services {seeded['services_s']:.1f} s, "
            f"bulk insert {seeded['bulk_s']:.1f} s",
            flush=True,
        )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT_DIR, env=env, check=True
    )
    workdir = Path(tempfile.mkdtemp(prefix="ramconsole-load-", dir="/tmp"))
    all_rows = []
    try:
        for workers in args.workers:
            all_rows += run_workers(workers, args, seeded, workdir)
    finally:
        if all_rows:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept {workdir} (gunicorn logs)")
    print(f"\nwall time {time.monotonic() - started:.0f} s\n")
    for workers in args.workers:
        rows = [r for r in all_rows if r["workers"] == workers]
        loads = ", ".join(f"{r['load_1min']:.1f}" for r in rows)
        print(
            f"### {workers} gunicorn worker(s), {seeded['users']:,} RAM users (load average after each run: {loads})\n"
        )
        print(table(rows))
        print()
    print("\n".join(verdicts(all_rows)))


if __name__ == "__main__":
    main()
