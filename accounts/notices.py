"""What the console tells people by email: verification codes and security notices. Sent through
Django's email framework when the caller's transaction commits (transaction.on_commit); the
default backend keeps them on the account's Outbox page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Account, Principal
from accounts.outbox import ACCOUNT_HEADER
from ramconsole.kernel import clock


def _send(
    *, account: Account, recipients: list[Principal], compose: Callable[[], tuple[str, str]], at: datetime
) -> None:
    """`compose` gives (subject, body); it runs once per language of the recipients' last choice, so
    everyone reads the mail in the console language they chose. `at` is the account's time of the event
    (the sandbox clock, or a seed's backdated time)."""
    by_language: dict[str, set[str]] = {}
    for recipient in recipients:
        if recipient.email:
            by_language.setdefault(recipient.language or settings.LANGUAGE_CODE, set()).add(recipient.email)
    headers = {ACCOUNT_HEADER: account.account_id, "Date": format_datetime(at)}
    for language, addresses in sorted(by_language.items()):
        with translation.override(language):
            subject, body = compose()
            subject = _("[Alibaba Cloud] %(subject)s") % {"subject": subject}
        # Sent when the change it tells of commits: a change rolled back sends nothing.
        transaction.on_commit(EmailMessage(subject, body, to=sorted(addresses), headers=headers).send)


def _owners_of(principal: Principal) -> list[Principal]:
    """A RAM user (when it has an address) and the account owner: both hear about its credentials."""
    if principal.is_root:
        return [principal]
    root = principal.account.principals.filter(kind=Principal.Kind.ROOT).first()
    return [principal, root] if root else [principal]


def access_key_created(*, owner: Principal, access_key_id: str, created_by: str, at: datetime) -> None:
    def compose() -> tuple[str, str]:
        return _("A new AccessKey was created"), _(
            "An AccessKey pair was created for %(identity)s in account %(account)s.\n\n"
            "AccessKey ID: %(id)s\nCreated by: %(by)s\nTime: %(time)s\n\n"
            "If you did not expect this, disable the AccessKey in the RAM console and review the events."
        ) % {
            "identity": owner.logon_name,
            "account": owner.account.account_id,
            "id": access_key_id,
            "by": created_by,
            "time": clock.display_text(at),
        }

    _send(account=owner.account, recipients=_owners_of(owner), compose=compose, at=at)


def password_expiring(*, user: Principal, expires_at: datetime, now: datetime) -> None:
    days = -((now - expires_at).days)  # whole days left, rounded up
    facts = {"identity": user.logon_name, "time": clock.display_text(expires_at), "days": days}

    def compose() -> tuple[str, str]:
        if expires_at <= now:
            subject = _("Your RAM user password has expired")
            lead = _("The console password of %(identity)s expired on %(time)s.") % facts
        else:
            subject = (
                ngettext(
                    "Your RAM user password expires in %(days)d day",
                    "Your RAM user password expires in %(days)d days",
                    days,
                )
                % facts
            )
            lead = _("The console password of %(identity)s expires on %(time)s.") % facts
        advice = _("Change it under Security > Manage Passwords, or ask an administrator to reset it.")
        return subject, f"{lead}\n\n{advice}"

    _send(account=user.account, recipients=_owners_of(user), compose=compose, at=now)


def verification_code(*, principal: Principal, code: str, purpose: str, valid_minutes: int, at: datetime) -> None:
    """`purpose` is a lazily translated name of the step (it is read in the recipient's language)."""

    def compose() -> tuple[str, str]:
        return _("Your verification code"), _(
            "Your verification code for %(purpose)s is %(code)s. It is valid for %(minutes)d minutes "
            "and can be used once.\n\nIf you did not ask for it, change your password."
        ) % {"purpose": purpose, "code": code, "minutes": valid_minutes}

    _send(account=principal.account, recipients=[principal], compose=compose, at=at)


def root_logon_locked(*, root: Principal, failed: int, until: datetime, at: datetime) -> None:
    def compose() -> tuple[str, str]:
        return _("Console logon of your account is locked"), _(
            "%(failed)d wrong passwords in a row were entered for %(email)s (account %(account)s). "
            "Console logon with this account is locked until %(time)s; the lock ends on its own.\n\n"
            "If these attempts were not yours, change your password once the lock ends, turn on MFA, "
            "and review the events."
        ) % {
            "failed": failed,
            "email": root.email,
            "account": root.account.account_id,
            "time": clock.display_text(until),
        }

    _send(account=root.account, recipients=[root], compose=compose, at=at)
