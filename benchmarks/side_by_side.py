"""ramconsole and its peer emulator, moto, side by side (issue 20): the credential report and signed calls.

Run by hand (a default run, as `make bench` makes it, takes ~30 min on the 2-core machine):

    .venv/bin/python benchmarks/side_by_side.py                              # 10,000 and 100,000 users, 3 rounds
    .venv/bin/python benchmarks/side_by_side.py --users 1000 --rounds 1 --duration 5
    .venv/bin/python benchmarks/side_by_side.py --users 10000 --skip-report  # wrk only

For each --users N: seeds ramconsole on PostgreSQL (database `ramconsole_sbs`, dropped and created)
and on SQLite (/tmp/sbs/) with load.py's seed, and moto with the same users (benchmarks/_moto_peer.py,
seeded in its own process); seeding is not timed. Serves ramconsole as `make serve` does (gunicorn
with ramconsole/gunicorn.conf.py, 2 workers, DEBUG off, `manage.py db_worker` building the reports),
moto in one process (ThreadedMotoServer, as `moto_server`) and, for wrk, moto under the same gunicorn
config with 2 workers (--preload) and the floor (benchmarks/_floor.py) on it too. Then --rounds
interleaved rounds, each:

1. the credential report as a client gets it: ramconsole SQLite, ramconsole PostgreSQL, moto in turn,
   each Generate until complete, then every Get page, Base64-decoded (the official IMS SDK; boto3);
   before each ramconsole round its stored reports are deleted (untimed), so it really regenerates;
2. at the first N only, wrk -t1 with --connections for --duration: GetUser and ListAccessKeys against
   ramconsole (PostgreSQL), moto single, moto gunicorn-2, and GetUser against the floor. Every
   ramconsole request carries its own nonce (load.py's signing); moto's are SigV4-signed by botocore.

Prints every figure with the 1-minute load average beside it, the ratios, a verdict per target of
issue 20 and a markdown block for benchmarks/RESULTS.md. Peak RSS: VmHWM summed over each server's
process tree (ramconsole's includes its report worker), read at the end of its runs.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

# Imported first: load.py puts the project root on sys.path, for `benchmarks.` imports and the apps.
from load import (
    PG_SERVER,
    ROOT_DIR,
    WRK,
    api_lines,
    check_api,
    free_port,
    http_request,
    recreate_database,
    run_wrk,
    server_env,
    start_gunicorn,
    stop_gunicorn,
)

from benchmarks._child import child_json
from benchmarks._moto_peer import NAMED_USERS

DB_NAME = "ramconsole_sbs"  # this benchmark's own database: dropped and created for every N
SQLITE_DIR = Path("/tmp/sbs")  # noqa: S108 - this benchmark's own directory, kept for its logs
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/11"
GUNICORN_CONF = str(ROOT_DIR / "ramconsole" / "gunicorn.conf.py")
LOAD_SCRIPT = str(ROOT_DIR / "benchmarks" / "load.py")
MOTO_PEER = str(ROOT_DIR / "benchmarks" / "_moto_peer.py")
WORKERS = 2
POLL_S = 0.2  # between two Generate calls while a report is being built
MOTO_REGION = "us-east-1"
MOTO_KEY = "testing"  # moto checks no signature: any key is its default account's
REPORT_TARGET = 0.5
WRK_TARGET = 1.0
FLOOR_TARGET = 0.5
API_ACTIONS = ("GetUser", "ListAccessKeys")
RAMCONSOLE_REPORTERS = ("ramconsole SQLite", "ramconsole PostgreSQL")
WRK_TARGETS = ("ramconsole PostgreSQL", "moto single", "moto gunicorn-2")


@dataclass
class Server:
    name: str
    port: int
    processes: list[subprocess.Popen[bytes]]


def load_1min() -> float:
    return os.getloadavg()[0]


def forget_reports() -> dict[str, Any]:
    """Child process (ramconsole's env): delete the stored credential reports, so that the next
    GenerateCredentialReport builds anew instead of reusing one younger than four hours."""
    import django

    django.setup()
    from reports.models import CredentialReport

    deleted, _ = CredentialReport.objects.all().delete()
    return {"deleted": deleted}


# --- servers ------------------------------------------------------------------------------------


def ramconsole_env(database_url: str, redis_url: str) -> dict[str, str]:
    env = server_env(0, redis_url)
    env["DATABASE_URL"] = database_url
    env["RAMCONSOLE_TASK_BACKEND"] = "django_tasks_db.DatabaseBackend"  # as make serve: db_worker builds
    return env


def start_ramconsole(name: str, env: dict[str, str], workdir: Path) -> Server:
    port = free_port()
    log = workdir / f"{name.replace(' ', '-')}.log"
    gunicorn = start_gunicorn(workers=WORKERS, port=port, env=env, log=log, config=GUNICORN_CONF, app_dir=ROOT_DIR)
    with log.open("ab") as out:
        worker = subprocess.Popen(  # make serve's report worker
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.1"],  # the Makefile's interval
            cwd=ROOT_DIR,
            env=env,
            stdout=out,
            stderr=out,
        )
    return Server(name, port, [gunicorn, worker])


def start_moto_single(users: int, workdir: Path) -> Server:
    port = free_port()
    log = workdir / "moto-single.log"
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - our peer module
            [sys.executable, MOTO_PEER, "--users", str(users), "--port", str(port)], stdout=out, stderr=out
        )
    deadline = time.monotonic() + 300  # seeding 100,000 users takes a while
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"moto exited with {process.returncode}; see {log}")
        try:
            if http_request(port, "GET", "/moto-api/")[0] == 200:
                return Server("moto single", port, [process])
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"moto did not answer; see {log}")


def start_app(name: str, app: str, *, env: dict[str, str], workdir: Path, ready_path: str, **kwargs: Any) -> Server:
    port = free_port()
    log = workdir / f"{name.replace(' ', '-')}.log"
    process = start_gunicorn(
        workers=WORKERS,
        port=port,
        env=env,
        log=log,
        config=GUNICORN_CONF,
        app_dir=ROOT_DIR,
        app=app,
        ready_path=ready_path,
        **kwargs,
    )
    return Server(name, port, [process])


def stop(server: Server) -> None:
    for process in server.processes:
        stop_gunicorn(process)  # SIGTERM, then kill after 30 s: right for every one of them


def _children(pid: int) -> list[int]:
    found = []
    for path in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = path.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(path.parent.name))
    return found


def peak_rss_mb(server: Server) -> float:
    """Sum of VmHWM (peak resident set) over the server's processes and their descendants."""
    pending = [process.pid for process in server.processes]
    total_kb = 0
    while pending:
        pid = pending.pop()
        pending += _children(pid)
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total_kb += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
    return total_kb / 1024


# --- the credential report, as a client gets it -------------------------------------------------


def ramconsole_report(port: int, seeded: dict[str, Any]) -> dict[str, Any]:
    """IMS GenerateCredentialReport until COMPLETED, then GetCredentialReport page by page."""
    from alibabacloud_ims20190815 import models as ims_models
    from alibabacloud_ims20190815.client import Client as ImsClient
    from alibabacloud_tea_openapi import models as open_api_models

    client = ImsClient(
        open_api_models.Config(
            access_key_id=seeded["access_key_id"],
            access_key_secret=seeded["access_key_secret"],
            endpoint=f"127.0.0.1:{port}",
            protocol="http",
            region_id="cn-hangzhou",
            read_timeout=600_000,
            connect_timeout=10_000,
        )
    )
    started = time.perf_counter()
    generate_calls = 1
    while (state := client.generate_credential_report().body.state) != "COMPLETED":
        if state == "FAILED":
            raise SystemExit("ramconsole: the credential report FAILED")
        time.sleep(POLL_S)
        generate_calls += 1
    generated = time.perf_counter()
    rows = pages = 0
    token = None
    while True:
        body = client.get_credential_report(ims_models.GetCredentialReportRequest(next_token=token)).body
        pages += 1
        rows += len(base64.b64decode(body.content).decode().splitlines()) - 1  # each page repeats the header
        if str(body.is_truncated).lower() != "true":
            break
        token = body.next_token
    done = time.perf_counter()
    return {
        "seconds": done - started,
        "generate_s": generated - started,
        "generate_calls": generate_calls,
        "pages": pages,
        "rows": rows,
    }


def moto_client(port: int) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "iam",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name=MOTO_REGION,
        aws_access_key_id=MOTO_KEY,
        aws_secret_access_key=MOTO_KEY,
        config=Config(read_timeout=600, retries={"max_attempts": 1}),
    )


