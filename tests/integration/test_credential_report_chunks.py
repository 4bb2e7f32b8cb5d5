"""The credential report stored in row chunks (issue 20): every page is the slice of the whole CSV it
always was, read with the same few queries whatever the report's size."""

from __future__ import annotations

import base64
import importlib

import pytest
from django.apps import apps as installed_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accesskeys import services as key_services
from accounts import selectors as account_selectors
from accounts.actors import Actor
from accounts.models import Account, Principal
from ramconsole.gateway.actions import IMS, ApiCall
from reports import rpc, services
from reports.models import CredentialReport, CredentialReportChunk
from tests.bulk import bulk_ram_users


def _page(root: Principal, max_items: int, token: str = "") -> dict:
    values = {"MaxItems": max_items, "NextToken": token}
    return rpc.get_credential_report(
        ApiCall(version=IMS, action="GetCredentialReport", params={}, actor=Actor(root), values=values)
    )


def _split_page(content: str, start: int, max_items: int) -> tuple[str, bool]:
    """The page as GetCredentialReport cut it from the whole CSV before the chunks."""
    header, *rows = content.splitlines(keepends=True)
    return header + "".join(rows[start : start + max_items]), start + max_items < len(rows)


@pytest.fixture
def report(
    account: Account, root: Principal, django_capture_on_commit_callbacks, monkeypatch: pytest.MonkeyPatch
) -> CredentialReport:
    monkeypatch.setattr(services, "ROWS_PER_CHUNK", 500)  # a page then spans chunks, or parts of them
    bulk_ram_users(account, 1234)  # the root and 1,234 users: three chunks, the last one short
    with django_capture_on_commit_callbacks(execute=True):
        built = services.credential_report_generate(actor=Actor(root))
    built.refresh_from_db()
    return built


def test_the_rows_are_stored_in_chunks(report: CredentialReport):
    chunks = list(report.chunks.order_by("first_row").values_list("first_row", "rows"))
    assert [first for first, _ in chunks] == [0, 500, 1000]
    assert [text.count("\r\n") for _, text in chunks] == [500, 500, 235]
    assert report.header.startswith("user,") and report.header.count("\r\n") == 1
    assert report.content == report.header + "".join(text for _, text in chunks)


@pytest.mark.parametrize(
    ("start", "max_items"),
    [(0, 3501), (0, 1), (499, 2), (500, 500), (1, 999), (1234, 1), (1234, 5), (1235, 3), (9999, 10), (3, 1232)],
)
def test_every_page_is_the_slice_of_the_whole_csv(report: CredentialReport, root: Principal, start, max_items):
    page = _page(root, max_items, str(start) if start else "")
    expected, truncated = _split_page(report.content, start, max_items)
    assert base64.b64decode(page["Content"]).decode() == expected
    assert page["IsTruncated"] == ("true" if truncated else "false")
    assert page["NextToken"] == (str(start + max_items) if truncated else "")


def test_a_page_costs_the_same_queries_at_any_offset(report: CredentialReport, root: Principal):
    def queries(token: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            _page(root, 3501 if not token else 10, token)
        return len(captured)

    assert queries("") == queries("1000") == queries("5") == 2  # the report, then its chunks


def test_the_migration_splits_a_report_stored_whole(report: CredentialReport):
    whole = report.content
    CredentialReportChunk.objects.all().delete()
    CredentialReport.objects.filter(pk=report.pk).update(header=whole)
    migration = importlib.import_module("reports.migrations.0005_credential_report_chunks")
    migration.split_stored_reports(installed_apps, None)
    report.refresh_from_db()
    assert report.content == whole and report.chunks.count() == 3
    migration.join_stored_reports(installed_apps, None)
    assert CredentialReport.objects.get(pk=report.pk).header == whole


def test_users_of_another_account_created_in_between_stay_out(
    account: Account, root: Principal, account_factory, ram_user_factory, django_capture_on_commit_callbacks
):
    """A batch reads keys by their owners' id range: another account's users interleaved with this
    one's (and their keys) never reach its report."""
    other = account_factory(alias="other")
    other_root = account_selectors.root_of(other)
    for n in range(3):
        for prefix, owner_account, owner_root in (("a", account, root), ("b", other, other_root)):
            user = ram_user_factory(owner_account, f"{prefix}{n}")
            key_services.access_key_create(actor=Actor(owner_root), user=user)
    with django_capture_on_commit_callbacks(execute=True):
        services.credential_report_generate(actor=Actor(root))
    rows = [line.split(",") for line in CredentialReport.objects.get(account=account).content.splitlines()[1:]]
    assert [row[0] for row in rows] == ["<root>"] + [f"a{n}@acme.onaliyun.com" for n in range(3)]
    assert [(row[8], row[12]) for row in rows[1:]] == [("TRUE", "FALSE")] * 3  # one key each, theirs
