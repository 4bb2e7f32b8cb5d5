"""The Overview (the Security Check), Download Security Report and Download User Credential Report."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST, require_safe

from accounts import selectors as account_selectors
from accounts.actors import actor_of
from ramconsole.kernel import clock
from ramconsole.kernel.spreadsheet import BOM, csv_lines
from ramconsole.web.decorators import requires_account_member, requires_action, sandbox_only
from reports import checks, selectors, services
from reports.models import CredentialReport
from security import policy


def _attachment(content: str, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@requires_account_member
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    """The Overview: the Security Check (score, items, evidence) for those who may read it; the user
    count for everyone who may see the account."""
    if not policy.console_capabilities(request.user).can_view_account:
        return redirect("security:self-service")
    account = request.user.account
    context = {"account": account}
    if policy.can(request.user, "GetAccountSecurityPracticeReport"):
        now = clock.now(account)
        facts = checks.account_facts(account, now=now)
        context["ram_user_count"] = facts.users
        items = policy.security_check(facts)
        score = policy.score(items)
        context.update(
            check_items=items,
            fixable={item.key for item in items if policy.may_open_fix_page(request.user, item.fix_url_name)},
            score=score,
            evidence=checks.evidence(account, now=now),
        )
        report = selectors.latest_credential_report(account)
        if report is not None:
            context["credential_report_state"] = policy.credential_report_state(report, real_now=clock.now(None))
    else:
        context["ram_user_count"] = account_selectors.ram_user_count(account=account)
    return render(request, "reports/overview.html", context)


@requires_action("GetAccountSecurityPracticeReport")
@require_safe
def security_report(request: HttpRequest, fmt: str) -> HttpResponse:
    """Download Security Report, as CSV or JSON, with exactly the fields of PRODUCT.md §5.3."""
    account = request.user.account
    report = checks.security_report(account, now=clock.now(account))
    stamp = clock.now(account).strftime("%Y%m%d%H%M%S")
    if fmt == "json":
        return _attachment(
            json.dumps(report, indent=2),
            filename=f"security_report_{account.account_id}_{stamp}.json",
            content_type="application/json",
        )
    lines = csv_lines(checks.SECURITY_REPORT_FIELDS, [[report[f] for f in checks.SECURITY_REPORT_FIELDS]])
    return _attachment(
        "".join(lines),
        filename=f"security_report_{account.account_id}_{stamp}.csv",
        content_type="text/csv; charset=utf-8",
    )


@requires_action("GetCredentialReport")
@require_safe
def credential_report(request: HttpRequest) -> HttpResponse:
    """The state of the latest credential report: its progress while the worker builds it (the page
    follows it, static/js/report-progress.js), with Download Later; Download once completed."""
    report = selectors.latest_credential_report(request.user.account)
    context: dict[str, object] = {"report": report}
    if report is not None:
        state = policy.credential_report_state(report, real_now=clock.now(None))
        context.update(
            state=state, state_label=CredentialReport.State(state).label, progress_text=_progress_text(report, state)
        )
    return render(request, "reports/credential_report.html", context)


@requires_action("GetCredentialReport")
@require_safe
def credential_report_progress(request: HttpRequest) -> JsonResponse:
    """What the page polls while the report is built: its state and how many identities are written."""
    report = selectors.latest_credential_report(request.user.account)
    if report is None:
        return JsonResponse({"state": None, "done": 0, "total": 0, "text": ""})
    state = policy.credential_report_state(report, real_now=clock.now(None))
    return JsonResponse(
        {
            "state": state,
            "label": str(CredentialReport.State(state).label),
            "done": report.users_done,
            "total": report.users_total,
            "text": _progress_text(report, state),
        }
    )


def _progress_text(report: CredentialReport, state: str) -> str:
    if state == CredentialReport.State.STARTED:
        return gettext("Waiting for the report worker to start.")
    return ngettext(
        "%(done)s of %(total)s user written.", "%(done)s of %(total)s users written.", report.users_total
    ) % {
        "done": number_format(report.users_done, force_grouping=True),
        "total": number_format(report.users_total, force_grouping=True),
    }


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
    report = selectors.latest_credential_report(request.user.account)
    if report is None or report.state != CredentialReport.State.COMPLETED:
        return redirect("reports:credential")
    stamp = report.generated_at.strftime("%Y%m%d%H%M%S")
    return _attachment(
        BOM + report.content,
        filename=f"credential_report_{request.user.account.account_id}_{stamp}.csv",
        content_type="text/csv; charset=utf-8",
    )


@requires_action("GetAccountSecurityPracticeReport")
@sandbox_only
@require_safe
def training(request: HttpRequest) -> HttpResponse:
    """Training: exercises from the Security Check, checked off from the account's real state."""
    account = request.user.account
    facts = checks.training_facts(account, now=clock.now(account))
    scenarios = policy.training_scenarios(facts)
    context = {
        "scenarios": scenarios,
        "fixable": {s.key for s in scenarios if policy.may_open_fix_page(request.user, s.url_name)},
        "done": sum(scenario.done for scenario in scenarios),
        "score": policy.score(policy.security_check(facts.check)),
    }
    return render(request, "reports/training.html", context)
