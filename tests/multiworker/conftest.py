"""A real gunicorn with several worker processes against the test database, for races across
processes. Needs PostgreSQL (the test database must be shared, with real row locks) and Redis."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib import error as urlerror
from urllib import parse, request

import pytest
import redis
import requests
from django.conf import settings
from django.db import connection

from accesskeys import services as access_key_services
from accounts import selectors
from accounts.actors import Actor
from accounts.models import Account
from tests.api.conftest import Key, signed_v1_query
from tests.conftest import free_port, skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
BOOT_TIMEOUT = 30.0
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"  # not make serve's database 0
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/multiworker/" in str(item.fspath):
            item.add_marker(pytest.mark.postgres)
            # One xdist worker runs them all: one gunicorn (not one per worker on two cores), and no
            # two servers sharing Redis keys built from IDs.
            item.add_marker(pytest.mark.xdist_group("multiworker"))


@dataclass
class Server:
    url: str
    log_path: Path
    pid: int  # gunicorn's master process

    def worker_pids(self) -> set[int]:
        """The master's live children (Linux /proc): its workers."""
        pids = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                # "pid (comm) state ppid …": comm may hold spaces, so split after its closing paren.
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.pid and fields[0] != "Z":
                    pids.add(int(stat.parent.name))
        return pids

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


def health_status(url: str) -> int | None:
    """The HTTP status `/health` answers, None while nothing answers."""
    opener = request.build_opener(request.ProxyHandler({}))
    try:
        with opener.open(f"{url}/health", timeout=2) as response:
            return response.status
    except urlerror.HTTPError as refusal:
        return refusal.code
    except (urlerror.URLError, ConnectionError, TimeoutError):
        return None


def _healthy(url: str) -> bool:
    return health_status(url) == 200


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        skip_or_fail(
            "multi-worker tests need PostgreSQL (gunicorn's workers share the test database): "
            "run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/ramconsole_serve"
        )


@contextlib.contextmanager
def running_gunicorn(
    log_dir: Path, *, ready: Callable[[str], bool] = _healthy, workers: int = WORKERS, **env_overrides: str
) -> Iterator[Server]:
    """gunicorn with production settings against the test database, `env_overrides` on top (a
    REDIS_URL or DATABASE_URL nobody answers at, say); yields once `ready(url)` holds."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = log_dir / "gunicorn.log"
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
        PYTHONUNBUFFERED="1",
    )
    env.update(env_overrides)
    command = [sys.executable, "-m", "gunicorn", "--config", "ramconsole/gunicorn.conf.py"]
    command += ["--workers", str(workers), "--threads", "1", "--bind", f"127.0.0.1:{port}"]
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
        )
    try:
        deadline = time.monotonic() + BOOT_TIMEOUT
        while not ready(url):
            try:
                process.wait(timeout=0.2)  # waits a moment, and notices a server that died
            except subprocess.TimeoutExpired:
                if time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not become ready:\n{log_path.read_text()[-4000:]}")
            else:
                pytest.fail(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
        yield Server(url=url, log_path=log_path, pid=process.pid)
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


@pytest.fixture(scope="session")
def gunicorn_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    require_postgresql()
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        skip_or_fail(f"multi-worker tests need Redis at {redis_url} (set REDIS_URL): {exc}")
    request.getfixturevalue("django_db_setup")  # the test database exists before the workers connect
    with running_gunicorn(tmp_path_factory.mktemp("gunicorn"), REDIS_URL=redis_url) as server:
        yield server


def form_token(session: requests.Session, url: str) -> str:
    response = session.get(url, timeout=10)
    assert response.status_code == 200, response.status_code
    match = CSRF_TOKEN.search(response.text)
    assert match, "no CSRF token on the form"
    return match.group(1)


def post_logon(session: requests.Session, server: Server, logon_name: str, password: str) -> requests.Response:
    token = form_token(session, f"{server.url}/login/")
    return session.post(
        f"{server.url}/login/",
        data={"csrfmiddlewaretoken": token, "logon_name": logon_name, "password": password},
        allow_redirects=False,
        timeout=10,
    )


def signed_url(server: Server, key_id: str, secret: str, action: str, **params: str) -> str:
    """A POST URL signed with signature v1 (the legacy SDK's), with a fresh SignatureNonce."""
    return f"{server.url}/?{signed_v1_query(Key(key_id, secret), action, **params)}"


def root_key(account: Account) -> tuple[str, str]:
    root = selectors.root_of(account)
    created = access_key_services.access_key_create(actor=Actor(root), user=root)
    return created.access_key.access_key_id, created.secret
