"""Security Check, Download Security Report and the user credential report (golden CSV)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accesskeys import services as key_services
from accesskeys.models import AccessKey
from accounts import selectors
from accounts.actors import Actor
from accounts.models import Principal
from reports import checks as report_checks
from reports import selectors as report_selectors
from reports import services as report_services
from reports.models import CredentialReport
from security import services as security_services
from tests.conftest import bind_device

T0 = datetime(2030, 1, 1, 0, 0, tzinfo=UTC)
BOM = "\ufeff".encode()
HEADER = (
    "user,user_creation_time,user_last_logon,password_exist,password_active,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_exist,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used,access_key_2_exist,access_key_2_active,access_key_2_last_rotated,"
    "access_key_2_last_used"
)


def _report(client: Client) -> list[list[str]]:
    from django.test import TestCase

    # The generation task is queued on commit; run it as the commit would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("reports:credential-generate"))
    assert response["Location"] == reverse("reports:credential")
    assert client.post(reverse("reports:credential-generate"))["Location"] == reverse("reports:credential-download")
    content = client.get(reverse("reports:credential-download")).content
    assert content.startswith(BOM)  # the console's download is the spreadsheet's file
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_golden_credential_report(account, root, ram_user_factory, client_for) -> None:
    with time_machine.travel(T0, tick=False):
        security_services.password_policy_update(actor=Actor(root), max_password_age_days=30)
        plain = ram_user_factory(account, "-danger", password=None)  # a name a spreadsheet would evaluate
        console = ram_user_factory(account, "ann")
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        key_services.access_key_create(actor=Actor(root), user=plain)
        used = key_services.access_key_create(actor=Actor(root), user=plain).access_key
        key_services.access_key_mark_used(access_key=used)
        key_services.access_key_update_status(
            actor=Actor(root), user=plain, access_key_id=used.access_key_id, status="Inactive"
        )
        rows = _report(client_for(root))
    assert ",".join(rows[0]) == HEADER
    by_user = {row[0]: row for row in rows[1:]}
    assert rows[1][0] == "<root>"
    assert by_user["<root>"][3:7] == ["TRUE", "N/A", "N/A", "N/A"]
    assert by_user["<root>"][8:] == ["FALSE", "N/A", "N/A", "N/A"] * 2
    danger = by_user["'-danger@acme.onaliyun.com"]
    assert danger[1:8] == ["2030-01-01T00:00:00Z", "-", "FALSE", "N/A", "N/A", "N/A", "FALSE"]
    assert danger[8:12] == ["TRUE", "TRUE", "2030-01-02T00:00:00Z", "-"]
    assert danger[12:16] == ["TRUE", "FALSE", "2030-01-02T00:00:00Z", "2030-01-02T00:00:00Z"]
    ann = by_user["ann@acme.onaliyun.com"]
    assert ann[3:7] == ["TRUE", "TRUE", "2030-01-01T00:00:00Z", "2030-01-31T00:00:00Z"]
    assert console.name == "ann"


def test_extra_key_columns_only_when_needed(account, root, client_for) -> None:
    for _ in range(2):
        key_services.access_key_create(actor=Actor(root), user=root)
    rows = _report(client_for(root))
    assert len(rows[0]) == 16
    assert "additional_access_key_3_exist" not in rows[0]
    assert report_selectors.max_keys_per_identity(account) == 2


def test_three_keys_add_columns(account, root, ram_user_factory, client_for) -> None:
    """More keys than the two-key limit allows (stored before the limit, say): a column group each."""
    user = ram_user_factory(account, "x", password=None)
    with time_machine.travel(T0, tick=False):
        for n in range(3):
            AccessKey.objects.create(principal=user, access_key_id=f"LTAI5t3keys{n}", secret_encrypted="-")
        rows = _report(client_for(root))
    header, line = rows[0], {row[0]: row for row in rows[1:]}["x@acme.onaliyun.com"]
    assert header[-4:] == [f"additional_access_key_3_{s}" for s in ("exist", "active", "last_rotated", "last_used")]
    assert line[-12:] == ["TRUE", "TRUE", "2030-01-01T00:00:00Z", "-"] * 3
    assert {row[0]: row for row in rows[1:]}["<root>"][-12:] == ["FALSE", "N/A", "N/A", "N/A"] * 3


def test_a_report_within_four_hours_is_reused(account, root, django_capture_on_commit_callbacks) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            first = report_services.credential_report_generate(actor=Actor(root))
        traveller.shift(timedelta(hours=3, minutes=59))
        assert report_services.credential_report_generate(actor=Actor(root)).pk == first.pk
        traveller.shift(timedelta(minutes=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert report_services.credential_report_generate(actor=Actor(root)).pk != first.pk
    assert CredentialReport.objects.filter(state="COMPLETED").count() == 2


def test_generation_queries_do_not_grow(account, root, ram_user_factory, django_capture_on_commit_callbacks) -> None:
    def count() -> int:
        CredentialReport.objects.all().delete()
        with CaptureQueriesContext(connection) as captured, django_capture_on_commit_callbacks(execute=True):
            report_services.credential_report_generate(actor=Actor(Principal.objects.get(pk=root.pk)))
        assert CredentialReport.objects.get().state == "COMPLETED"
        return len(captured)

    ram_user_factory(account, "one")
    few = count()
    for i in range(15):
        user = ram_user_factory(account, f"u{i}")
        key_services.access_key_create(actor=Actor(root), user=user)
    assert count() == few


def test_security_report_fields_and_score(account, root, ram_user_factory, client_for) -> None:
    user = ram_user_factory(account, "nomfa")
    key_services.access_key_create(actor=Actor(root), user=user)
    client = client_for(root)
    report = json.loads(client.get(reverse("reports:security-report-json")).content)
    assert list(report) == [
        "SubUser",
        "SubUserBindMfa",
        "SubUserWithUnusedAccessKey",
        "RootWithAccessKey",
        "SubUserWithOldAccessKey",
        "SubUserPwdLevel",
        "UnusedAkNum",
        "OldAkNum",
        "BindMfa",
        "Score",
    ]
    assert report["SubUser"] == 1 and report["UnusedAkNum"] == 1 and report["BindMfa"] is False
    content = client.get(reverse("reports:security-report-csv")).content
    assert content.startswith(BOM) and content.endswith(b"\r\n") and content.count(b"\n") == 2
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(report) and rows[1][0] == "1"
    assert rows[1][rows[0].index("BindMfa")] == "FALSE"  # RAM's spelling, as in the credential report
    before = client.get(reverse("accounts:overview")).context["score"]
    bind_device(user, datetime.now(UTC))
    security_services.password_policy_update(
        actor=Actor(root),
        minimum_length=12,
        require_lowercase=True,
        require_uppercase=True,
        require_numbers=True,
        reuse_prevention=3,
        max_login_attempts=5,
    )
    after = client_for(root).get(reverse("accounts:overview")).context["score"]
    assert after == before + 15 + 15


def test_overview_evidence_and_set_now(account, root, ram_user_factory, client_for) -> None:
    ram_user_factory(account, "needs-mfa")
    page = client_for(root).get(reverse("accounts:overview"))
    items = {item.key: item for item in page.context["check_items"]}
    assert not items["users_mfa"].passed and not items["root_mfa"].passed
    body = page.content.decode()
    assert "needs-mfa@acme.onaliyun.com" in body and "Set Now" in body and reverse("mfa:account-protection") in body


def test_overview_queries_are_constant(account, root, ram_user_factory, client_for) -> None:
    client = client_for(root)
    ram_user_factory(account, "a")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("accounts:overview"))
    for i in range(10):
        key_services.access_key_create(actor=Actor(root), user=ram_user_factory(account, f"b{i}"))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("accounts:overview"))
    assert len(many) == len(few)


def test_reports_are_for_administrators_only(readonly_user, plain_user, client_for) -> None:
    for principal in (readonly_user, plain_user):
        client = client_for(principal)
        assert client.get(reverse("reports:security-report-json")).status_code == 403
        assert client.post(reverse("reports:credential-generate")).status_code == 403
        assert client.get(reverse("reports:credential-download")).status_code == 403
    page = client_for(readonly_user).get(reverse("accounts:overview"))
    assert "check_items" not in page.context and "Security Check" not in page.content.decode()


def test_demo_account_scores_something_to_fix(db) -> None:
    from django.core.management import call_command

    call_command("seed_demo")
    account = selectors.account_by_root_email("demo@ramconsole.example")
    report = report_checks.security_report(account, now=datetime.now(UTC))
    assert 0 < report["Score"] < 100
    assert report["OldAkNum"] >= 1 and report["UnusedAkNum"] >= 1 and report["SubUserPwdLevel"] in ("low", "mid")


def test_the_security_check_is_cached_until_the_account_changes_or_its_clock_moves_on(
    account, root, ram_user_factory, client_for
) -> None:
    client = client_for(root)
    user = ram_user_factory(account, "aging")
    start = datetime.now(UTC)
    # 90 days old in a minute and a half: old by time alone, with no change of the account.
    key_services.access_key_create(actor=Actor(root), user=user, now=start - timedelta(days=90, seconds=-90))
    with time_machine.travel(start, tick=False) as traveller:
        with CaptureQueriesContext(connection) as computed:
            first = client.get(reverse("accounts:overview")).context
        with CaptureQueriesContext(connection) as cached:
            assert client.get(reverse("accounts:overview")).context["score"] == first["score"]
        assert len(cached) < len(computed)
        assert {item.key: item.passed for item in first["check_items"]}["old_keys"] is True
        # A change records an event, so the next Overview computes again and shows it at once.
        security_services.password_policy_update(
            actor=Actor(root),
            minimum_length=12,
            require_lowercase=True,
            require_uppercase=True,
            require_numbers=True,
            max_login_attempts=5,
        )
        stronger = client.get(reverse("accounts:overview")).context["score"]
        assert stronger > first["score"]
        # Two minutes on, the key is past 90 days: a later minute of the account's clock is a new entry.
        traveller.shift(timedelta(minutes=2))
        aged = client.get(reverse("accounts:overview")).context
        assert {item.key: item.passed for item in aged["check_items"]}["old_keys"] is False
        assert aged["score"] < stronger
