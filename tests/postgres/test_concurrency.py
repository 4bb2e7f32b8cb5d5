"""Races attacked with real threads and connections against PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.db import connection

from accesskeys import services as access_key_services
from accesskeys.models import AccessKey
from accounts import selectors
from accounts.actors import Actor
from accounts.models import Account, LoginProfile, Principal
from accounts.services import logon as logon_services
from accounts.services import users as user_services
from mfa import services as mfa_services
from reports import services as report_services
from reports.models import CredentialReport
from security import policy
from security import services as security_services
from security.errors import RamError
from security.models import Event
from tests.conftest import at, bind_device

pytestmark = pytest.mark.django_db(transaction=True)


def _race(count: int, attempt: Callable[[int], str]) -> Counter[str]:
    """Run `attempt` in `count` threads released at once; returns outcome codes."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        try:
            outcome = attempt(i)
        except RamError as error:
            outcome = error.code
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(outcomes)


def test_parallel_creates_of_one_name_make_exactly_one_user(account: Account) -> None:
    actor = Actor(selectors.root_of(account))

    def create(i: int) -> str:
        user_services.ram_user_create(actor=actor, name="Racer" if i % 2 else "racer", display_name=f"r{i}")
        return "created"

    outcomes = _race(12, create)
    assert outcomes == Counter({"created": 1, "EntityAlreadyExists.User": 11})
    assert Principal.objects.filter(account=account, name__iexact="racer").count() == 1


def test_user_quota_holds_under_parallel_creates(account: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(policy.users, "MAX_RAM_USERS_PER_ACCOUNT", 3)
    actor = Actor(selectors.root_of(account))

    def create(i: int) -> str:
        user_services.ram_user_create(actor=actor, name=f"user{i}", display_name="x")
        return "created"

    outcomes = _race(10, create)
    assert outcomes == Counter({"created": 3, "LimitExceeded.User": 7})
    assert selectors.ram_user_count(account=account) == 3


def test_parallel_wrong_passwords_lock_at_exactly_the_limit(account: Account, ram_user_factory) -> None:
    security_services.password_policy_update(actor=Actor(selectors.root_of(account)), max_login_attempts=5)
    user = ram_user_factory(account, "target")

    def attempt(_i: int) -> str:
        logon_services.console_logon(
            logon_name="target@acme.onaliyun.com", password="wrong-password", source_ip="10.0.0.9"
        )
        return "logged on"

    outcomes = _race(20, attempt)
    assert outcomes == Counter({"WrongPassword": 5, "LoginLocked": 15})
    profile = LoginProfile.objects.get(principal=user)
    assert profile.failed_logon_count == 5 and profile.locked_until is not None
    results = Counter(Event.objects.filter(action="ConsoleLogon").values_list("result", flat=True))
    assert results == Counter({"WrongPassword": 5, "LoginLocked": 15})


def test_parallel_wrong_root_passwords_are_slowed_at_exactly_the_fifth(account: Account) -> None:
    root = selectors.root_of(account)

    def attempt(_i: int) -> str:
        logon_services.console_logon(logon_name=root.email, password="wrong-password", source_ip="10.0.0.9")
        return "logged on"

    outcomes = _race(20, attempt)
    assert outcomes == Counter({"WrongPassword": policy.ROOT_SLOWDOWN_AFTER, "LoginThrottled": 15})
    account.refresh_from_db()
    assert account.root_failed_logon_count == policy.ROOT_SLOWDOWN_AFTER


def test_twenty_parallel_creates_make_exactly_two_keys(account: Account, ram_user_factory) -> None:
    user = ram_user_factory(account, "keyholder", password=None)
    actor = Actor(selectors.root_of(account))

    def create(_i: int) -> str:
        access_key_services.access_key_create(actor=actor, user=user)
        return "created"

    outcomes = _race(20, create)
    assert outcomes == Counter({"created": 2, "LimitExceeded.User.AccessKey": 18})
    assert AccessKey.objects.filter(principal=user).count() == 2


def test_one_code_is_accepted_once_under_parallel_logons(account: Account, ram_user_factory) -> None:
    user = ram_user_factory(account, "phone")
    now = datetime.now(UTC)
    code = at(bind_device(user, now), now, steps=1)  # the next step: within the window, never accepted yet

    def verify(_i: int) -> str:
        mfa_services.mfa_code_verify(principal=user, code=code, source_ip="10.0.0.7")
        return "accepted"

    outcomes = _race(10, verify)
    assert outcomes.pop("accepted") == 1
    # Every other attempt is a refused replay (and repeated failures throttle the device).
    assert set(outcomes) <= {"CheckAuthenticationCodeFail.Replay", "Throttling.MFA"}
    assert outcomes["CheckAuthenticationCodeFail.Replay"] >= 1 and outcomes.total() == 9


def test_parallel_report_requests_generate_once(account: Account, ram_user_factory) -> None:
    ram_user_factory(account, "reported")
    actor = Actor(selectors.root_of(account))

    def generate(_i: int) -> str:
        return str(report_services.credential_report_generate(actor=actor).pk)

    outcomes = _race(8, generate)
    assert len(outcomes) == 1 and sum(outcomes.values()) == 8  # every request got the same report
    assert CredentialReport.objects.filter(account=account).count() == 1
