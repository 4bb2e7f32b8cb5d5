"""The credential report's real worker (issue 17, item 6): `manage.py db_worker` of django-tasks'
database backend, as `make run` starts it, on its own SQLite file, with reports queued by the
service as a console request queues them.

While the worker builds a report for 40,000 users the row shows its progress (read from the file by
this test, as the page's poll reads it); a worker killed in the middle leaves the report pending and
silent, and once it has been silent for ten minutes (the progress time moved back: the test does not
wait) the next request gives it up and a new worker builds a new one. Marker `sqlite`: the worker and
this test share a file, never pytest's database.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import PROXY_VARIABLES

pytestmark = pytest.mark.sqlite

ROOT = Path(__file__).resolve().parents[2]
USERS = 40_000
TIMEOUT = 120.0
EMAIL = "worker@example.com"
SEED = """
import sys
import django
django.setup()
from accounts import services
from tests.bulk import bulk_ram_users
account = services.account_create(email="worker@example.com", password="Worker-pass-2030", alias="worker")
bulk_ram_users(account, int(sys.argv[1]))
"""
# What a console request does (views.credential_report_generate): the service, then the state.
GENERATE = """
import sys
import django
django.setup()
from accounts import selectors
from accounts.actors import Actor
from reports import services
root = selectors.root_of(selectors.account_by_root_email(sys.argv[1]))
report = services.credential_report_generate(actor=Actor(root))
report.refresh_from_db()
print(report.pk, report.state)
"""


def _env(database: Path) -> dict[str, str]:
    """`make run`'s environment for the worker: DEBUG on, the database backend, this file."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "RAMCONSOLE_")) and key not in {"DATABASE_URL", "REDIS_URL", *PROXY_VARIABLES}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="ramconsole.settings",
        DJANGO_DEBUG="1",
        DATABASE_URL=f"sqlite:///{database}",
        RAMCONSOLE_TASK_BACKEND="django_tasks_db.DatabaseBackend",
        PYTHONUNBUFFERED="1",
    )
    return env


def _python(env: dict[str, str], *args: str) -> str:
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


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "db.sqlite3"
    env = _env(path)
    started = time.monotonic()
    _python(env, "manage.py", "migrate", "--noinput")
    _python(env, "-c", SEED, str(USERS))
    print(f"\nreport worker: migrated and seeded {USERS:,} users in {time.monotonic() - started:.1f} s")
    return path


@pytest.fixture
def workers(database: Path, tmp_path: Path) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


def _row(database: Path, report_id: int) -> tuple[str, int, int, int]:
    """(state, users_done, users_total, length of the content), straight from the file."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=20) as db:
        return db.execute(
            "SELECT state, users_done, users_total, length(content) FROM reports_credentialreport WHERE id = ?",
            (report_id,),
        ).fetchone()


def _generate(env: dict[str, str], email: str) -> tuple[int, str]:
    pk, state = _python(env, "-c", GENERATE, email).split()
    return int(pk), state


def _watch(database: Path, report_id: int, until: str, *, stop_when_done_at_least: int | None = None) -> list[tuple]:
    """Every distinct (state, done, total) the row shows until `until`, or until `done` reaches the
    given count while in progress."""
    seen: list[tuple] = []
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        state, done, total, _ = _row(database, report_id)
        if not seen or seen[-1] != (state, done, total):
            seen.append((state, done, total))
        if state == until:
            return seen
        if stop_when_done_at_least is not None and state == "INPROGRESS" and done >= stop_when_done_at_least:
            return seen
        time.sleep(0.005)
    pytest.fail(f"report {report_id} never reached {until}: {seen}")


def test_the_worker_builds_the_report_and_shows_its_progress(database: Path, workers: list[Worker], tmp_path: Path):
    env = _env(database)
    report_id, state = _generate(env, EMAIL)
    assert state == "STARTED"  # queued: no request builds it
    time.sleep(0.5)
    assert _row(database, report_id)[:2] == ("STARTED", 0)  # and nothing builds it without a worker

    workers.append(Worker(env, tmp_path / "worker.log"))
    seen = _watch(database, report_id, "COMPLETED")
    total = USERS + 1
    partial = [done for state, done, _ in seen if state == "INPROGRESS" and 0 < done < total]
    assert partial, f"no progress seen between start and end: {seen}"
    assert partial == sorted(partial) and all(done % 1000 == 0 for done in partial)
    assert seen[-1] == ("COMPLETED", total, total)
    assert _row(database, report_id)[3] > 0
    # Within four hours the same report is returned, completed: no second build.
    assert _generate(env, EMAIL) == (report_id, "COMPLETED")


def test_a_killed_worker_leaves_no_report_generating_forever(database: Path, workers: list[Worker], tmp_path: Path):
    env = _env(database)
    first = Worker(env, tmp_path / "first-worker.log")
    workers.append(first)
    lost_id, _ = _generate(env, EMAIL)
    _watch(database, lost_id, "COMPLETED", stop_when_done_at_least=1000)
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=15)
    state, done, total, _ = _row(database, lost_id)
    assert state == "INPROGRESS" and 1000 <= done < total  # stopped in the middle
    time.sleep(1)
    assert _row(database, lost_id)[:2] == (state, done)  # and nothing moves it on
    # Still waited for until ten minutes of silence: the same report is returned.
    assert _generate(env, EMAIL) == (lost_id, "INPROGRESS")

    with sqlite3.connect(database, timeout=20) as db:  # ten minutes of silence, without waiting them
        db.execute(
            "UPDATE reports_credentialreport SET progress_at = datetime(progress_at, '-10 minutes') WHERE id = ?",
            (lost_id,),
        )
    fresh_id, state = _generate(env, EMAIL)
    assert fresh_id != lost_id and state == "STARTED"
    assert _row(database, lost_id)[0] == "FAILED"

    workers.append(Worker(env, tmp_path / "second-worker.log"))
    assert _watch(database, fresh_id, "COMPLETED")[-1] == ("COMPLETED", USERS + 1, USERS + 1)
    assert _row(database, lost_id)[0::3] == ("FAILED", 0)  # the lost build is never resumed