def moto_report(port: int) -> dict[str, Any]:
    """generate_credential_report until COMPLETE, then get_credential_report (one page; botocore
    decodes the Base64). moto keeps no report: it builds the CSV anew in every Get, so every round
    generates anew; Generate only says STARTED the very first time."""
    client = moto_client(port)
    started = time.perf_counter()
    generate_calls = 1
    while client.generate_credential_report()["State"] != "COMPLETE":
        time.sleep(POLL_S)
        generate_calls += 1
    generated = time.perf_counter()
    content = client.get_credential_report()["Content"]
    rows = len(content.decode().splitlines()) - 1
    done = time.perf_counter()
    return {
        "seconds": done - started,
        "generate_s": generated - started,
        "generate_calls": generate_calls,
        "pages": 1,
        "rows": rows,
    }


# --- signed calls with wrk ----------------------------------------------------------------------


def moto_lines(action: str, count: int, port: int, names: list[str]) -> list[str]:
    """POST / with a form body, SigV4-signed by botocore: each line its own Authorization and X-Amz-Date."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    signer = SigV4Auth(Credentials(MOTO_KEY, MOTO_KEY), "iam", MOTO_REGION)
    lines = []
    for i in range(count):
        body = urlencode({"Action": action, "Version": "2010-05-08", "UserName": names[i % len(names)]})
        # The Content-Type requests.lua sends with a body: part of what SigV4 signs.
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        request = AWSRequest("POST", f"http://127.0.0.1:{port}/", data=body, headers=headers)
        signer.add_auth(request)
        signed = {name: request.headers[name] for name in ("Authorization", "X-Amz-Date")}
        lines.append(f"POST\t/\t{body}\t" + "\t".join(f"{name}: {value}" for name, value in signed.items()))
    return lines


def check_moto(server: Server, names: list[str]) -> None:
    """One signed call of each kind answers 200 with its result, as boto3 would read it."""
    for action in API_ACTIONS:
        _, path, body, *headers = moto_lines(action, 1, server.port, names)[0].split("\t")
        status, _, answer = http_request(
            server.port, "POST", path, body=body, headers=dict(header.split(": ", 1) for header in headers)
        )
        if status != 200 or f"<{action}Result>" not in answer:
            raise SystemExit(f"{server.name} {action}: status {status}: {answer[:300]}")


def wrk_lines(target: str, action: str, server: Server, seeded: dict[str, Any], duration: int) -> list[str]:
    names = seeded["sample_names"]
    if target == "floor":
        return [f"POST\t/?{urlencode({'UserName': name})}" for name in names]
    if target.startswith("moto"):
        return moto_lines(action, 10_000, server.port, names)  # moto stores no nonce: lines may repeat
    # Every line its own nonce, more than the run can send at 2,000 calls/s.
    return api_lines(action, max(20_000, 2_000 * duration), seeded)


def measure_wrk(
    target: str, action: str, server: Server, seeded: dict[str, Any], args: argparse.Namespace, workdir: Path
) -> dict[str, Any]:
    lines = wrk_lines(target, action, server, seeded, args.duration)
    result = run_wrk(
        port=server.port,
        lines=lines,
        connections=args.connections,
        duration=args.duration,
        cookie="",
        workdir=workdir,
        name=f"{target}-{action}",
    )
    result["unexpected"] = result["requests"] - result["statuses"].get("200", 0)
    # ramconsole refuses a nonce twice: a file sent more than once would count 400s, not speed.
    result["reused"] = target.startswith("ramconsole") and result["requests"] > len(lines)
    return result


# --- the run ------------------------------------------------------------------------------------


def seed_ramconsole(env: dict[str, str], users: int) -> dict[str, Any]:
    started = time.perf_counter()
    seeded = child_json(LOAD_SCRIPT, "--seed-only", "--users", str(users), env=env)
    seeded["seed_s"] = time.perf_counter() - started
    return seeded


def seed_all(users: int, with_report: bool, redis_url: str) -> tuple[dict[str, dict], dict[str, dict]]:
    """ramconsole's databases, seeded (moto seeds itself as it starts): each one's env and seed,
    whose administrator key differs (same names, other secrets)."""
    print(f"\n## {users:,} users: seeding (not timed) ...", flush=True)
    envs = {"ramconsole PostgreSQL": ramconsole_env(f"{PG_SERVER}/{DB_NAME}", redis_url)}
    recreate_database(DB_NAME)
    if with_report:
        sqlite_path = SQLITE_DIR / f"ramconsole-{users}.sqlite3"
        sqlite_path.unlink(missing_ok=True)
        envs["ramconsole SQLite"] = ramconsole_env(f"sqlite:///{sqlite_path}", redis_url)
    seeds = {}
    for name, env in envs.items():
        seeds[name] = seed_ramconsole(env, users)
        print(f"  {name}: {seeds[name]['users']:,} RAM users in {seeds[name]['seed_s']:.0f} s", flush=True)
    return envs, seeds


def start_servers(
    users: int, envs: dict[str, dict], seeds: dict[str, dict], with_wrk: bool, workdir: Path, servers: dict[str, Server]
) -> None:
    """Into `servers` as they start (the caller stops them all, whatever fails), each checked."""
    started = time.perf_counter()
    servers["moto single"] = start_moto_single(users, workdir)
    print(f"  moto single: seeded and serving in {time.perf_counter() - started:.0f} s", flush=True)
    for name, env in envs.items():
        servers[name] = start_ramconsole(name, env, workdir)
        check_api(servers[name].port, seeds[name])  # 200, and a replay refused with SignatureNonceUsed
    if not with_wrk:
        return
    plain_env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    servers["moto gunicorn-2"] = start_app(
        "moto gunicorn-2",
        f"benchmarks._moto_peer:seeded_app({users})",
        env=plain_env,
        workdir=workdir,
        ready_path="/moto-api/",
        extra_args=("--preload",),
    )
    names = seeds["ramconsole PostgreSQL"]["sample_names"]
    for name in ("moto single", "moto gunicorn-2"):
        check_moto(servers[name], names)
    servers["floor"] = start_app(
        "floor",
        "benchmarks._floor:application()",
        env={**plain_env, "DATABASE_URL": envs["ramconsole PostgreSQL"]["DATABASE_URL"]},
        workdir=workdir,
        ready_path=f"/?UserName={names[0]}",  # 200 only when the user's row is found
    )


def wrk_plan() -> list[tuple[str, str]]:
    return [
        (action, target)
        for action in API_ACTIONS
        for target in (*WRK_TARGETS, *(("floor",) if action == "GetUser" else ()))
    ]


def warm_up(servers: dict[str, Server], seeded: dict[str, Any], args: argparse.Namespace, workdir: Path) -> None:
    """Every worker imports, connects and fills its caches before the first measured run."""
    for action, target in wrk_plan():
        run_wrk(
            port=servers[target].port,
            lines=wrk_lines(target, action, servers[target], seeded, 1)[:2000],
            connections=args.connections,
            duration=2,
            cookie="",
            workdir=workdir,
            name="warm",
        )


def report_round(
    round_: int, users: int, servers: dict[str, Server], envs: dict[str, dict], seeds: dict[str, dict]
) -> list[dict]:
    rows = []
    for target in (*RAMCONSOLE_REPORTERS, "moto single"):
        if target == "moto single":
            result = moto_report(servers[target].port)
            result["expected_rows"] = users + len(NAMED_USERS)  # moto's report has no root row
        else:
            child_json(__file__, "--forget-reports", env=envs[target])
            result = ramconsole_report(servers[target].port, seeds[target])
            result["expected_rows"] = seeds[target]["users"] + 1  # and the root
        result.update(kind="report", users=users, target=target, round=round_, load=load_1min())
        rows.append(result)
        mismatch = "" if result["rows"] == result["expected_rows"] else f", EXPECTED {result['expected_rows']:,}"
        print(
            f"  round {round_} report {target:<22} {result['seconds']:7.2f} s "
            f"(generate {result['generate_s']:.2f} s, {result['generate_calls']} Generate calls, "
            f"{result['pages']} pages, {result['rows']:,} rows{mismatch})  load {result['load']:.2f}",
            flush=True,
        )
    return rows


def wrk_round(
    round_: int, users: int, servers: dict[str, Server], seeded: dict[str, Any], args: argparse.Namespace, workdir: Path
) -> list[dict]:
    rows = []
    for action, target in wrk_plan():
        result = measure_wrk(target, action, servers[target], seeded, args, workdir)
        result.update(kind=action, users=users, target=target, round=round_, load=load_1min())
        rows.append(result)
        print(
            f"  round {round_} {action:<14} {target:<22} {result['rps']:8.1f} req/s  "
            f"p50 {result['p50_ms']:6.1f}  p99 {result['p99_ms']:6.1f} ms  statuses {result['statuses']}"
            f"{'  NONCES REUSED' if result['reused'] else ''}  load {result['load']:.2f}",
            flush=True,
        )
    return rows


def run_size(users: int, with_report: bool, with_wrk: bool, args: argparse.Namespace, workdir: Path) -> list[dict]:
    envs, seeds = seed_all(users, with_report, args.redis_url)
    seeded = seeds["ramconsole PostgreSQL"]  # the wrk runs' key and user names
    servers: dict[str, Server] = {}
    rows: list[dict] = []
    try:
        start_servers(users, envs, seeds, with_wrk, workdir, servers)
        if with_wrk:
            warm_up(servers, seeded, args, workdir)
        for round_ in range(1, args.rounds + 1):
            if with_report:
                rows += report_round(round_, users, servers, envs, seeds)
            if with_wrk:
                rows += wrk_round(round_, users, servers, seeded, args, workdir)
        for name, server in servers.items():
            rows.append({"kind": "rss", "users": users, "target": name, "mb": peak_rss_mb(server), "load": load_1min()})
    finally:
        for server in servers.values():
            stop(server)
    return rows


# --- summary ------------------------------------------------------------------------------------


def _loads(rows: list[dict]) -> str:
    loads = [r["load"] for r in rows]
    return f"{min(loads):.1f}-{max(loads):.1f}" if len(loads) > 1 else f"{loads[0]:.1f}"


def _met(ok: bool) -> str:
    return "met" if ok else "**MISSED**"


def summary(rows: list[dict], connections: int) -> list[str]:
    out: list[str] = []
    report_rows = [r for r in rows if r["kind"] == "report"]
    verdicts: list[str] = []
    if report_rows:
        out += [
            "| credential report (Generate + every Get page, decoded) | users | min (s) | median (s) "
            "| ÷ moto (min) | ÷ moto (median) | pages | rows | load |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for users in sorted({r["users"] for r in report_rows}):
            at = [r for r in report_rows if r["users"] == users]
            moto = [r["seconds"] for r in at if r["target"] == "moto single"]
            for target in (*RAMCONSOLE_REPORTERS, "moto single"):
                mine = [r for r in at if r["target"] == target]
                seconds = [r["seconds"] for r in mine]
                ratio_min = min(seconds) / min(moto)
                ratio_median = statistics.median(seconds) / statistics.median(moto)
                rows_ok = all(r["rows"] == r["expected_rows"] for r in mine)
                out.append(
                    f"| {target} | {users:,} | {min(seconds):.2f} | {statistics.median(seconds):.2f} "
                    f"| {ratio_min:.2f} | {ratio_median:.2f} | {mine[0]['pages']} "
                    f"| {mine[0]['rows']:,}{'' if rows_ok else ' (expected ' + str(mine[0]['expected_rows']) + ')'} "
                    f"| {_loads(mine)} |"
                )
                if target != "moto single":
                    verdicts.append(
                        f"| report, {users:,} users, {target} ≤ {REPORT_TARGET} x moto | {ratio_median:.2f} x "
                        f"(min {ratio_min:.2f} x) | {_met(ratio_median <= REPORT_TARGET and rows_ok)} |"
                    )
        out.append("")
    wrk_rows = [r for r in rows if r["kind"] in API_ACTIONS]
    if wrk_rows:
        out += [
            f"| signed call (wrk, {connections} connections) | target | median req/s | min-max req/s | p50 (ms) "
            "| p99 (ms) "
            "| non-2xx | load |",
            "|---|---|---|---|---|---|---|---|",
        ]
        rps: dict[tuple[str, str], float] = {}
        clean: dict[tuple[str, str], bool] = {}
        for action in API_ACTIONS:
            for target in (*WRK_TARGETS, "floor"):
                mine = [r for r in wrk_rows if r["kind"] == action and r["target"] == target]
                if not mine:
                    continue
                values = [r["rps"] for r in mine]
                rps[action, target] = statistics.median(values)
                clean[action, target] = all(r["unexpected"] == 0 and not r["reused"] for r in mine)
                out.append(
                    f"| {action} | {target} | {rps[action, target]:.1f} | {min(values):.1f}-{max(values):.1f} "
                    f"| {statistics.median(r['p50_ms'] for r in mine):.1f} "
                    f"| {statistics.median(r['p99_ms'] for r in mine):.1f} "
                    f"| {sum(r['unexpected'] for r in mine)}{'' if clean[action, target] else ' (invalid)'} "
                    f"| {_loads(mine)} |"
                )
        out.append("")
        for action in API_ACTIONS:
            for peer in ("moto single", "moto gunicorn-2"):
                ratio = rps[action, "ramconsole PostgreSQL"] / rps[action, peer]
                ok = ratio >= WRK_TARGET and clean[action, "ramconsole PostgreSQL"] and clean[action, peer]
                verdicts.append(f"| {action} ≥ {WRK_TARGET} x {peer} req/s | {ratio:.2f} x | {_met(ok)} |")
        ratio = rps["GetUser", "ramconsole PostgreSQL"] / rps["GetUser", "floor"]
        ok = ratio >= FLOOR_TARGET and clean["GetUser", "ramconsole PostgreSQL"] and clean["GetUser", "floor"]
        verdicts.append(f"| GetUser ≥ {FLOOR_TARGET} x the floor view's req/s | {ratio:.2f} x | {_met(ok)} |")
    rss_rows = [r for r in rows if r["kind"] == "rss"]
    if rss_rows:
        out += ["| server | users | peak RSS, process tree (MB) |", "|---|---|---|"]
        out += [f"| {r['target']} | {r['users']:,} | {r['mb']:.0f} |" for r in rss_rows]
        out.append("")
    if verdicts:
        out += ["| target (issue 20) | measured (ratio of medians) | verdict |", "|---|---|---|", *verdicts]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--users", type=int, nargs="+", default=[10000, 100000], help="seeded users (default 10000 100000)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run (default 20)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--skip-report", action="store_true", help="no credential report rounds")
    parser.add_argument("--skip-wrk", action="store_true", help="no wrk runs")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL, help=f"for ramconsole (default {DEFAULT_REDIS_URL})")
    parser.add_argument("--forget-reports", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.forget_reports:  # child, with ramconsole's env
        print(json.dumps(forget_reports()))
        return
    if not Path(WRK).exists() and not args.skip_wrk:
        raise SystemExit(f"{WRK} is missing (apt-get install wrk)")
    header = (
        f"python {platform.python_version()}, {platform.platform()}, nproc {os.cpu_count()}, "
        f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(header, flush=True)
    started = time.monotonic()
    SQLITE_DIR.mkdir(parents=True, exist_ok=True)
    workdir = SQLITE_DIR / time.strftime("run-%Y%m%d-%H%M%S")
    workdir.mkdir()
    env = ramconsole_env(f"{PG_SERVER}/{DB_NAME}", args.redis_url)
    subprocess.run(  # DEBUG off serves the manifest storage
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT_DIR, env=env, check=True
    )
    rows: list[dict] = []
    for index, users in enumerate(args.users):
        with_wrk = not args.skip_wrk and index == 0  # signed calls at the first size only
        if args.skip_report and not with_wrk:
            continue
        rows += run_size(users, not args.skip_report, with_wrk, args, workdir)
    print(f"\nwall time {time.monotonic() - started:.0f} s; logs and request files in {workdir}")
    print("\n--- markdown for benchmarks/RESULTS.md ---\n")
    print(
        f"### side_by_side.py, {args.rounds} interleaved round(s) (`{' '.join(sys.argv[1:]) or 'defaults'}`)\n\n"
        f"{header}. Load is the 1-minute average after each figure (min-max over the rounds).\n"
    )
    print("\n".join(summary(rows, args.connections)))


if __name__ == "__main__":
    main()
