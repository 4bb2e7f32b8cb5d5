"""The production profile: the health check, request ids, structured logs that never carry secrets,
and the settings `make serve` relies on (Redis cache and sessions, the plain-HTTP loopback switch)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accesskeys import services as access_key_services
from accounts.actors import Actor
from accounts.models import Account, Principal
from ramconsole.kernel import logs
from tests.api.conftest import Key, encode, signed_v1_params
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
HEX32 = "0123456789abcdef"


def _request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "ramconsole.request"]


@pytest.mark.django_db
def test_health_answers_ok_without_a_session() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}  # no Redis configured in tests
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    assert "no-store" in response["Cache-Control"]
    assert reverse("health") == "/health"


@pytest.mark.django_db
def test_health_answers_503_when_the_database_fails(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_cursor(*_args: object, **_kwargs: object) -> None:
        raise connection.Database.OperationalError("connection refused by db.internal:5432")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    caplog.handler.addFilter(logs.RequestIdFilter())
    with caplog.at_level(logging.INFO):
        response = Client().get("/health", headers={"X-Request-ID": "probe-0001-abcdef"})
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error"}  # the reason stays in the log
    assert b"db.internal" not in response.content
    failure = next(r for r in caplog.records if r.name == "ramconsole.web.health")
    assert failure.request_id == "probe-0001-abcdef"  # records logged during the request carry its id


@pytest.mark.django_db
def test_health_says_degraded_without_redis_and_stays_in_the_load_balancer(settings) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "ramconsole.kernel.rediscache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    response = Client().get("/health")
    assert response.status_code == 200  # every worker shares that Redis: taking them out would stop the console
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "error"}


@pytest.mark.django_db
def test_health_is_exempt_from_the_ssl_redirect(settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    assert Client().get("/health").status_code == 200
    assert Client().get(reverse("accounts:logon")).status_code == 301


@pytest.mark.django_db
def test_request_id_is_echoed_or_generated(client: Client) -> None:
    given = "3f2c7d1e-9a4b-4c1d-8e2f-0a1b2c3d4e5f"
    assert client.get("/login/", headers={"X-Request-ID": given})["X-Request-ID"] == given
    generated = client.get("/login/")["X-Request-ID"]
    assert len(generated) == 32 and set(generated) <= set(HEX32)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad", ["x" * 65, "short", "has space-0123", "evil\u2028line-0123", "<script>alert(1)</script>", "-leading-dash-01"]
)
def test_invalid_incoming_request_id_is_replaced(client: Client, caplog: pytest.LogCaptureFixture, bad: str) -> None:
    with caplog.at_level(logging.INFO, logger="ramconsole.request"):
        response = client.get("/login/", headers={"X-Request-ID": bad})
    echoed = response["X-Request-ID"]
    assert echoed != bad and len(echoed) == 32 and set(echoed) <= set(HEX32)
    (line,) = _request_lines(caplog)
    assert line.request_id == echoed


@pytest.mark.django_db
def test_request_line_is_json_with_the_fields(
    account: Account, root: Principal, client_for: Callable[[Principal], Client], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="ramconsole.request"):
        response = client_for(root).get("/users/?q=secret-search&page=1")
    (record,) = _request_lines(caplog)
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["method"] == "GET"
    assert line["path"] == "/users/"  # never the query string
    assert line["status"] == response.status_code == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["request_id"] == response["X-Request-ID"]
    assert line["pid"] == os.getpid()
    assert line["account_id"] == account.account_id
    assert line["level"] == "INFO" and line["logger"] == "ramconsole.request"
    assert "secret-search" not in json.dumps(line)


@pytest.mark.django_db
def test_anonymous_request_line_has_no_account(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="ramconsole.request"):
        client.get("/login/")
    (record,) = _request_lines(caplog)
    assert json.loads(logs.JsonFormatter().format(record))["account_id"] is None


@pytest.mark.django_db
def test_signed_api_call_never_logs_its_signature_or_key(
    account: Account, root: Principal, client: Client, caplog: pytest.LogCaptureFixture, settings
) -> None:
    created = access_key_services.access_key_create(actor=Actor(root), user=root)
    key_id = created.access_key.access_key_id
    # A refused call is logged too (EntityNotExist.User).
    params = signed_v1_params(Key(key_id, created.secret), "GetUser", UserName="nobody-here")
    caplog.handler.addFilter(logs.RequestIdFilter())
    with caplog.at_level(logging.DEBUG):
        response = client.post(f"/?{encode(params)}")
    assert response.json()["Code"] == "EntityNotExist.User"
    assert _request_lines(caplog), "the call was not logged"
    # Django logs the 404 after the middleware chain: that record still carries the request id.
    not_found = next(r for r in caplog.records if r.name == "django.request")
    assert not_found.request_id == response["X-Request-ID"]
    # What either configured formatter writes (records also carry Django's `request` object, whose
    # repr has the query string: no formatter may serialise it).
    text = logging.Formatter(settings.LOGGING["formatters"]["text"]["format"])
    written = "\n".join(logs.JsonFormatter().format(r) + text.format(r) for r in caplog.records)
    for secret in (params["Signature"], key_id, params["SignatureNonce"], created.secret):
        assert secret not in written


def _settings_of(env: dict[str, str], expression: str) -> object:
    """Evaluate `expression` over ramconsole.settings in a fresh interpreter with `env`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL"))}
    code = f"import json; from ramconsole import settings as s; print(json.dumps({expression}))"
    result = subprocess.run(  # noqa: S603 - our own interpreter and expression
        [sys.executable, "-c", code], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_production_settings_share_cache_and_sessions_through_redis() -> None:
    production = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "k" * 60}
    assert _settings_of(production, "[getattr(s, 'CACHES', None), getattr(s, 'SESSION_ENGINE', None)]") == [
        None,  # Django's defaults: local memory, database sessions
        None,
    ]
    with_redis = {**production, "REDIS_URL": "redis://127.0.0.1:6379/3"}
    assert _settings_of(
        with_redis, "[s.CACHES['default']['BACKEND'], s.CACHES['default']['LOCATION'], s.SESSION_ENGINE]"
    ) == [
        "ramconsole.kernel.rediscache.ResilientRedisCache",
        "redis://127.0.0.1:6379/3",
        "django.contrib.sessions.backends.cached_db",
    ]
    # A dead or silent Redis holds a request half a second at most (tests/integration/test_rediscache.py).
    assert _settings_of(with_redis, "s.CACHES['default']['OPTIONS']") == {
        "socket_connect_timeout": 0.5,
        "socket_timeout": 0.5,
    }


