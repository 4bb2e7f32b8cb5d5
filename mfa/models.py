"""Virtual MFA devices (TOTP, RFC 6238: 6 digits, 30 s, SHA1) — PRODUCT.md §8."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accounts.models import Account, Principal


class VirtualMFADevice(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="mfa_devices")
    name = models.CharField(max_length=64)
    # Fernet token of the base32 seed (ramconsole/kernel/crypto.py): the phone needs it, so the server must too.
    seed_encrypted = models.TextField()
    # The identity it is bound to; None while an enrolment is unfinished.
    principal = models.OneToOneField(
        Principal, null=True, blank=True, on_delete=models.CASCADE, related_name="mfa_device"
    )
    bound_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Replay protection: the newest TOTP time step ever accepted; older or equal steps are refused.
    last_accepted_step = models.BigIntegerField(null=True, blank=True)
    # Throttling of wrong codes: consecutive failures and the time before which no code is checked.
    failed_attempts = models.PositiveIntegerField(default=0)
    throttled_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="mfa_device_name_unique")]

    def __str__(self) -> str:
        return self.serial_number

    @property
    def serial_number(self) -> str:
        return f"acs:ram::{self.account.account_id}:mfa/{self.name}"

    @property
    def is_bound(self) -> bool:
        return self.principal_id is not None
