"""The credential report in the background, in a real browser (issue 17, item 6): a report for
20,000 users is started, the page shows its progress, **Download Later** leaves, and on return the
report is ready to download.

As under `make run`: a real `manage.py runserver` and a real `manage.py db_worker` (django-tasks'
database backend) on a SQLite file of their own, so not pytest's live_server (marker `sqlite`).
The report is requested before the worker runs (the page says it waits for it); the worker is then
started, and stopped with SIGSTOP once it has written some progress, so the page can be seen (and
photographed) showing it; SIGCONT lets it finish while the person is elsewhere.
"""

from __future__ import annotations

import csv
import io
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import Page, Request, expect

from tests.browser.helpers import log_on, path_re, sidebar
from tests.conftest import free_port
from tests.report_worker import (
    PASSWORD,
    ROOT,
    Worker,
    report_row,
    run_python,
    seed,
    watch_report,
    worker_env,
)

pytestmark = pytest.mark.sqlite

USERS = 20_000
EMAIL = "reports@example.com"
BOOT_TIMEOUT = 60.0


@pytest.fixture
def console(tmp_path: Path) -> Iterator[SimpleNamespace]:
    """runserver on a migrated SQLite file holding one account with 20,000 RAM users."""
    database = tmp_path / "db.sqlite3"
    env = worker_env(database)
    run_python(env, "manage.py", "migrate", "--noinput")
    seed(env, EMAIL, "reports", USERS)
    port = free_port()
    log = tmp_path / "runserver.log"
    with log.open("ab") as out:
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + BOOT_TIMEOUT
        while True:
            try:
                with requests.Session() as session:
                    session.trust_env = False
                    if session.get(f"{url}/login/", timeout=2).status_code == 200:
                        break
            except requests.RequestException:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"runserver did not answer:\n{log.read_text()[-4000:]}")
            time.sleep(0.2)
        yield SimpleNamespace(url=url, database=database, env=env, logs=tmp_path)
    finally:
        server.terminate()
        server.wait(timeout=15)


@pytest.fixture
def _no_foreign_requests(page: Page, console: SimpleNamespace) -> Iterator[None]:
    """As the browser conftest's (which watches pytest's live_server): nothing from elsewhere."""
    own = urlsplit(console.url).netloc
    foreign: list[str] = []

    def check(request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in {"data", "blob", "about"} and parts.netloc != own:
            foreign.append(request.url)

    page.on("request", check)
    yield
    page.remove_listener("request", check)
    assert foreign == [], foreign


def _latest_report_id(database: Path) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=20) as db:
        return db.execute("SELECT max(id) FROM reports_credentialreport").fetchone()[0]


def test_a_large_report_is_built_in_the_background_and_downloaded_later(
    console: SimpleNamespace, page: Page, screenshots_dir: Path
) -> None:
    total = USERS + 1
    log_on(page, console, EMAIL, PASSWORD)
    expect(page).to_have_url(path_re("accounts:overview"))
    page.get_by_role("button", name="Download User Credential Report").click()

    # Queued: no worker has picked it up yet, and the page says so.
    expect(page).to_have_url(path_re("reports:credential"))
    expect(page.locator("#report-state")).to_have_text("Started")
    expect(page.locator("#report-progress-text")).to_have_text("Waiting for the report worker to start.")
    page.screenshot(path=screenshots_dir / "credential-report-queued.png", full_page=True)
    report_id = _latest_report_id(console.database)

    worker = Worker(console.env, console.logs / "worker.log")
    try:
        watch_report(console.database, report_id, "COMPLETED", stop_when_done_at_least=1000)
        worker.process.send_signal(signal.SIGSTOP)  # mid-build, so the page can be seen showing it
        state, done, row_total, _ = report_row(console.database, report_id)
        assert state == "INPROGRESS" and 1000 <= done < row_total == total, (state, done, row_total)

        # The page follows the build by itself (static/js/report-progress.js): no reload, no click.
        written = f"{done:,} of {total:,} users written."
        expect(page.locator("#report-progress-text")).to_have_text(written)
        expect(page.locator("#report-state")).to_have_text("In progress")
        bar = page.get_by_role("progressbar")
        expect(bar).to_have_attribute("max", str(total))
        assert int(page.locator("#report-progress-bar").evaluate("bar => bar.value")) == done
        page.screenshot(path=screenshots_dir / "credential-report-progress.png", full_page=True)
        # A second tab stays on the page, to see it turn into Download by itself.
        watcher = page.context.new_page()
        watcher.goto(page.url)
        expect(watcher.locator("#report-progress-text")).to_have_text(written)

        # Download Later: back to the Overview while the worker finishes.
        page.get_by_role("link", name="Download Later").click()
        expect(page).to_have_url(path_re("accounts:overview"))
        worker.process.send_signal(signal.SIGCONT)
        assert watch_report(console.database, report_id, "COMPLETED")[-1] == ("COMPLETED", total, total)
        expect(watcher.locator("#report-state")).to_have_text("Completed")
        expect(watcher.get_by_role("link", name=re.compile(r"\bDownload$"))).to_be_visible()
        watcher.close()
    finally:
        worker.process.send_signal(signal.SIGCONT)
        worker.stop()

    # Elsewhere meanwhile, then back: Overview, Latest user credential report, ready.
    sidebar(page).get_by_role("link", name="Users", exact=True).click()
    expect(page).to_have_url(path_re("accounts:user-list"))
    sidebar(page).get_by_role("link", name="Overview", exact=True).click()
    page.get_by_role("link", name="Latest user credential report").click()
    expect(page.locator("#report-state")).to_have_text("Completed")
    page.screenshot(path=screenshots_dir / "credential-report-ready.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"\bDownload$")).click()
    raw = download.value.path().read_bytes()
    assert raw.startswith("\ufeffuser,".encode()) and raw.count(b"\n") == raw.count(b"\r\n") == total + 1
    header, root_row, *user_rows = csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    assert header[0] == "user" and root_row[0] == "<root>" and len(user_rows) == USERS
    assert user_rows[0][0] == "bulk00000@reports.onaliyun.com"
    assert user_rows[-1][0] == f"bulk{USERS - 1:05d}@reports.onaliyun.com"
