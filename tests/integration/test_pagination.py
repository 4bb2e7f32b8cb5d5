"""Issue #11, item 4: every list page and API list action pages its rows (or is bounded by a RAM
limit) and runs the same number of queries for 3 rows as for 30.

Covered elsewhere: the Users page and user detail (test_users.py), Events (test_events.py), the
Overview (test_reports.py). Bounded by RAM limits, so not paged (as in RAM): a user's AccessKeys
(2), its MFA device (1) and its system policies (2); their queries are still checked here.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accesskeys import services as access_key_services
from accounts import selectors
from accounts.actors import Actor
from accounts.models import Account, Principal
from accounts.services import users as user_services
from mfa import services as mfa_services
from reports import services as report_services
from security import services as security_services
from tests.api.conftest import IMS_VERSION, RAM_VERSION, Key, signed_v1_query
from tests.conftest import bind_device

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(root: Principal, client: Client) -> Callable[..., dict[str, Any]]:
    """A signed API call through the test client, as the root; returns the JSON body."""
    created = access_key_services.access_key_create(actor=Actor(root), user=root)
    key = Key(created.access_key.access_key_id, created.secret)

    def make(action: str, *, version: str = RAM_VERSION, **params: str) -> dict[str, Any]:
        response = client.post(f"/?{signed_v1_query(key, action, version=version, **params)}")
        assert response.status_code == 200, response.content
        return response.json()

    return make


def _queries(run: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured)


def _assert_constant(run: Callable[[], object], grow: Callable[[], object]) -> None:
    run()  # warm up: first-call work (a key's first Last Used) is not what is measured
    few = _queries(run)
    grow()
    many = _queries(run)
    assert many == few, f"{few} queries for a few rows, {many} for many"


def _make_users(account: Account, ram_user_factory, start: int, stop: int, **kwargs: Any) -> list[Principal]:
    return [ram_user_factory(account, f"user{i:02d}", **kwargs) for i in range(start, stop)]


# --- Console ---------------------------------------------------------------------------------------


def test_dns_records_page_pages_and_runs_constant_queries(root: Principal, root_client: Client) -> None:
    actor = Actor(root)

    def publish(start: int, stop: int) -> None:
        for i in range(start, stop):
            security_services.sandbox_dns_record_create(actor=actor, name=f"r{i:02d}.example", value=f"v{i}")

    publish(0, 3)
    url = reverse("security:dns-records")
    _assert_constant(lambda: root_client.get(url), lambda: publish(3, 30))
    first = root_client.get(url)
    assert len(first.context["page"]) == 20 and first.context["page"].paginator.count == 30
    assert "?page=2" in first.content.decode()
    second = root_client.get(url, {"page": 2})
    assert [r.name for r in second.context["page"]] == [f"r{i}.example" for i in range(20, 30)]
    assert root_client.get(url, {"page": "999"}).context["page"].number == 2  # out of range: the last page


# --- API -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [RAM_VERSION, IMS_VERSION])
def test_list_users_runs_constant_queries(account: Account, ram_user_factory, call, version: str) -> None:
    _make_users(account, ram_user_factory, 0, 3)
    _assert_constant(
        lambda: call("ListUsers", version=version),
        lambda: _make_users(account, ram_user_factory, 3, 30, policy="AliyunRAMReadOnlyAccess"),
    )
    body = call("ListUsers", version=version, MaxItems="25")
    assert len(body["Users"]["User"]) == 25 and body["IsTruncated"] is True
    rest = call("ListUsers", version=version, MaxItems="25", Marker=body["Marker"])
    assert len(rest["Users"]["User"]) == 5 and rest["IsTruncated"] is False


@pytest.mark.parametrize("version", [RAM_VERSION, IMS_VERSION])
def test_list_virtual_mfa_devices_runs_constant_queries(
    account: Account, root: Principal, ram_user_factory, call, version: str
) -> None:
    def add_devices(start: int, stop: int) -> None:
        for i, user in enumerate(_make_users(account, ram_user_factory, start, stop, password=None), start):
            if i % 2:
                bind_device(user, datetime.now(UTC))
            else:
                mfa_services.mfa_enrolment_start(actor=Actor(root), user=user)  # created, not bound

    add_devices(0, 3)
    _assert_constant(lambda: call("ListVirtualMFADevices", version=version), lambda: add_devices(3, 30))
    devices = call("ListVirtualMFADevices", version=version)["VirtualMFADevices"]["VirtualMFADevice"]
    assert len(devices) == 30 and sum("User" in d for d in devices) == 15


def test_ims_list_virtual_mfa_devices_pages(account: Account, root: Principal, ram_user_factory, call) -> None:
    for user in _make_users(account, ram_user_factory, 0, 5, password=None):
        mfa_services.mfa_enrolment_start(actor=Actor(root), user=user)
    body = call("ListVirtualMFADevices", version=IMS_VERSION, MaxItems="3")
    assert len(body["VirtualMFADevices"]["VirtualMFADevice"]) == 3 and body["IsTruncated"] is True
    rest = call("ListVirtualMFADevices", version=IMS_VERSION, MaxItems="3", Marker=body["Marker"])
    assert len(rest["VirtualMFADevices"]["VirtualMFADevice"]) == 2 and rest["IsTruncated"] is False


def test_list_access_keys_and_policies_for_user_run_constant_queries(
    account: Account, root: Principal, ram_user_factory, call
) -> None:
    user = ram_user_factory(account, "holder", password=None)

    def grow() -> None:
        for _ in range(2):  # the RAM limit: two keys per user
            access_key_services.access_key_create(actor=Actor(root), user=user)
        for name in ("AliyunRAMFullAccess", "AliyunRAMReadOnlyAccess"):
            user_services.policy_attach(actor=Actor(root), user=user, policy_name=name)

    def run() -> None:
        call("ListAccessKeys", UserName="holder")
        call("ListPoliciesForUser", UserName="holder")

    _assert_constant(run, grow)
    assert len(call("ListAccessKeys", UserName="holder")["AccessKeys"]["AccessKey"]) == 2
    assert len(call("ListPoliciesForUser", UserName="holder")["Policies"]["Policy"]) == 2


def test_get_credential_report_pages_and_runs_constant_queries(
    account: Account, ram_user_factory, call, django_capture_on_commit_callbacks
) -> None:
    actor = Actor(selectors.root_of(account))
    _make_users(account, ram_user_factory, 0, 3)
    with django_capture_on_commit_callbacks(execute=True):  # the background generation
        report_services.credential_report_generate(actor=actor)

    def grow() -> None:
        _make_users(account, ram_user_factory, 3, 30)
        # A report is reused for four hours: ask for the next one as if five hours had passed.
        with django_capture_on_commit_callbacks(execute=True):
            report_services.credential_report_generate(actor=actor, now=datetime.now(UTC) + timedelta(hours=5))

    _assert_constant(lambda: call("GetCredentialReport", version=IMS_VERSION), grow)
    first = call("GetCredentialReport", version=IMS_VERSION, MaxItems="20")
    assert first["IsTruncated"] == "true" and first["NextToken"]
    rest = call("GetCredentialReport", version=IMS_VERSION, MaxItems="20", NextToken=first["NextToken"])
    assert rest["IsTruncated"] == "false"
    lines = [base64.b64decode(page["Content"]).decode().splitlines() for page in (first, rest)]
    assert lines[0][0] == lines[1][0]  # the header opens every page
    assert len(lines[0]) - 1 + len(lines[1]) - 1 == 31  # the root and 30 RAM users
