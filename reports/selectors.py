"""Reads behind the credential report, aggregated in SQL (the Security Check's are reports/checks.py)."""

from __future__ import annotations

from django.db.models import Count, Max, Subquery

from accesskeys.models import AccessKey
from accounts.models import Account, Principal
from reports.models import CredentialReport, CredentialReportChunk


def latest_credential_report(account: Account) -> CredentialReport | None:
    """The newest report (its rows are read apart: credential_report_page)."""
    return CredentialReport.objects.filter(account=account).order_by("-requested_at", "-pk").first()


def credential_report_page(report: CredentialReport, start: int, count: int) -> str:
    """Rows start .. start + count - 1 of the report's CSV (fewer at its end), reading only the chunks
    they span, in one query whatever the report's size; a chunk the page covers whole is not split."""
    chunks = CredentialReportChunk.objects.filter(report=report)
    first = chunks.filter(first_row__lte=start).order_by("-first_row").values("first_row")[:1]
    texts = (
        chunks.filter(first_row__gte=Subquery(first), first_row__lt=start + count)
        .order_by("first_row")
        .values_list("first_row", "rows")
    )
    end = start + count
    page: list[str] = []
    for first_row, text in texts:
        if first_row >= start and first_row + text.count("\n") <= end:
            page.append(text)
        else:
            page += text.splitlines(keepends=True)[max(0, start - first_row) : end - first_row]
    return "".join(page)


def credential_identity_count(account: Account) -> int:
    """How many rows the credential report has: the root and every RAM user."""
    return 1 + Principal.objects.filter(account=account, kind=Principal.Kind.RAM_USER).count()


def credential_identity_ids(account: Account) -> tuple[int, list[int]]:
    """The report's identities: its root's id, and its RAM users' ids in order (one query, no join)."""
    root_id = Principal.objects.only("pk").get(account=account, kind=Principal.Kind.ROOT).pk
    users = Principal.objects.filter(account=account, kind=Principal.Kind.RAM_USER).order_by("pk")
    return root_id, list(users.values_list("pk", flat=True))


def max_keys_per_identity(account: Account) -> int:
    """The most keys any identity of the account holds (decides the report's extra columns)."""
    counts = (
        AccessKey.objects.filter(principal__account=account)
        .values("principal")
        .annotate(n=Count("pk"))
        .aggregate(most=Max("n"))
    )
    return counts["most"] or 0
