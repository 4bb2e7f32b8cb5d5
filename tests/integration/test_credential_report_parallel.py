"""The credential report built outside any transaction, as the report worker and a request build it:
on PostgreSQL its chunks are rendered two at a time on their own connections (reports.services
PARALLEL_CHUNKS), and must come out exactly as one connection renders them, in order."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import transaction

from accesskeys import services as key_services
from accounts.actors import Actor
from accounts.models import Account, Principal
from reports import credential_csv, services
from reports.models import CredentialReport, CredentialReportChunk
from tests.bulk import bulk_ram_users

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def account_of_300(account: Account, root: Principal, monkeypatch: pytest.MonkeyPatch) -> Account:
    monkeypatch.setattr(services, "ROWS_PER_CHUNK", 50)  # seven chunks
    bulk_ram_users(account, 300)
    for user in Principal.objects.filter(account=account, kind=Principal.Kind.RAM_USER).order_by("pk")[:120:7]:
        key_services.access_key_create(actor=Actor(root), user=user)
    return account


def _built_in_one_connection(account: Account) -> str:
    """The same account's report rendered inside a transaction: one chunk after the other."""
    report = CredentialReport.objects.create(account=account)
    with transaction.atomic():
        services.build_credential_report(report.pk)
    report.refresh_from_db()
    return report.content


def test_chunks_rendered_in_parallel_are_stored_in_order(account_of_300: Account, root: Principal):
    report = services.credential_report_generate(actor=Actor(root))  # built once it commits
    report.refresh_from_db()
    assert report.state == "COMPLETED" and report.users_total == 301
    firsts = list(report.chunks.order_by("first_row").values_list("first_row", flat=True))
    assert firsts == [0, 50, 100, 150, 200, 250, 300]
    rows = report.content.splitlines()[1:]
    names = list(
        Principal.objects.filter(account=account_of_300, kind=Principal.Kind.RAM_USER)
        .order_by("pk")
        .values_list("name", flat=True)
    )
    assert [row.split(",")[0] for row in rows] == ["<root>"] + [f"{name}@acme.onaliyun.com" for name in names]
    assert report.content == _built_in_one_connection(account_of_300)


def test_a_chunk_that_fails_fails_the_report_and_leaves_no_chunk(
    account_of_300: Account, root: Principal, monkeypatch: pytest.MonkeyPatch
):
    users = Principal.objects.filter(account=account_of_300, kind=Principal.Kind.RAM_USER).order_by("pk")
    third_chunk_starts_at = users.values_list("pk", flat=True)[99]  # the root and 49 users, then 50
    rendered = credential_csv.lines

    def third_fails(**kwargs: Any) -> list[str]:
        if kwargs["ids"][0] == third_chunk_starts_at:
            raise RuntimeError("the database went away")
        return rendered(**kwargs)

    monkeypatch.setattr(credential_csv, "lines", third_fails)
    threads = threading.active_count()
    report = services.credential_report_generate(actor=Actor(root))  # robust: the request still answers
    report.refresh_from_db()
    assert report.state == "FAILED"
    assert not CredentialReportChunk.objects.filter(report=report).exists()
    assert threading.active_count() == threads  # the rendering threads have ended
