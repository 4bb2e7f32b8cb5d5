"""What the console tells people by email: verification codes and security notices. Sent through
Django's email framework; the default backend keeps them on the account's Outbox page."""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime

from django.core.mail import EmailMessage

from accounts.models import Account, Principal
from accounts.outbox import ACCOUNT_HEADER
from ramconsole import clock

SUBJECT_PREFIX = "[Alibaba Cloud] "


def _send(*, account: Account, recipients: list[str], subject: str, body: str, at: datetime) -> None:
    """`at` is the account's time of the event (the sandbox clock, or a seed's backdated time)."""
    to = sorted({address for address in recipients if address})
    if to:
        headers = {ACCOUNT_HEADER: account.account_id, "Date": format_datetime(at)}
        EmailMessage(SUBJECT_PREFIX + subject, body, to=to, headers=headers).send()


def _owners_of(principal: Principal) -> list[str]:
    """A RAM user's own address (when set) and the account owner's: both hear about its credentials."""
    root_email = principal.email if principal.is_root else _root_email(principal.account)
    return [principal.email, root_email]


def _root_email(account: Account) -> str:
    return account.principals.filter(kind=Principal.Kind.ROOT).values_list("email", flat=True).first() or ""


def access_key_created(*, owner: Principal, access_key_id: str, created_by: str, at: datetime) -> None:
    _send(
        account=owner.account,
        recipients=_owners_of(owner),
        subject="A new AccessKey was created",
        body=(
            f"An AccessKey pair was created for {owner.logon_name} in account {owner.account.account_id}.\n\n"
            f"AccessKey ID: {access_key_id}\nCreated by: {created_by}\nTime: {clock.utc_text(at)}\n\n"
            "If you did not expect this, disable the AccessKey in the RAM console and review the events."
        ),
        at=at,
    )


def password_expiring(*, user: Principal, expires_at: datetime, now: datetime) -> None:
    if expires_at <= now:
        subject = "Your RAM user password has expired"
        lead = f"The console password of {user.logon_name} expired on {clock.utc_text(expires_at)}."
    else:
        days = -((now - expires_at).days)  # whole days left, rounded up
        subject = f"Your RAM user password expires in {days} day{'s' if days != 1 else ''}"
        lead = f"The console password of {user.logon_name} expires on {clock.utc_text(expires_at)}."
    _send(
        account=user.account,
        recipients=_owners_of(user),
        subject=subject,
        body=f"{lead}\n\nChange it under Security > Manage Passwords, or ask an administrator to reset it.",
        at=now,
    )


def verification_code(*, principal: Principal, code: str, purpose: str, valid_minutes: int, at: datetime) -> None:
    _send(
        account=principal.account,
        recipients=[principal.email],
        subject="Your verification code",
        body=(
            f"Your verification code for {purpose} is {code}. It is valid for {valid_minutes} minutes "
            "and can be used once.\n\nIf you did not ask for it, change your password."
        ),
        at=at,
    )


def root_logon_locked(*, root: Principal, failed: int, until: datetime, at: datetime) -> None:
    _send(
        account=root.account,
        recipients=[root.email],
        subject="Console logon of your account is locked",
        body=(
            f"{failed} wrong passwords in a row were entered for {root.email} (account "
            f"{root.account.account_id}). Console logon with this account is locked until "
            f"{clock.utc_text(until)}; the lock ends on its own.\n\n"
            "If these attempts were not yours, change your password once the lock ends, turn on MFA, "
            "and review the events."
        ),
        at=at,
    )
