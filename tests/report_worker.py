"""The credential report worker as `make run` starts it, on a SQLite file of its own: shared by
tests/integration/test_report_worker.py and the browser journey of a report in the background."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.api.conftest import PROXY_VARIABLES

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 120.0
PASSWORD = "Worker-pass-2030"
SEED = """
import sys
import django
django.setup()
from accounts.services import accounts as account_services
from tests.bulk import bulk_ram_users
account = account_services.account_create(email=sys.argv[1], password=sys.argv[2], alias=sys.argv[3])
bulk_ram_users(account, int(sys.argv[4]))
"""


def make_run_env(database: Path, **extra: str) -> dict[str, str]:
    """`make run`'s environment on the SQLite file `database`: DEBUG on, the default settings, no
    Redis, no proxy; `extra` on top."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "RAMCONSOLE_")) and key not in {"DATABASE_URL", "REDIS_URL", *PROXY_VARIABLES}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="ramconsole.settings",
        DJANGO_DEBUG="1",
        DATABASE_URL=f"sqlite:///{database}",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def worker_env(database: Path) -> dict[str, str]:
    """`make run`'s environment for the worker: the database backend, this file."""
    return make_run_env(database, RAMCONSOLE_TASK_BACKEND="django_tasks_db.DatabaseBackend")


def run_python(env: dict[str, str], *args: str) -> str:
    completed = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, f"{args[:2]}:\n{completed.stderr[-4000:]}"
    return completed.stdout


class Worker:
    """`manage.py db_worker` as the Makefile starts it (no autoreload: a reloader's child would
    outlive a kill of its parent)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2", "--no-startup-delay"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=out,
            )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def report_row(database: Path, report_id: int) -> tuple[str, int, int, int]:
    """(state, users_done, users_total, length of the content), straight from the file."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=20) as db:
        return db.execute(
            "SELECT state, users_done, users_total, length(content) FROM reports_credentialreport WHERE id = ?",
            (report_id,),
        ).fetchone()


def watch_report(
    database: Path, report_id: int, until: str, *, stop_when_done_at_least: int | None = None
) -> list[tuple]:
    """Every distinct (state, done, total) the row shows until `until`, or until `done` reaches the
    given count while in progress."""
    seen: list[tuple] = []
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        state, done, total, _ = report_row(database, report_id)
        if not seen or seen[-1] != (state, done, total):
            seen.append((state, done, total))
        if state == until:
            return seen
        if stop_when_done_at_least is not None and state == "INPROGRESS" and done >= stop_when_done_at_least:
            return seen
        time.sleep(0.005)
    pytest.fail(f"report {report_id} never reached {until}: {seen}")


def seed(env: dict[str, str], email: str, alias: str, users: int) -> None:
    """An account (root `email`, PASSWORD) with `users` RAM users, in the file of `env`."""
    run_python(env, "-c", SEED, email, PASSWORD, alias, str(users))
