"""The Outbox (PRODUCT.md §12): a Django email backend that keeps every message in the database,
where the account it concerns reads it on its Outbox page. Nothing leaves the machine."""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import parsedate_to_datetime

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from accounts.models import Account, OutboxMessage
from ramconsole.kernel import clock

# Set by accounts.notices on every message: which account's Outbox the message belongs to.
ACCOUNT_HEADER = "X-Ramconsole-Account"


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            account = Account.objects.filter(account_id=message.extra_headers.get(ACCOUNT_HEADER, "")).first()
            dated = message.extra_headers.get("Date")
            OutboxMessage.objects.create(
                account=account,
                recipients=", ".join(message.recipients())[:1024],
                subject=message.subject[:255],
                body=message.body,
                sent_at=timezone.now(),
                account_time=parsedate_to_datetime(dated) if dated else clock.now(account),
            )
        return len(email_messages)
