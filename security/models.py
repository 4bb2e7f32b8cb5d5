"""Security settings of an account, and the event trail."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accounts.models import Account, Principal

RESULT_SUCCESS = "Success"


class Event(models.Model):
    """One recorded change or logon attempt (PRODUCT.md §11). Never holds a secret or password."""

    occurred_at = models.DateTimeField(default=timezone.now)
    # The account's sandbox time when its clock is moved; equal to occurred_at otherwise.
    account_time = models.DateTimeField(default=timezone.now)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(Principal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Who, as shown: UPN, account email or AccessKey ID — kept when the principal is deleted.
    actor_name = models.CharField(max_length=255, blank=True)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=255, blank=True)
    result = models.CharField(max_length=128, default=RESULT_SUCCESS)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["account", "-occurred_at", "-id"], name="event_account_time"),
            models.Index(fields=["account", "action"], name="event_account_action"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target} {self.result}"

    @property
    def succeeded(self) -> bool:
        return self.result == RESULT_SUCCESS
