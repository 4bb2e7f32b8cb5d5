"""IMS report actions (RAM-API.md §7.9, 7.10)."""

from __future__ import annotations

import base64
from typing import Any

from accounts import selectors as account_selectors
from mfa import selectors as mfa_selectors
from ramconsole.gateway.actions import IMS, INTEGER, ApiCall, Param, format_date, register
from ramconsole.kernel import clock
from reports import checks, selectors, services
from reports.models import CredentialReport
from security import policy
from security.errors import EntityNotExist, InvalidParameter
from security.ranges import CREDENTIAL_REPORT_MAX_ITEMS


@register("GenerateCredentialReport", versions=(IMS,), params=())
def generate_credential_report(call: ApiCall) -> dict[str, Any]:
    report = services.credential_report_generate(actor=call.actor)
    report.refresh_from_db()
    return {"State": report.state}


@register(
    "GetCredentialReport",
    versions=(IMS,),
    params=(
        Param(
            "MaxItems",
            INTEGER,
            default=CREDENTIAL_REPORT_MAX_ITEMS,
            range=(1, CREDENTIAL_REPORT_MAX_ITEMS),
        ),
        Param("NextToken"),
    ),
)
def get_credential_report(call: ApiCall) -> dict[str, Any]:
    """Content is Base64 of the CSV; MaxItems/NextToken page it by lines (header repeated)."""
    max_items = call.values["MaxItems"]
    report = selectors.latest_credential_report(call.account)
    if report is None or report.state != CredentialReport.State.COMPLETED:
        raise EntityNotExist("The credential report does not exist.", code="EntityNotExist.CredentialReport")
    token = call.values["NextToken"] or "0"
    # A token this server issued: a line offset. str.isdigit() alone also passes "²", which int()
    # refuses, and int() refuses more than 4,300 digits.
    if not (token.isascii() and token.isdigit() and len(token) <= 9):
        raise InvalidParameter('The parameter - "NextToken" is invalid.', code="InvalidParameter.NextToken")
    start = int(token)
    page = selectors.credential_report_page(report, start, max_items)
    truncated = start + max_items < report.users_total  # its rows, once completed
    return {
        "Content": base64.b64encode((report.header + page).encode()).decode(),
        "GeneratedTime": format_date(report.generated_at),
        "IsTruncated": "true" if truncated else "false",
        "NextToken": str(start + max_items) if truncated else "",
    }


@register("GetAccountSecurityPracticeReport", versions=(IMS,), params=())
def get_account_security_practice_report(call: ApiCall) -> dict[str, Any]:
    report = checks.security_report(call.account, now=clock.now(call.account))
    score = report.pop("Score")
    return {"AccountSecurityPracticeInfo": {"Score": score, "AccountSecurityPracticeUserInfo": report}}


@register("GetAccountSummary", versions=(IMS,), params=())
def get_account_summary(call: ApiCall) -> dict[str, Any]:
    """Every SummaryMap field the SDK models: the counts of what this sandbox has (it has no groups,
    roles or custom policies), then the quotas from the policy layer."""
    devices = mfa_selectors.devices_of(call.account)
    counts = {
        "Users": account_selectors.ram_user_count(account=call.account),
        "Groups": 0,
        "Roles": 0,
        "Policies": 0,
        "MFADevices": devices.count(),
        "MFADevicesInUse": devices.filter(principal__isnull=False).count(),
    }
    return {"SummaryMap": {**counts, **policy.ACCOUNT_SUMMARY_QUOTAS}}
