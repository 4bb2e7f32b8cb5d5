"""The credential report as a background build (issue 17, items 6 and 7), on the immediate backend:
its progress, a build given up when its worker is lost, the page while it waits, and the files.

The real worker process is tested in tests/integration/test_report_worker.py.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from accesskeys import services as key_services
from accounts.actors import Actor
from accounts.models import Account, Principal
from reports import services
from reports.models import CredentialReport
from security.policy.credential_report import STALLED_AFTER
from tests.bulk import bulk_ram_users

T0 = datetime(2030, 1, 1, tzinfo=UTC)
BOM = "\ufeff".encode()
BOOLEAN_COLUMNS = ("password_exist", "password_active", "mfa_active")
PAGE = reverse("reports:credential")
PROGRESS = reverse("reports:credential-progress")
GENERATE = reverse("reports:credential-generate")
DOWNLOAD = reverse("reports:credential-download")


def _build(root: Principal, django_capture_on_commit_callbacks) -> CredentialReport:
    with django_capture_on_commit_callbacks(execute=True):
        report = services.credential_report_generate(actor=Actor(root))
    report.refresh_from_db()
    return report


def test_the_build_writes_its_progress_as_it_goes(
    account: Account, root: Principal, django_capture_on_commit_callbacks, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(services, "ROWS_PER_CHUNK", 1000)
    bulk_ram_users(account, 2500)
    done_written: list[int] = []

    def watch(execute, sql, params, many, context):
        progress_write = sql.startswith('UPDATE "reports_credentialreport"') and "COMPLETED" not in params
        if progress_write and '"users_done"' in sql:
            done_written.append(next(p for p in params if isinstance(p, int)))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        report = _build(root, django_capture_on_commit_callbacks)
    assert report.state == "COMPLETED"
    assert done_written == [1000, 2000, 2501]  # after every chunk (the root and 2,500 users)
    assert (report.users_done, report.users_total) == (2501, 2501)
    assert report.progress_at >= report.requested_at - timedelta(seconds=1)


def test_a_build_given_up_meanwhile_stops_at_its_next_progress_write(
    account: Account, root: Principal, django_capture_on_commit_callbacks
):
    """The console gave the report up (stalled) while its worker was frozen; the worker wakes up."""
    bulk_ram_users(account, 1500)
    report = services.credential_report_generate(actor=Actor(root))  # queued: nothing runs it yet

    def give_up_first(execute, sql, params, many, context):
        if sql.startswith('UPDATE "reports_credentialreport"') and "users_done" in sql:
            CredentialReport.objects.filter(pk=report.pk).update(state="FAILED")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(give_up_first):
        services.generate_credential_report.call(report.pk)
    report.refresh_from_db()
    assert (report.state, report.content, report.generated_at) == ("FAILED", "", None)
    # And one given up before its worker ever started it is never built.
    services.generate_credential_report.call(report.pk)
    report.refresh_from_db()
    assert (report.state, report.content) == ("FAILED", "")


def test_a_report_whose_worker_is_lost_is_given_up_after_ten_minutes(
    account: Account, root: Principal, client_for, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False) as traveller:
        client = client_for(root)
        lost = services.credential_report_generate(actor=Actor(root))  # on_commit never runs: no worker
        page = client.get(PAGE)
        assert page.context["state"] == "STARTED"
        assert b'id="credential-report-progress"' in page.content and b"report-progress.js" in page.content
        assert "Waiting for the report worker to start." in page.content.decode()

        traveller.shift(STALLED_AFTER - timedelta(seconds=1))
        assert json.loads(client.get(PROGRESS).content)["state"] == "STARTED"
        assert client.get(reverse("accounts:overview")).context["credential_report_state"] == "STARTED"
        assert services.credential_report_generate(actor=Actor(root)).pk == lost.pk  # still waited for

        traveller.shift(timedelta(seconds=1))
        assert json.loads(client.get(PROGRESS).content)["state"] == "FAILED"
        assert client.get(reverse("accounts:overview")).context["credential_report_state"] == "FAILED"
        page = client.get(PAGE).content.decode()
        assert 'id="report-failed"' in page and "credential-report-progress" not in page
        assert client.get(DOWNLOAD)["Location"] == PAGE

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(GENERATE)
        assert response["Location"] == PAGE
    lost.refresh_from_db()
    assert lost.state == "FAILED"
    fresh = CredentialReport.objects.exclude(pk=lost.pk).get()
    assert fresh.state == "COMPLETED" and fresh.requested_at == T0 + STALLED_AFTER


def test_the_page_shows_real_progress_and_download_later_leaves(account: Account, root: Principal, client_for):
    bulk_ram_users(account, 3)
    report = services.credential_report_generate(actor=Actor(root))
    CredentialReport.objects.filter(pk=report.pk).update(state="INPROGRESS", users_total=1234, users_done=1000)
    client = client_for(root)
    assert json.loads(client.get(PROGRESS).content) == {
        "state": "INPROGRESS",
        "label": "In progress",
        "done": 1000,
        "total": 1234,
        "text": "1,000 of 1,234 users written.",
    }
    page = client.get(PAGE).content.decode()
    assert '<progress id="report-progress-bar" class="report-progress d-block" max="1234" value="1000">' in page
    assert f'href="{reverse("accounts:overview")}">Download Later</a>' in page


def test_no_report_yet_has_no_progress(root: Principal, client_for):
    assert json.loads(client_for(root).get(PROGRESS).content) == {"state": None, "done": 0, "total": 0, "text": ""}


def test_progress_is_for_administrators_only(readonly_user: Principal, plain_user: Principal, client_for):
    for principal in (readonly_user, plain_user):
        assert client_for(principal).get(PROGRESS).status_code == 403


def test_the_download_is_a_spreadsheet_file_and_the_api_content_is_the_csv(
    account: Account, root: Principal, ram_user_factory, client_for, django_capture_on_commit_callbacks
):
    """UTF-8 with a BOM and CRLF for Excel; RAM's TRUE/FALSE/N/A in every boolean column. The API's
    Content is the same CSV without the BOM: RAM documents it as starting with `user,`."""
    user = ram_user_factory(account, "ann")
    ram_user_factory(account, "keyless", password=None)
    key_services.access_key_create(actor=Actor(root), user=user)
    _build(root, django_capture_on_commit_callbacks)
    download = client_for(root).get(DOWNLOAD)
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    body = download.content
    assert body.startswith(BOM + b"user,")
    assert body.count(b"\n") == body.count(b"\r\n") == 4  # header, root, two users
    header, *rows = csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""))
    booleans = [i for i, name in enumerate(header) if name in BOOLEAN_COLUMNS or name.endswith(("_exist", "_active"))]
    assert len(booleans) == 3 + 2 * 2
    values = {row[i] for row in rows for i in booleans}
    assert values == {"TRUE", "FALSE", "N/A"}

    stored = CredentialReport.objects.get().content
    assert body == BOM + stored.encode()


def test_two_requests_at_once_on_a_queued_report_build_one(account: Account, root: Principal):
    """Within the window, a report still queued (the worker busy elsewhere) is returned, not rebuilt."""
    first = services.credential_report_generate(actor=Actor(root))
    assert services.credential_report_generate(actor=Actor(root)).pk == first.pk
    assert CredentialReport.objects.count() == 1
