"""Races across gunicorn worker PROCESSES, attacked through HTTP: every rule that counts must hold
when the requests land on different workers (the counters live in PostgreSQL, not in memory).

Each request carries its own X-Request-ID, so the workers' JSON request lines tell which pids
served the race: a race that one worker served alone would prove nothing.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from accesskeys.models import AccessKey
from accounts import selectors
from accounts.actors import Actor
from accounts.models import Account, LoginProfile
from security import services as security_services
from security.models import Event
from tests.conftest import USER_PASSWORD, at, bind_device
from tests.multiworker.conftest import Server, form_token, post_logon, root_key, signed_url

pytestmark = pytest.mark.django_db(transaction=True)


def _race(
    count: int, prepare: Callable[[requests.Session], Any], fire: Callable[[requests.Session, Any], str]
) -> tuple[Counter[str], set[str]]:
    """In `count` threads, each with its own cookie jar: `prepare`, then all `fire` at once.
    Returns the outcomes and the request ids of the fired requests."""
    barrier = threading.Barrier(count, timeout=30)
    outcomes: list[str] = []
    request_ids: set[str] = set()
    lock = threading.Lock()

    def run() -> None:
        with requests.Session() as session:
            session.trust_env = False  # no proxy: the server is on loopback
            request_id = uuid.uuid4().hex
            try:
                prepared = prepare(session)
            finally:
                barrier.wait()
            session.headers["X-Request-ID"] = request_id
            outcome = fire(session, prepared)
        with lock:
            outcomes.append(outcome)
            request_ids.add(request_id)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == count, "a thread failed; see its traceback above"
    return Counter(outcomes), request_ids


def _assert_several_workers(server: Server, request_ids: set[str]) -> None:
    pids = server.pids_serving(request_ids)
    assert len(pids) >= 2, f"one worker served the whole race ({pids}): it proves nothing across processes"


def _api_outcome(response: requests.Response) -> str:
    body = response.json()
    return "Success" if response.status_code == 200 else body["Code"]


def _api_race(count: int, server: Server, url_of: Callable[[], str]) -> tuple[Counter[str], set[str]]:
    """`count` signed calls at once, each to the URL `url_of()` gives it (one nonce each, or the same)."""

    def fire(session: requests.Session, url: str) -> str:
        return _api_outcome(session.post(url, timeout=10))

    return _race(count, lambda _session: url_of(), fire)


def test_wrong_passwords_on_several_workers_lock_at_exactly_the_limit(
    gunicorn_server: Server, account: Account, ram_user_factory
) -> None:
    security_services.password_policy_update(actor=Actor(selectors.root_of(account)), max_login_attempts=5)
    user = ram_user_factory(account, "target")
    server = gunicorn_server

    def prepare(session: requests.Session) -> str:
        return form_token(session, f"{server.url}/login/")

    def fire(session: requests.Session, token: str) -> str:
        response = session.post(
            f"{server.url}/login/",
            data={"csrfmiddlewaretoken": token, "logon_name": "target@acme.onaliyun.com", "password": "wrong-pw-1"},
            allow_redirects=False,
            timeout=10,
        )
        return str(response.status_code)  # 200: the form again, with the one generic refusal

    outcomes, request_ids = _race(20, prepare, fire)
    assert outcomes == Counter({"200": 20})
    # The page says the same for both refusals (it must not tell them apart); the trail does.
    results = Counter(Event.objects.filter(action="ConsoleLogon").values_list("result", flat=True))
    assert results == Counter({"WrongPassword": 5, "LoginLocked": 15})
    profile = LoginProfile.objects.get(principal=user)
    assert profile.failed_logon_count == 5 and profile.locked_until is not None
    _assert_several_workers(server, request_ids)


def test_twenty_parallel_create_access_key_calls_make_exactly_two_keys(
    gunicorn_server: Server, account: Account, ram_user_factory
) -> None:
    user = ram_user_factory(account, "keyholder", password=None)
    key_id, secret = root_key(account)
    server = gunicorn_server
    outcomes, request_ids = _api_race(
        20, server, lambda: signed_url(server, key_id, secret, "CreateAccessKey", UserName="keyholder")
    )
    assert outcomes == Counter({"Success": 2, "LimitExceeded.User.AccessKey": 18})
    assert AccessKey.objects.filter(principal=user).count() == 2
    _assert_several_workers(server, request_ids)


def test_one_totp_code_is_accepted_once_across_workers(
    gunicorn_server: Server, account: Account, ram_user_factory
) -> None:
    user = ram_user_factory(account, "phone")
    now = datetime.now(UTC)
    code = at(bind_device(user, now), now, steps=1)  # the next step: within the window, never accepted yet
    server = gunicorn_server

    def prepare(session: requests.Session) -> str:
        response = post_logon(session, server, "phone@acme.onaliyun.com", USER_PASSWORD)
        assert response.status_code == 302 and response.headers["Location"] == "/login/mfa/"
        return form_token(session, f"{server.url}/login/mfa/")

    def fire(session: requests.Session, token: str) -> str:
        response = session.post(
            f"{server.url}/login/mfa/",
            data={"csrfmiddlewaretoken": token, "code": code},
            allow_redirects=False,
            timeout=10,
        )
        return "accepted" if response.status_code == 302 else f"refused {response.status_code}"

    outcomes, request_ids = _race(10, prepare, fire)
    assert outcomes == Counter({"accepted": 1, "refused 200": 9})
    _assert_several_workers(server, request_ids)


def test_one_signed_request_replayed_in_parallel_succeeds_once(gunicorn_server: Server, account: Account) -> None:
    key_id, secret = root_key(account)
    server = gunicorn_server
    url = signed_url(server, key_id, secret, "GetAccountAlias")  # one nonce for every copy
    outcomes, request_ids = _api_race(12, server, lambda: url)
    assert outcomes == Counter({"Success": 1, "SignatureNonceUsed": 11})
    _assert_several_workers(server, request_ids)


def test_a_replayed_read_is_answered_once_and_leaves_one_event_per_call(
    gunicorn_server: Server, account: Account
) -> None:
    """A read's nonce is stored with its event after the handler: the copies that lose the race are
    refused and recorded as refused, and no copy's success event is written twice or lost."""
    key_id, secret = root_key(account)
    url = signed_url(gunicorn_server, key_id, secret, "GetAccountAlias")
    outcomes, request_ids = _api_race(12, gunicorn_server, lambda: url)
    assert outcomes == Counter({"Success": 1, "SignatureNonceUsed": 11})
    recorded = Counter(Event.objects.filter(account=account, action="GetAccountAlias").values_list("result", flat=True))
    assert recorded == Counter({"Success": 1, "SignatureNonceUsed": 11})
    _assert_several_workers(gunicorn_server, request_ids)


def test_a_replayed_change_runs_once(gunicorn_server: Server, account: Account) -> None:
    """A change's nonce is stored before its handler runs: one user is created, whatever the copies."""
    key_id, secret = root_key(account)
    url = signed_url(gunicorn_server, key_id, secret, "CreateUser", UserName="replayed")
    outcomes, request_ids = _api_race(12, gunicorn_server, lambda: url)
    assert outcomes == Counter({"Success": 1, "SignatureNonceUsed": 11})
    assert selectors.ram_user_count(account=account) == 1
    _assert_several_workers(gunicorn_server, request_ids)


def test_every_parallel_api_call_is_its_own_event(gunicorn_server: Server, account: Account, ram_user_factory) -> None:
    """Concurrent calls of one account each leave exactly one event, whatever the others record."""
    ram_user_factory(account, "reader", password=None)
    key_id, secret = root_key(account)
    server = gunicorn_server
    outcomes, request_ids = _api_race(
        16, server, lambda: signed_url(server, key_id, secret, "GetUser", UserName="reader")
    )
    assert outcomes == Counter({"Success": 16})
    assert Event.objects.filter(account=account, action="GetUser").count() == 16
    _assert_several_workers(server, request_ids)
