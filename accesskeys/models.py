"""AccessKey pairs: an ID and a secret that sign API requests (PRODUCT.md §7)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Principal


class AccessKey(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "Active", _("Active")
        INACTIVE = "Inactive", _("Inactive")

    # Indexed by access_key_owner_created, which leads with it.
    principal = models.ForeignKey(Principal, on_delete=models.CASCADE, related_name="access_keys", db_index=False)
    access_key_id = models.CharField(max_length=24, unique=True)
    # Fernet token (ramconsole/kernel/crypto.py); the plain secret exists only in the creating response.
    secret_encrypted = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The Security Check counts and lists keys by age.
            models.Index(fields=["created_at"], name="access_key_created"),
            # An identity's keys in their order (the credential report's key columns, the key lists).
            models.Index(fields=["principal", "created_at", "id"], name="access_key_owner_created"),
        ]

    def __str__(self) -> str:
        return self.access_key_id

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE
