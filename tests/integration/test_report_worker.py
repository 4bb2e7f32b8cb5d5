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

import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reports.services import ROWS_PER_CHUNK
from tests.report_worker import Worker, report_row, run_python, seed, watch_report, worker_env

pytestmark = pytest.mark.sqlite

USERS = 40_000
EMAIL = "worker@example.com"
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


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "db.sqlite3"
    env = worker_env(path)
    started = time.monotonic()
    run_python(env, "manage.py", "migrate", "--noinput")
    seed(env, EMAIL, "worker", USERS)
    print(f"\nreport worker: migrated and seeded {USERS:,} users in {time.monotonic() - started:.1f} s")
    return path


@pytest.fixture
def workers(database: Path, tmp_path: Path) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


def _generate(env: dict[str, str], email: str) -> tuple[int, str]:
    pk, state = run_python(env, "-c", GENERATE, email).split()
    return int(pk), state


def test_the_worker_builds_the_report_and_shows_its_progress(database: Path, workers: list[Worker], tmp_path: Path):
    env = worker_env(database)
    report_id, state = _generate(env, EMAIL)
    assert state == "STARTED"  # queued: no request builds it
    time.sleep(0.5)
    assert report_row(database, report_id)[:2] == ("STARTED", 0)  # and nothing builds it without a worker

    workers.append(Worker(env, tmp_path / "worker.log"))
    seen = watch_report(database, report_id, "COMPLETED")
    total = USERS + 1
    partial = [done for state, done, _ in seen if state == "INPROGRESS" and 0 < done < total]
    assert partial, f"no progress seen between start and end: {seen}"
    assert partial == sorted(partial) and all(done % ROWS_PER_CHUNK == 0 for done in partial)
    assert seen[-1] == ("COMPLETED", total, total)
    assert report_row(database, report_id)[3] > 0
    # Within four hours the same report is returned, completed: no second build.
    assert _generate(env, EMAIL) == (report_id, "COMPLETED")


def test_a_killed_worker_leaves_no_report_generating_forever(database: Path, workers: list[Worker], tmp_path: Path):
    env = worker_env(database)
    first = Worker(env, tmp_path / "first-worker.log")
    workers.append(first)
    lost_id, _ = _generate(env, EMAIL)
    watch_report(database, lost_id, "COMPLETED", stop_when_done_at_least=1000)
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=15)
    state, done, total, _ = report_row(database, lost_id)
    assert state == "INPROGRESS" and 1000 <= done < total  # stopped in the middle
    time.sleep(1)
    assert report_row(database, lost_id)[:2] == (state, done)  # and nothing moves it on
    # Still waited for until ten minutes of silence: the same report is returned.
    assert _generate(env, EMAIL) == (lost_id, "INPROGRESS")

    with sqlite3.connect(database, timeout=20) as db:  # ten minutes of silence, without waiting them
        db.execute(
            "UPDATE reports_credentialreport SET progress_at = datetime(progress_at, '-10 minutes') WHERE id = ?",
            (lost_id,),
        )
    fresh_id, state = _generate(env, EMAIL)
    assert fresh_id != lost_id and state == "STARTED"
    assert report_row(database, lost_id)[0] == "FAILED"

    workers.append(Worker(env, tmp_path / "second-worker.log"))
    assert watch_report(database, fresh_id, "COMPLETED")[-1] == ("COMPLETED", USERS + 1, USERS + 1)
    assert report_row(database, lost_id)[0::3] == ("FAILED", 0)  # the lost build is never resumed
