"""A real gunicorn with several worker processes against the test database, for races across
processes. Needs PostgreSQL (the test database must be shared, with real row locks) and Redis."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib import error as urlerror
from urllib import parse, request

import pytest
import redis
from django.conf import settings
from django.db import connection

from tests.conftest import free_port, skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
BOOT_TIMEOUT = 30.0
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"  # not make serve's database 0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/multiworker/" in str(item.fspath):
            item.add_marker(pytest.mark.postgres)


@dataclass
class Server:
    url: str
    log_path: Path

    def log_lines(self) -> list[dict[str, Any]]:
        lines = []
        for raw in self.log_path.read_text(errors="replace").splitlines():
            if raw.startswith("{"):
                lines.append(json.loads(raw))
        return lines

    def pids_serving(self, request_ids: set[str]) -> set[int]:
        """The worker pids whose request lines carry one of `request_ids`."""
        return {
            line["pid"]
            for line in self.log_lines()
            if line["logger"] == "ramconsole.request" and line["request_id"] in request_ids
        }


def _database_url() -> str:
    db = connection.settings_dict
    user = parse.quote(db["USER"] or "", safe="")
    password = f":{parse.quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _healthy(url: str) -> bool:
    opener = request.build_opener(request.ProxyHandler({}))
    try:
        with opener.open(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except (urlerror.URLError, ConnectionError, TimeoutError):
        return False


@pytest.fixture(scope="session")
def gunicorn_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if connection.vendor != "postgresql":
        skip_or_fail(
            "multi-worker tests need PostgreSQL (gunicorn's workers share the test database): "
            "run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/ramconsole_serve"
        )
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        skip_or_fail(f"multi-worker tests need Redis at {redis_url} (set REDIS_URL): {exc}")
    request.getfixturevalue("django_db_setup")  # the test database exists before the workers connect

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "RAMCONSOLE_")) and key.lower() not in {"http_proxy", "https_proxy"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.multiworker.server_settings",
        DJANGO_DEBUG="0",
        # The test process encrypts AccessKey secrets and TOTP seeds; the workers must decrypt them.
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        RAMCONSOLE_SECRET_KEYS=",".join(settings.RAMCONSOLE_SECRET_KEYS),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DATABASE_URL=_database_url(),
        REDIS_URL=redis_url,
        PYTHONUNBUFFERED="1",
    )
    command = [sys.executable, "-m", "gunicorn", "--config", "ramconsole/gunicorn.conf.py"]
    command += ["--workers", str(WORKERS), "--threads", "1", "--bind", f"127.0.0.1:{port}"]
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
        )
    try:
        deadline = time.monotonic() + BOOT_TIMEOUT
        while not _healthy(url):
            try:
                process.wait(timeout=0.2)  # waits a moment, and notices a server that died
            except subprocess.TimeoutExpired:
                if time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not become healthy:\n{log_path.read_text()[-4000:]}")
            else:
                pytest.fail(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
        yield Server(url=url, log_path=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        # Its workers share its new session's process group: make sure none outlives it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
