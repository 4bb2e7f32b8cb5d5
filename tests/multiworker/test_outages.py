"""A real gunicorn whose Redis or PostgreSQL is not there (issue 19, item 5).

Redis down, refused or silent: logons, pages and writes still work with sessions in PostgreSQL,
no request waits on the dead cache for long, and `/health` says "degraded". PostgreSQL down: the
console answers its 503 page inside the shell, the API the documented ServiceUnavailable.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections import Counter
from collections.abc import Iterator

import pytest
import requests

from accounts.models import Account, Principal
from tests.api.conftest import PROXY_VARIABLES, REQUEST_ID, ApiError, Key, SdkFactory, signed_v1_query
from tests.conftest import ROOT_PASSWORD, USER_PASSWORD, free_port
from tests.multiworker.conftest import (
    DEFAULT_REDIS_URL,
    Server,
    form_token,
    health_status,
    require_postgresql,
    running_gunicorn,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Far above a page's time on a busy 2-core machine, far below a request hung on a socket.
SLOW_SECONDS = 3.0


@pytest.fixture(scope="module", params=["refused", "silent"])
def redis_down_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """refused: nothing listens on Redis's port. silent: something accepts connections and never
    answers, as a hung Redis or a dropped route does (only timeouts end the wait)."""
    require_postgresql()
    request.getfixturevalue("django_db_setup")
    with contextlib.ExitStack() as stack:
        if request.param == "silent":
            listener = stack.enter_context(socket.create_server(("127.0.0.1", 0)))
            port = listener.getsockname()[1]
        else:
            port = free_port()
        yield stack.enter_context(
            running_gunicorn(tmp_path_factory.mktemp(f"redis-{request.param}"), REDIS_URL=f"redis://127.0.0.1:{port}/0")
        )


UNREACHABLE_DATABASE = "ramconsole_unreachable"


@pytest.fixture(scope="module")
def database_down_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    require_postgresql()
    with running_gunicorn(
        tmp_path_factory.mktemp("database-down"),
        ready=lambda url: health_status(url) == 503,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/{UNREACHABLE_DATABASE}",
        REDIS_URL=os.environ.get("REDIS_URL", DEFAULT_REDIS_URL),
    ) as server:
        yield server


class Browser:
    """One cookie jar on the server; remembers every status and how long each request took."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy: the server is on loopback
        self.statuses: Counter[int] = Counter()
        self.slowest = 0.0

    def request(self, method: str, path: str, **kwargs: object) -> requests.Response:
        started = time.monotonic()
        response = self.session.request(method, f"{self.server.url}{path}", allow_redirects=False, timeout=15, **kwargs)
        self.slowest = max(self.slowest, time.monotonic() - started)
        self.statuses[response.status_code] += 1
        return response

    def post_form(self, path: str, *, form_page: str = "", **data: str) -> requests.Response:
        """POST to `path` with the CSRF token of the form on `form_page` (default: `path` itself)."""
        token = form_token(self.session, f"{self.server.url}{form_page or path}")
        return self.request("POST", path, data={"csrfmiddlewaretoken": token, **data})

    def logon(self, logon_name: str, password: str) -> requests.Response:
        return self.post_form("/login/", logon_name=logon_name, password=password)


