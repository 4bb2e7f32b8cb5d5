"""Verify Identity (root): by MFA code, emailed code or password; sending and checking emailed codes."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from accounts import notices
from accounts.actors import Actor
from accounts.models import Principal, VerificationCode
from accounts.services.hashing import hashed_ahead
from mfa import services as mfa_services
from ramconsole.kernel import clock
from security import events, policy
from security.errors import RamError


@sensitive_variables("password", "code", "email_code")
def root_identity_verify(
    *, actor: Actor, password: str | None = None, code: str | None = None, email_code: str | None = None
) -> datetime:
    """Verify Identity (root): a current MFA code, a code sent by email, or the current password.
    Returns when it was verified."""
    policy.check_allowed(actor.principal, "VerifyIdentity")
    # Codes are checked (and their failures counted) outside the transaction below, so a wrong code counts.
    if code is not None:
        mfa_services.mfa_code_verify(principal=actor.principal, code=code, source_ip=actor.source_ip)
        method = "mfa"
    elif email_code is not None:
        _email_code_verify(principal=actor.principal, code=email_code, source_ip=actor.source_ip)
        method = "email"
    else:
        method = "password"
    return _root_identity_record(actor=actor, password=password, method=method)


@hashed_ahead(old="password")
@events.audited("VerifyIdentity")
@sensitive_variables("password")
def _root_identity_record(*, actor: Actor, password: str | None, method: str) -> datetime:
    now = clock.now(actor.account)
    if method == "password" and not actor.principal.check_password(password or ""):
        raise RamError(_("The password is incorrect."), code="InvalidParameter.Password.Incorrect", field="password")
    events.record_by(actor, "VerifyIdentity", actor.principal.email, now, detail={"method": method})
    return now


EMAIL_CODE_PURPOSE = "VerifyIdentity"


def _email_code_hash(code: str) -> str:
    return salted_hmac("ramconsole.email-verification-code", code, algorithm="sha256").hexdigest()


@events.audited("SendVerificationCode")
def verification_code_send(*, actor: Actor) -> datetime:
    """Verify Identity, by email: a new one-time code to the root's email (the Outbox in the sandbox).
    It replaces any code sent before. Returns when it was sent."""
    policy.check_allowed(actor.principal, "SendVerificationCode")
    root = Principal.objects.select_for_update().get(pk=actor.principal.pk)  # one send at a time
    now = clock.now(actor.account)
    codes = VerificationCode.objects.filter(principal=root, purpose=EMAIL_CODE_PURPOSE)
    last = codes.order_by("-sent_at").first()
    policy.check_email_code_may_be_sent(last.sent_at if last else None, now=now)
    codes.filter(used_at__isnull=True).update(used_at=now)
    code = policy.generate_email_code()
    VerificationCode.objects.create(
        principal=root, purpose=EMAIL_CODE_PURPOSE, code_hash=_email_code_hash(code), sent_at=now
    )
    notices.verification_code(
        principal=root,
        code=code,
        purpose=_("Verify Identity"),  # lazy: read in the recipient's language
        valid_minutes=int(policy.EMAIL_CODE_TTL.total_seconds() // 60),
        at=now,
    )
    events.record_by(actor, "SendVerificationCode", root.email, now)
    return now


@sensitive_variables("code")
def _email_code_verify(*, principal: Principal, code: str, source_ip: str | None) -> None:
    """Accept the newest emailed code once; a refusal commits its failure count and event first."""
    refusal: RamError | None = None
    with transaction.atomic():
        sent = (
            VerificationCode.objects.select_for_update()
            .filter(principal=principal, purpose=EMAIL_CODE_PURPOSE)
            .order_by("-sent_at", "-id")
            .first()
        )
        now = clock.now(principal.account)
        matches = sent is not None and constant_time_compare(sent.code_hash, _email_code_hash(code))
        try:
            policy.check_email_code(sent, matches=matches, now=now)
        except RamError as refused:
            refusal = refused
            if sent is not None and sent.used_at is None and not matches:
                sent.failed_attempts += 1
                sent.save(update_fields=["failed_attempts"])
            events.record(
                action="VerifyIdentity",
                account=principal.account,
                actor=principal,
                source_ip=source_ip,
                target=principal.email,
                result=refused.code,
                account_time=now,
                detail={"method": "email"},
            )
        else:
            sent.used_at = now
            sent.save(update_fields=["used_at"])
    if refusal is not None:
        raise refusal
