"""Download Security Report and Download User Credential Report."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from accounts.actors import actor_of
from ramconsole import clock
from ramconsole.decorators import requires_action, sandbox_only
from ramconsole.spreadsheet import csv_lines
from reports import selectors, services
from reports.models import CredentialReport
from security import policy


def _attachment(content: str, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@requires_action("GetAccountSecurityPracticeReport")
@require_safe
def security_report(request: HttpRequest, fmt: str) -> HttpResponse:
    """Download Security Report, as CSV or JSON, with exactly the fields of PRODUCT.md §5.3."""
    account = request.user.account
    report = selectors.security_report(account, now=clock.now(account))
    stamp = clock.now(account).strftime("%Y%m%d%H%M%S")
    if fmt == "json":
        return _attachment(
            json.dumps(report, indent=2),
            filename=f"security_report_{account.account_id}_{stamp}.json",
            content_type="application/json",
        )
    lines = csv_lines(selectors.SECURITY_REPORT_FIELDS, [[report[f] for f in selectors.SECURITY_REPORT_FIELDS]])
    return _attachment(
        "".join(lines), filename=f"security_report_{account.account_id}_{stamp}.csv", content_type="text/csv"
    )


@requires_action("GetCredentialReport")
@require_safe
def credential_report(request: HttpRequest) -> HttpResponse:
    """The state of the latest credential report, with Download or Download Later."""
    report = selectors.latest_credential_report(request.user.account)
    return render(request, "reports/credential_report.html", {"report": report})


@requires_action("GenerateCredentialReport")
@require_POST
def credential_report_generate(request: HttpRequest) -> HttpResponse:
    """Download User Credential Report: the latest if younger than four hours, else a new one."""
    report = services.credential_report_generate(actor=actor_of(request))
    report.refresh_from_db()
    if report.state == CredentialReport.State.COMPLETED:
        return redirect("reports:credential-download")
    return redirect("reports:credential")


@requires_action("GetCredentialReport")
@require_safe
def credential_report_download(request: HttpRequest) -> HttpResponse:
    report = selectors.latest_credential_report(request.user.account, with_content=True)
    if report is None or report.state != CredentialReport.State.COMPLETED:
        return redirect("reports:credential")
    stamp = report.generated_at.strftime("%Y%m%d%H%M%S")
    return _attachment(
        report.content,
        filename=f"credential_report_{request.user.account.account_id}_{stamp}.csv",
        content_type="text/csv; charset=utf-8",
    )


@requires_action("GetAccountSecurityPracticeReport")
@sandbox_only
@require_safe
def training(request: HttpRequest) -> HttpResponse:
    """Training: exercises from the Security Check, checked off from the account's real state."""
    account = request.user.account
    facts = selectors.training_facts(account, now=clock.now(account))
    scenarios = policy.training_scenarios(facts)
    context = {
        "scenarios": scenarios,
        "done": sum(scenario.done for scenario in scenarios),
        "score": policy.score(policy.security_check(facts.check)),
    }
    return render(request, "reports/training.html", context)