def test_without_redis_logons_pages_and_writes_work_from_the_database(
    redis_down_server: Server, account: Account, root: Principal, ram_user_factory
) -> None:
    ram_user_factory(account, "alice", policy="AliyunRAMFullAccess")
    pages = {
        root.logon_name: ["/overview/", "/users/", "/settings/", "/events/", "/security-settings/"],
        "alice@acme.onaliyun.com": ["/overview/", "/users/", "/settings/", "/events/", "/security/"],
    }
    passwords = {root.logon_name: ROOT_PASSWORD, "alice@acme.onaliyun.com": USER_PASSWORD}
    browsers = []
    for logon_name, paths in pages.items():
        browser = Browser(redis_down_server)
        browsers.append(browser)
        logon = browser.logon(logon_name, passwords[logon_name])
        assert logon.status_code == 302 and logon.headers["Location"] == "/overview/", logon.status_code
        for _round in range(2):  # several workers, each serving this session from the database
            for path in paths:
                response = browser.request("GET", path)
                assert response.status_code == 200, (path, response.status_code)
                assert logon_name in response.text  # the shell's profile menu: this session's user
        name = f"made-by-{logon_name.split('@')[0]}"
        created = browser.post_form("/users/new/", name=name, display_name=name)
        assert created.status_code == 302 and created.headers["Location"].startswith("/users/"), created.status_code
        assert account.principals.filter(name=name).exists()
        assert browser.post_form("/logout/", form_page="/overview/").status_code == 302
        # The session ended in the database: there is no cached copy to bring it back.
        assert browser.request("GET", "/overview/").headers["Location"].startswith("/login/")

    statuses = sum((b.statuses for b in browsers), Counter())
    assert all(status < 500 for status in statuses), statuses
    slowest = max(b.slowest for b in browsers)
    assert slowest < SLOW_SECONDS, f"a request took {slowest:.1f} s with Redis down"

    health = Browser(redis_down_server).request("GET", "/health")
    assert (health.status_code, health.json()) == (200, {"status": "degraded", "database": "ok", "cache": "error"})

    # Logged once per worker as Redis went, not once per request.
    went = Counter(
        line["pid"] for line in redis_down_server.log_lines() if line["message"].startswith("cache: Redis unreachable")
    )
    assert went and set(went.values()) == {1}, went
    assert sum(statuses.values()) > 3 * sum(went.values())


def test_without_the_database_the_console_answers_503_inside_its_shell(database_down_server: Server) -> None:
    browser = Browser(database_down_server)
    logon = browser.logon("alice@acme.onaliyun.com", USER_PASSWORD)  # the form itself needs no database
    browser.session.cookies.set("sessionid", "a" * 32)  # a session the database would have to look up
    page = browser.request("GET", "/users/")
    for response in (logon, page):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        assert response.headers["Content-Type"].startswith("text/html")
        assert 'class="topbar navbar' in response.text and "Resource Access Management" in response.text
        assert "The console is temporarily unavailable." in response.text
        assert UNREACHABLE_DATABASE not in response.text  # the reason stays in the log

    health = Browser(database_down_server).request("GET", "/health")  # a probe: no cookie
    assert (health.status_code, health.json()) == (503, {"status": "error", "database": "error", "cache": "ok"})
    reasons = [
        line["message"] for line in database_down_server.log_lines() if line["logger"] == "ramconsole.web.middleware"
    ]
    assert len(reasons) == 2 and all("Connection refused" in reason for reason in reasons), reasons


def test_without_the_database_the_api_answers_service_unavailable(
    database_down_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = Key("LTAI5tUnreachable0000000", "s" * 30)  # nothing can check it: the database holds the keys
    raw = Browser(database_down_server).request("POST", f"/?{signed_v1_query(key, 'GetUser', UserName='alice')}")
    assert raw.status_code == 503
    assert raw.headers["Content-Type"] == "application/json;charset=utf-8"
    body = raw.json()
    assert REQUEST_ID.fullmatch(body.pop("RequestId"))
    assert body.pop("Recommend").startswith("https://api.aliyun.com/troubleshoot?q=ServiceUnavailable&product=Ram")
    assert body == {
        "HostId": "ram.aliyuncs.com",
        "Code": "ServiceUnavailable",
        "Message": "The request has failed due to a temporary failure of the server.",
    }

    for name in PROXY_VARIABLES:  # the SDKs honour them; the server is on loopback
        monkeypatch.delenv(name, raising=False)
    sdk = SdkFactory(database_down_server.url.removeprefix("http://"))
    for kind in ("legacy", "tea-acs3", "ims"):
        api = sdk.api(kind, key)
        with pytest.raises(ApiError) as refused:
            api.call("GetUser", **({"UserId": "1"} if api.is_ims else {"UserName": "alice"}))
        assert (refused.value.code, refused.value.status) == ("ServiceUnavailable", 503), kind
