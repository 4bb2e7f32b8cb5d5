"""Shared fixtures: factories for accounts and RAM users, personas, logged-in clients.

Environment skips (no Chromium, no PostgreSQL) go through `skip_or_fail`: with CI=true they fail,
and any other skip fails the session too, so CI never passes on a suite that did not run.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from itertools import count
from typing import Any

import pyotp
import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import translation

from accounts import selectors
from accounts.actors import Actor
from accounts.models import Account, Principal
from accounts.services import accounts as account_services
from accounts.services import login_profiles as login_profile_services
from accounts.services import users as user_services
from mfa import services as mfa_services
from security import sandbox_dns

# Playwright's sync API keeps an event loop in the main thread; Django's async guard would then
# refuse ORM calls in tests. Tests and the browser never run concurrently, so this is safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() == "true"
ROOT_PASSWORD = "Root-pass-2026"
USER_PASSWORD = "User-pass-2026"


# Edit Password Rule and Update RAM User Security Settings as the console fills them by default.
POLICY_FORM = {
    "minimum_length": 8,
    "required_elements": [],
    "minimum_different_characters": 0,
    "allow_user_name_in_password": "true",
    "max_password_age_days": 0,
    "hard_expiry": "false",
    "reuse_prevention": 0,
    "max_login_attempts": 0,
}
PREFERENCE_FORM = {
    "enable_save_mfa_ticket": "false",
    "allow_user_to_change_password": "true",
    "allow_user_to_manage_access_keys": "false",
    "allow_user_to_manage_mfa_devices": "true",
    "login_session_duration_hours": 6,
    "login_network_masks": "",
}


def skip_or_fail(reason: str) -> None:
    """Skip outside CI; in CI a missing component is a failure."""
    if IN_CI:
        pytest.fail(f"CI requires this test to run: {reason}")
    pytest.skip(reason)


_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Under pytest-xdist the controller sees every worker's reports; it alone decides.
    is_xdist_worker = hasattr(session.config, "workerinput")
    if IN_CI and _skipped and exitstatus == 0 and not is_xdist_worker:
        session.exitstatus = 1
        print(f"\nCI: {len(_skipped)} test(s) skipped; skips are failures in CI: {_skipped[:10]}")


@pytest.fixture(autouse=True)
def _outbox_backend(settings: Any) -> None:
    """Django's test setup swaps in its in-memory mail backend; the console's Outbox backend is
    part of what is under test, so it stays."""
    settings.EMAIL_BACKEND = "accounts.outbox.OutboxBackend"


@pytest.fixture(autouse=True)
def _english_to_begin_with() -> Iterator[None]:
    """A request in 简体中文 leaves its language active in the thread that served it (the test's, for
    Django's test client): without this, whatever test runs next would read Chinese."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache: a rolled-back test's rows may come back with the same
    IDs in the next, and cache keys are built from IDs."""
    cache.clear()
    yield
    cache.clear()


_emails = count(1)


@pytest.fixture
def account_factory(db: None) -> Callable[..., Account]:
    def make(*, email: str | None = None, alias: str = "", password: str = ROOT_PASSWORD) -> Account:
        return account_services.account_create(
            email=email or f"owner{next(_emails)}@example.com", password=password, alias=alias
        )

    return make


@pytest.fixture
def account(account_factory: Callable[..., Account]) -> Account:
    return account_factory(alias="acme")


@pytest.fixture
def root(account: Account) -> Principal:
    return selectors.root_of(account)


@pytest.fixture
def hashes_in_transactions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every hash the test's hasher runs while a transaction is open (SQLite's write lock is held)."""
    held: list[str] = []
    for operation in ("encode", "verify"):
        original = getattr(MD5PasswordHasher, operation)

        def watched(self: MD5PasswordHasher, *args: str, _original: Any = original, _name: str = operation) -> Any:
            if connection.in_atomic_block:
                held.append(_name)
            return _original(self, *args)

        monkeypatch.setattr(MD5PasswordHasher, operation, watched)
    return held


@pytest.fixture
def ram_user_factory(db: None) -> Callable[..., Principal]:
    def make(
        account: Account,
        name: str,
        *,
        password: str | None = USER_PASSWORD,
        policy: str | None = None,
        display_name: str = "",
    ) -> Principal:
        actor = Actor(principal=selectors.root_of(account))
        user = user_services.ram_user_create(actor=actor, name=name, display_name=display_name or name.title())
        if password:
            login_profile_services.login_profile_create(actor=actor, user=user, password=password)
        if policy:
            user_services.policy_attach(actor=actor, user=user, policy_name=policy)
        return selectors.ram_user_get(account=account, user_id=user.user_id)

    return make


@pytest.fixture
def admin_user(account: Account, ram_user_factory: Callable[..., Principal]) -> Principal:
    return ram_user_factory(account, "alice", policy="AliyunRAMFullAccess")


@pytest.fixture
def readonly_user(account: Account, ram_user_factory: Callable[..., Principal]) -> Principal:
    return ram_user_factory(account, "bob", policy="AliyunRAMReadOnlyAccess")


@pytest.fixture
def plain_user(account: Account, ram_user_factory: Callable[..., Principal]) -> Principal:
    return ram_user_factory(account, "carol")


@pytest.fixture
def client_for() -> Callable[[Principal], Client]:
    """A test client with a session for `principal`, as after a console logon."""

    def make(principal: Principal) -> Client:
        client = Client()
        client.force_login(principal, backend="accounts.backends.LogonNameBackend")
        return client

    return make


@pytest.fixture
def root_client(root: Principal, client_for: Callable[[Principal], Client]) -> Client:
    return client_for(root)


def at(seed: str, moment: datetime, steps: int = 0) -> str:
    return pyotp.TOTP(seed).at(moment + timedelta(seconds=30 * steps))


def bind_device(user: Principal, moment: datetime) -> str:
    """Bind a virtual MFA device to `user` through the services (codes of `moment`); returns its seed."""
    actor = Actor(selectors.root_of(user.account)) if user.is_ram_user else Actor(user)
    enrolment = mfa_services.mfa_enrolment_start(actor=actor, user=user)
    if user.is_root:
        mfa_services.mfa_root_enable(actor=actor, device=enrolment.device, code=at(enrolment.seed, moment))
    else:
        mfa_services.mfa_device_bind(
            actor=actor,
            user=user,
            device=enrolment.device,
            code1=at(enrolment.seed, moment, -1),
            code2=at(enrolment.seed, moment),
        )
    return enrolment.seed


def free_port() -> int:
    """A loopback port free for TCP (servers) and UDP (the sandbox DNS) at this moment. The kernel
    draws it among TCP ports, which also skips those held by outgoing connections: a UDP probe
    alone once handed gunicorn a port a client connection had taken ("Address already in use")."""
    while True:
        with (
            socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp,
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp,
        ):
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
            try:
                udp.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


@pytest.fixture
def sandbox_dns_server(settings: Any) -> Iterator[int]:
    """The sandbox DNS server on a free port, and the console's resolver pointed at it."""
    port = free_port()
    servers = sandbox_dns.start(address="127.0.0.1", port=port)
    settings.RAMCONSOLE_DNS_RESOLVER = "127.0.0.1"
    settings.RAMCONSOLE_DNS_PORT = port
    yield port
    for server in servers:
        server.stop()