def test_plain_http_on_loopback_is_an_explicit_switch() -> None:
    production = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "k" * 60}
    fields = (
        "[s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.LOGGING['handlers']['console']['formatter']]"
    )
    assert _settings_of(production, fields) == [True, True, True, "json"]
    loopback = {**production, "DJANGO_SECURE_COOKIES": "0", "DJANGO_SECURE_SSL_REDIRECT": "0"}
    assert _settings_of(loopback, fields) == [False, False, False, "json"]


def test_runserver_logs_request_lines_without_query_strings(tmp_path: Path) -> None:
    """`make run` serves with runserver, whose own request lines once carried AccessKeyId and
    Signature (a call refused for its Version: it still records an event, hence the migrate)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", PYTHONUNBUFFERED="1")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, capture_output=True, check=True
    )
    log = tmp_path / "runserver.log"
    with log.open("w") as out:  # the server keeps its own copy of the file
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    query = "Action=GetUser&Version=bad&AccessKeyId=LTAIkeyidinthelog0000000&Signature=signatureinthelog%3D"
    request_line = '"POST / HTTP/1.1" 400'
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/?{query}", method="POST"))
        body = refused.value.read()
        assert json.loads(body)["Code"] == "InvalidVersion", body
        # runserver writes its request line once the response is out: wait for it, then stop.
        deadline = time.monotonic() + 10
        while request_line not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)
    output = log.read_text()
    assert request_line in output, output
    assert "LTAIkeyidinthelog" not in output and "signatureinthelog" not in output
