"""Console logon and logout: run the logon pipeline's credential steps and record each attempt."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from accounts import notices
from accounts.models import Account, LoginProfile, Principal
from accounts.services.login_profiles import send_password_expiry_notices
from mfa import remember
from ramconsole.kernel import clock
from security import events, logon, policy
from security.errors import LogonRefused
from security.models import RESULT_SUCCESS


@dataclass(frozen=True)
class LogonOutcome:
    """Credentials accepted: who, and the steps left before a session starts."""

    principal: Principal
    pending_steps: list[str]


@sensitive_variables("password")
def console_logon(
    *, logon_name: str, password: str, source_ip: str | None, remembered_tokens: dict[str, str] | None = None
) -> LogonOutcome:
    """Run the logon pipeline's credential steps and record the attempt, whatever its outcome.

    Raises LogonRefused (its code is the recorded reason, never shown to the person logging on).
    The password is checked before the transaction, with no lock held (security/logon.py); the
    identity's row is locked only to judge and count, so concurrent wrong passwords are counted one
    by one and the lock falls exactly at the limit, without queueing attempts behind each hash.
    """
    attempt = logon.LogonAttempt(logon_name=logon_name, password=password, source_ip=source_ip, now=clock.now(None))
    refusal: LogonRefused | None = None
    try:
        logon.verify(attempt)
    except LogonRefused as refused:
        _record_refused_logon(attempt, refused)
        raise
    with transaction.atomic():
        try:
            principal = logon.evaluate_credentials(attempt)
        except LogonRefused as refused:
            refusal = refused
            _record_refused_logon(attempt, refused)
        else:
            attempt.remembered = remember.claim_for(principal, remembered_tokens or {})
            steps = logon.pending_steps(attempt)
            _record_good_password(attempt)
            events.record(
                action="ConsoleLogon",
                account=principal.account,
                actor=principal,
                source_ip=source_ip,
                account_time=attempt.now,
                detail={"pending": steps} if steps else None,
            )
    if refusal is not None:
        raise refusal
    return LogonOutcome(principal=principal, pending_steps=steps)


def _record_good_password(attempt: logon.LogonAttempt) -> None:
    """The right password, accepted: clear the failure counters, upgrade an outdated hash."""
    principal, profile = attempt.principal, attempt.profile
    principal.last_login = attempt.now
    fields = ["last_login"]
    if attempt.hash_outdated:
        principal.set_password(attempt.password)
        fields.append("password")
    principal.save(update_fields=fields)
    if principal.is_root and (principal.account.root_failed_logon_count or principal.account.root_locked_until):
        Account.objects.filter(pk=principal.account.pk).update(
            root_failed_logon_count=0, root_last_failed_logon_at=None, root_locked_until=None
        )
    if profile is not None:
        if profile.failed_logon_count or profile.locked_until:
            LoginProfile.objects.filter(pk=profile.pk).update(failed_logon_count=0, locked_until=None)
        send_password_expiry_notices([profile], attempt.policy, now=attempt.now)


def _record_refused_logon(attempt: logon.LogonAttempt, refusal: LogonRefused) -> None:
    known = attempt.principal
    account = known.account if known else None
    detail = {}
    if refusal.code == logon.REASON_WRONG_PASSWORD and attempt.profile is not None:
        failed = policy.after_wrong_password(attempt.profile, attempt.policy, now=attempt.now)
        LoginProfile.objects.filter(pk=attempt.profile.pk).update(
            failed_logon_count=failed.failed_logon_count, locked_until=failed.locked_until
        )
        detail = {"failed_logon_count": failed.failed_logon_count, "locked": failed.locked_until is not None}
    elif refusal.code == logon.REASON_WRONG_PASSWORD and known.is_root:
        failed = policy.after_root_wrong_password(account, now=attempt.now)
        Account.objects.filter(pk=account.pk).update(
            root_failed_logon_count=failed.failed_logon_count,
            root_last_failed_logon_at=attempt.now,
            root_locked_until=failed.locked_until,
        )
        detail = {"failed_logon_count": failed.failed_logon_count, "locked": failed.locked_until is not None}
        if failed.locked_until is not None:
            notices.root_logon_locked(
                root=known, failed=failed.failed_logon_count, until=failed.locked_until, at=attempt.now
            )
    events.record(
        action="ConsoleLogon",
        account=account,
        actor=known if account else None,
        actor_name=attempt.logon_name[:255],
        source_ip=attempt.source_ip,
        result=refusal.code,
        detail=detail,
        account_time=attempt.now,
    )


def console_logout(*, principal: Principal, source_ip: str | None, reason: str = RESULT_SUCCESS) -> None:
    """Record a logout; `reason` says why when the console ended the session itself."""
    events.record(
        action="ConsoleLogout",
        result=reason,
        account=principal.account,
        actor=principal,
        source_ip=source_ip,
        account_time=clock.now(principal.account),
    )
