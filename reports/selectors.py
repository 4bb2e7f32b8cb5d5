"""Reads behind the credential report, aggregated in SQL (the Security Check's are reports/checks.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from django.db.models import Count, Max, Subquery, TextField
from django.db.models.functions import Cast

from accesskeys.models import AccessKey
from accounts.models import Account, Principal
from ramconsole.kernel import clock
from reports.models import CredentialReport, CredentialReportChunk


def latest_credential_report(account: Account) -> CredentialReport | None:
    """The newest report (its rows are read apart: credential_report_rows)."""
    return CredentialReport.objects.filter(account=account).order_by("-requested_at", "-pk").first()


def credential_report_rows(report: CredentialReport, start: int, count: int) -> list[str]:
    """Rows start .. start + count - 1 of the report's CSV (fewer at its end), reading only the chunks
    they span: one query, whatever the report's size."""
    chunks = CredentialReportChunk.objects.filter(report=report)
    first = chunks.filter(first_row__lte=start).order_by("-first_row").values("first_row")[:1]
    texts = (
        chunks.filter(first_row__gte=Subquery(first), first_row__lt=start + count)
        .order_by("first_row")
        .values_list("first_row", "rows")
    )
    rows: list[str] = []
    for first_row, text in texts:
        skip = max(0, start - first_row)
        rows += text.splitlines(keepends=True)[skip : skip + count - len(rows)]
    return rows


# Times in the credential report are UTC text, `YYYY-MM-DDThh:mm:ssZ` (None = never).
UtcText = str


# Named tuples, not dataclasses: one is built per identity and per key, and a frozen dataclass's
# constructor costs about three times a named tuple's (timeit, nine fields).
class KeyFacts(NamedTuple):
    status: str
    created_at: UtcText
    last_used_at: UtcText | None


class IdentityRow(NamedTuple):
    """What the credential report says of one identity."""

    name: str
    created_at: UtcText
    last_logon: UtcText | None
    is_root: bool
    has_profile: bool
    console_enabled: bool
    password_changed_at: UtcText | None
    mfa_active: bool
    keys: list[KeyFacts]


def _as_text(field: str) -> Cast:
    """The database's own text of a stored UTC time: parsing 500,000 datetimes in Python is most of
    a large report's time, and the report only prints them."""
    return Cast(field, output_field=TextField())


def _utc_text(raw: str | None) -> UtcText | None:
    """`2030-01-02 03:04:05[.ffffff][+00]` (SQLite or PostgreSQL text) → `2030-01-02T03:04:05Z`."""
    return f"{raw[:10]}T{raw[11:19]}Z" if raw else None


_KEY_FIELDS = ("principal_id", "status", "created_text", "last_used_text")
_KEY_ANNOTATIONS = {"created_text": _as_text("created_at"), "last_used_text": _as_text("last_used_at")}


_USER_FIELDS = (
    "pk",
    "name",
    "created_text",
    "last_login_text",
    "login_profile__pk",
    "login_profile__console_password_enabled",
    "changed_text",
    "mfa_device__pk",
)
_USER_ANNOTATIONS = {
    "created_text": _as_text("created_at"),
    "last_login_text": _as_text("last_login"),
    "changed_text": _as_text("login_profile__password_changed_at"),
}


def credential_identity_count(account: Account) -> int:
    """How many rows the credential report has: the root and every RAM user."""
    return 1 + Principal.objects.filter(account=account, kind=Principal.Kind.RAM_USER).count()


# RAM users read per query. Each batch is read whole before its rows are handed out, so no cursor
# stays open while the worker writes its progress: on SQLite an open read pins its snapshot, and
# the progress write would be refused ("database is locked") once anyone else had written.
IDENTITY_BATCH = 5000


def credential_identities(account: Account) -> Iterator[IdentityRow]:
    """The root, then every RAM user in creation order: two queries per 5,000 users, streamed.

    Users and keys are read as plain tuples in owner order and merged, so memory stays flat and no
    model instance is built per row (at 100,000 users that is most of the time).
    """
    root = Principal.objects.select_related("account__domain_alias", "mfa_device").get(
        account=account, kind=Principal.Kind.ROOT
    )
    domain = root.account.logon_domain
    keys = AccessKey.objects.annotate(**_KEY_ANNOTATIONS).order_by("principal_id", "created_at", "pk")
    root_keys = [
        KeyFacts(k[1], _utc_text(k[2]), _utc_text(k[3])) for k in keys.filter(principal=root).values_list(*_KEY_FIELDS)
    ]
    yield IdentityRow(
        name="<root>",
        created_at=clock.utc_text(root.created_at),
        last_logon=clock.utc_text(root.last_login),
        is_root=True,
        has_profile=True,
        console_enabled=True,
        password_changed_at=None,
        mfa_active=hasattr(root, "mfa_device"),
        keys=root_keys,
    )
    ram_users = Principal.objects.filter(account=account, kind=Principal.Kind.RAM_USER).order_by("pk")
    users = ram_users.annotate(**_USER_ANNOTATIONS).values_list(*_USER_FIELDS)
    # The users' ids first (one query, no join): each batch then reads an id range, and the keys by
    # their owner's id range alone, so that each query reads the batch's rows only, whatever the
    # plan: without statistics (a bulk import, no ANALYZE yet) PostgreSQL joined every remaining
    # user, for every batch, before keeping 5,000.
    ids = list(ram_users.values_list("pk", flat=True))
    for start in range(0, len(ids), IDENTITY_BATCH):
        first, last = ids[start], ids[min(start + IDENTITY_BATCH, len(ids)) - 1]
        batch = list(users.filter(pk__gte=first, pk__lte=last))
        own_keys: dict[int, list[KeyFacts]] = {}
        # Keys of other accounts' principals created in between are in the range too; only the
        # batch's own owners are looked up below.
        batch_keys = keys.filter(principal_id__gte=first, principal_id__lte=last).values_list(*_KEY_FIELDS)
        for owner, status, created, last_used in batch_keys:
            own_keys.setdefault(owner, []).append(KeyFacts(status, _utc_text(created), _utc_text(last_used)))
        for pk, name, created_at, last_login, profile_pk, console_enabled, changed_at, device_pk in batch:
            yield IdentityRow(
                name=f"{name}@{domain}",
                created_at=_utc_text(created_at),
                last_logon=_utc_text(last_login),
                is_root=False,
                has_profile=profile_pk is not None,
                console_enabled=bool(console_enabled),
                password_changed_at=_utc_text(changed_at),
                mfa_active=device_pk is not None,
                keys=own_keys.get(pk, []),
            )


def max_keys_per_identity(account: Account) -> int:
    """The most keys any identity of the account holds (decides the report's extra columns)."""
    counts = (
        AccessKey.objects.filter(principal__account=account)
        .values("principal")
        .annotate(n=Count("pk"))
        .aggregate(most=Max("n"))
    )
    return counts["most"] or 0
