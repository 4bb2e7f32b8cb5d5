"""Writes of the reports app: credential report generation (at most once every four hours)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django_tasks import task

from accounts.actors import Actor
from accounts.models import Account
from ramconsole import clock
from reports import credential_csv, selectors
from reports.models import CredentialReport
from security import events, policy
from security.selectors import password_policy_of

REUSE_WINDOW = timedelta(hours=4)


@events.audited("GenerateCredentialReport")
def credential_report_generate(*, actor: Actor, now: datetime | None = None) -> CredentialReport:
    """GenerateCredentialReport: the latest report when it is younger than four hours, else a new
    one, generated in the background. The account row lock keeps two requests from generating twice."""
    policy.check_allowed(actor.principal, "GenerateCredentialReport")
    account = Account.objects.select_for_update().get(pk=actor.account.pk)
    now = now or clock.now(account)
    latest = selectors.latest_credential_report(account)
    if (
        latest is not None
        and latest.state != CredentialReport.State.FAILED
        and now - latest.requested_at < REUSE_WINDOW
    ):
        return latest
    report = CredentialReport.objects.create(account=account, requested_at=now)
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


@task()
def generate_credential_report(report_id: int) -> None:
    """The background half (a django-tasks task): build the CSV snapshot, mark the report completed."""
    report = CredentialReport.objects.select_related("account").defer("content").get(pk=report_id)
    CredentialReport.objects.filter(pk=report.pk).update(state=CredentialReport.State.INPROGRESS)
    account = report.account
    try:
        content = credential_csv.render(
            selectors.credential_identities(account),
            password_policy_of(account),
            max_keys=selectors.max_keys_per_identity(account),
        )
    except Exception:
        # Never leave a report "in progress" for four hours: mark it failed so the next request retries.
        CredentialReport.objects.filter(pk=report.pk).update(state=CredentialReport.State.FAILED)
        raise
    CredentialReport.objects.filter(pk=report.pk).update(
        state=CredentialReport.State.COMPLETED, content=content, generated_at=clock.now(account)
    )
