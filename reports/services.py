"""Writes of the reports app: credential report generation (at most once every four hours)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import islice

from django.db import transaction
from django_tasks import task

from accounts.actors import Actor
from accounts.models import Account
from ramconsole.kernel import clock
from reports import credential_csv, selectors
from reports.models import CredentialReport, CredentialReportChunk
from security import events, policy
from security.selectors import password_policy_of

# The worker writes how far it has come every this many identities (a few times a second at the
# build's pace): the page's progress, and the sign of life a stalled build is told apart by.
PROGRESS_EVERY = 1000
# Rows stored together (PROGRESS_EVERY is a multiple): a page of GetCredentialReport (up to 3,501
# rows) reads at most nine chunks.
ROWS_PER_CHUNK = 500


@events.audited("GenerateCredentialReport")
def credential_report_generate(*, actor: Actor, now: datetime | None = None) -> CredentialReport:
    """GenerateCredentialReport: the latest report when it is younger than four hours, else a new
    one, generated in the background. The account row lock keeps two requests from generating twice."""
    policy.check_allowed(actor.principal, "GenerateCredentialReport")
    account = Account.objects.select_for_update().get(pk=actor.account.pk)
    now = now or clock.now(account)
    real_now = clock.now(None)
    latest = selectors.latest_credential_report(account)
    if latest is not None:
        if policy.credential_report_reusable(latest, now=now, real_now=real_now):
            return latest
        if policy.credential_report_stalled(latest, real_now=real_now):
            # Given up: its worker, should it ever come back, stops at its next progress write.
            CredentialReport.objects.filter(pk=latest.pk).update(state=CredentialReport.State.FAILED)
    report = CredentialReport.objects.create(account=account, requested_at=now, progress_at=real_now)
    transaction.on_commit(lambda: generate_credential_report.enqueue(report.pk))
    events.record(
        action="GenerateCredentialReport",
        account=account,
        actor=actor.principal,
        actor_name=actor.display_name,
        source_ip=actor.source_ip,
        target=account.account_id,
        account_time=now,
    )
    return report


class _GivenUp(Exception):
    """The report is no longer in progress (given up as stalled): stop building it."""


def _progress(report_id: int, **fields: object) -> None:
    written = CredentialReport.objects.filter(pk=report_id, state=CredentialReport.State.INPROGRESS).update(
        progress_at=clock.now(None), **fields
    )
    if not written:
        raise _GivenUp


def _write_chunks(report_id: int, lines: Iterator[str]) -> int:
    """Store the rows in chunks of ROWS_PER_CHUNK as they are rendered, writing the progress every
    PROGRESS_EVERY; how many rows there are."""
    chunks: list[CredentialReportChunk] = []
    done = 0
    while batch := list(islice(lines, ROWS_PER_CHUNK)):
        chunks.append(CredentialReportChunk(report_id=report_id, first_row=done, rows="".join(batch)))
        done += len(batch)
        if done % PROGRESS_EVERY == 0:
            CredentialReportChunk.objects.bulk_create(chunks)
            chunks.clear()
            _progress(report_id, users_done=done)
    CredentialReportChunk.objects.bulk_create(chunks)
    return done


@task()
def generate_credential_report(report_id: int) -> None:
    """The background half (a django-tasks task, run by `manage.py db_worker` under `make run` and
    `make serve`): build the CSV snapshot, writing its progress, and mark the report completed."""
    report = CredentialReport.objects.select_related("account").get(pk=report_id)
    account = report.account
    # Claimed once: a report given up (or already built) is not built again.
    claimed = CredentialReport.objects.filter(pk=report.pk, state=CredentialReport.State.STARTED).update(
        state=CredentialReport.State.INPROGRESS,
        users_total=selectors.credential_identity_count(account),
        progress_at=clock.now(None),
    )
    if not claimed:
        return
    max_keys = selectors.max_keys_per_identity(account)
    try:
        identities = selectors.credential_identities(account)
        lines = credential_csv.lines(identities, password_policy_of(account), max_keys=max_keys)
        rows = _write_chunks(report.pk, lines)
    except _GivenUp:
        CredentialReportChunk.objects.filter(report_id=report.pk).delete()
        return
    except Exception:
        # Never leave a report "in progress" for four hours: mark it failed so the next request retries.
        CredentialReport.objects.filter(pk=report.pk).update(state=CredentialReport.State.FAILED)
        CredentialReportChunk.objects.filter(report_id=report.pk).delete()
        raise
    CredentialReport.objects.filter(pk=report.pk, state=CredentialReport.State.INPROGRESS).update(
        state=CredentialReport.State.COMPLETED,
        header=credential_csv.header_line(max_keys),
        generated_at=clock.now(account),
        users_total=rows,
        users_done=rows,
        progress_at=clock.now(None),
    )
