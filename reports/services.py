"""Writes of the reports app: credential report generation (at most once every four hours)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from datetime import datetime
from functools import partial

from django.db import connection, transaction
from django_tasks import task

from accounts.actors import Actor
from accounts.models import Account, Principal
from ramconsole.kernel import clock
from reports import credential_csv, selectors
from reports.models import CredentialReport, CredentialReportChunk
from security import events, policy
from security.ranges import CREDENTIAL_REPORT_MAX_ITEMS
from security.selectors import password_policy_of

# Rows per stored chunk, and per SELECT that renders them: a page of GetCredentialReport at its
# default (and largest) MaxItems is one chunk, read whole. The build writes its progress after each.
ROWS_PER_CHUNK = CREDENTIAL_REPORT_MAX_ITEMS
# A report of up to three chunks (~0.1 s to build) is built by the request that asks for it, and
# answered COMPLETED at once; a larger one is queued for the report worker, which shows its progress.
BUILT_BY_THE_REQUEST = 3 * ROWS_PER_CHUNK
# Chunks rendered at once on PostgreSQL, each thread on its own connection, so each SELECT in its own
# server process (100,000 users: 2.0-2.5 s with one, 1.5-1.75 s with two, on two cores). Not on
# SQLite: two threads there took as long, for twice the CPU.
PARALLEL_CHUNKS = 2


@events.audited("GenerateCredentialReport")
def credential_report_generate(*, actor: Actor, now: datetime | None = None) -> CredentialReport:
    """GenerateCredentialReport: the latest report when it is younger than four hours, else a new
    one, built once this transaction commits: by this request when it is small, else by the report
    worker. The account row lock keeps two requests from generating twice."""
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
    if selectors.credential_identity_count(account) <= BUILT_BY_THE_REQUEST:
        # robust: a build that fails has marked its report FAILED; the request still answers.
        transaction.on_commit(lambda: build_credential_report(report.pk), robust=True)
    else:
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


# A chunk's identities: (kind, first id, last id) ranges, rendered in turn.
ChunkSpec = list[tuple[str, int, int]]


def _chunk_specs(account: Account) -> list[ChunkSpec]:
    """The report's chunks: the root and ROWS_PER_CHUNK - 1 users, then ROWS_PER_CHUNK users each."""
    root_id, user_ids = selectors.credential_identity_ids(account)
    specs = [[(Principal.Kind.ROOT, root_id, root_id)]]
    if first_users := user_ids[: ROWS_PER_CHUNK - 1]:
        specs[0].append((Principal.Kind.RAM_USER, first_users[0], first_users[-1]))
    for start in range(ROWS_PER_CHUNK - 1, len(user_ids), ROWS_PER_CHUNK):
        users = user_ids[start : start + ROWS_PER_CHUNK]
        specs.append([(Principal.Kind.RAM_USER, users[0], users[-1])])
    return specs


def _rendered_in_order(render: Callable[[ChunkSpec], list[str]], specs: list[ChunkSpec]) -> Iterator[list[str]]:
    """Each chunk's lines, in order; on PostgreSQL PARALLEL_CHUNKS rendered at once. Inside a transaction (a test's)
    other connections would not see its rows: there, one chunk after the other."""
    if connection.vendor != "postgresql" or connection.in_atomic_block or len(specs) < 2:
        yield from map(render, specs)
        return
    results = [Future() for _ in specs]
    stop = threading.Event()

    def work(offset: int) -> None:
        try:
            for n in range(offset, len(specs), PARALLEL_CHUNKS):
                if stop.is_set():
                    return
                try:
                    results[n].set_result(render(specs[n]))
                except BaseException as error:  # handed to the writer, which raises it
                    results[n].set_exception(error)
                    return
        finally:
            connection.close()  # this thread's own

    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(PARALLEL_CHUNKS)]
    for thread in threads:
        thread.start()
    try:
        for result in results:
            yield result.result()
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def _write_chunks(report_id: int, account: Account, max_keys: int) -> int:
    """Render and store the rows, ROWS_PER_CHUNK at a time (the root first, then the RAM users in
    id order), writing the progress after each chunk; how many rows there are."""
    lines = partial(
        credential_csv.lines,
        account_id=account.pk,
        domain=account.logon_domain,
        validity=policy.password_validity(password_policy_of(account)),
        max_keys=max_keys,
    )

    def render(spec: ChunkSpec) -> list[str]:
        return [line for kind, first, last in spec for line in lines(kind=kind, ids=(first, last))]

    done = 0
    for rows in _rendered_in_order(render, _chunk_specs(account)):
        if rows:  # else every user of its range was deleted meanwhile
            CredentialReportChunk.objects.create(report_id=report_id, first_row=done, rows="".join(rows))
            done += len(rows)
            _progress(report_id, users_done=done)
    return done


def build_credential_report(report_id: int) -> None:
    """Build the CSV snapshot, writing its progress, and mark the report completed."""
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
        rows = _write_chunks(report.pk, account, max_keys)
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


@task()
def generate_credential_report(report_id: int) -> None:
    """The background build (a django-tasks task, run by `manage.py db_worker` under `make run` and
    `make serve`) of a report too large for its request."""
    build_credential_report(report_id)
