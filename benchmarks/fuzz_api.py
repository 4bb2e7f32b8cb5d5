"""The API fuzz test (tests/api/test_fuzz.py, issue 19) with many examples, on SQLite and PostgreSQL.

Run by hand or by `make bench` (about 15 minutes at the default 100 examples per action):

    .venv/bin/python benchmarks/fuzz_api.py
    .venv/bin/python benchmarks/fuzz_api.py --examples 500 --databases postgres

The test suite runs the same test with RAMCONSOLE_FUZZ_EXAMPLES examples (6 by default). Here each
database gets its own pytest process with RAMCONSOLE_FUZZ_EXAMPLES=--examples; PostgreSQL is
127.0.0.1:5432 (user postgres, trust), database `ramconsole_fuzz` unless --postgres-url (pytest-django
creates and drops `test_ramconsole_fuzz`). Prints, per database: the calls made, wall time, calls per second, answers
by HTTP status, the most frequent error codes, and pytest's verdict (a 5xx answer, or a refused call
that wrote a row or recorded other than one event, fails it: 0 of each is the target).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parent.parent
DATABASES = ("sqlite", "postgres")
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/ramconsole_fuzz"


def run(database: str, examples: int, postgres_url: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as outcomes_file:
        env = {
            **os.environ,
            "RAMCONSOLE_FUZZ_EXAMPLES": str(examples),
            "RAMCONSOLE_FUZZ_OUTCOMES": outcomes_file.name,
            "PYTHONPATH": str(ROOT_DIR),
        }
        env.pop("DATABASE_URL", None)
        if database == "postgres":
            env["DATABASE_URL"] = postgres_url
        started = time.monotonic()
        completed = subprocess.run(
            [sys.executable, "-m", "pytest", "tests/api/test_fuzz.py", "-q", "-p", "benchmarks._fuzz_outcomes"],
            cwd=ROOT_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.monotonic() - started
        report = json.loads(Path(outcomes_file.name).read_text() or "{}")
    summary = completed.stdout.strip().splitlines()[-1] if completed.stdout.strip() else completed.stderr[-500:]
    return {"elapsed": elapsed, "summary": summary, "output": completed.stdout, **report}


def print_report(database: str, examples: int, result: dict) -> None:
    outcomes = result.get("outcomes", [])
    statuses = Counter(f"{status // 100}xx" for _version, _action, status, _code in outcomes)
    codes = Counter(code for _version, _action, status, code in outcomes if status >= 400)
    actions = {(version, action) for version, action, _status, _code in outcomes}
    print(f"\n== {database}: {examples} examples per test; {len(actions)} distinct (version, action) called")
    print(f"calls: {len(outcomes)} in {result['elapsed']:.1f} s ({len(outcomes) / result['elapsed']:.0f}/s)")
    print("answers: " + ", ".join(f"{name} {count}" for name, count in sorted(statuses.items())))
    print("most frequent refusals: " + ", ".join(f"{code} {count}" for code, count in codes.most_common(8)))
    print(f"pytest: {result['summary']}")
    if result.get("exit_status"):
        print(result["output"][-4000:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=100, help="hypothesis examples per test (default 100)")
    parser.add_argument("--databases", nargs="+", choices=DATABASES, default=list(DATABASES))
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help=f"default {POSTGRES_URL} (test_ prefixed)")
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    failed = False
    for database in args.databases:
        result = run(database, args.examples, args.postgres_url)
        print_report(database, args.examples, result)
        failed = failed or bool(result.get("exit_status", 1))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
