"""Stored credential reports (PRODUCT.md §10): a snapshot per generation."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account


class CredentialReport(models.Model):
    class State(models.TextChoices):
        # RAM's state codes (the API's State); the labels are what the console page shows.
        STARTED = "STARTED", _("Started")
        INPROGRESS = "INPROGRESS", _("In progress")
        COMPLETED = "COMPLETED", _("Completed")
        FAILED = "FAILED", _("Failed")  # the build raised; the next request generates anew

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="credential_reports")
    state = models.CharField(max_length=10, choices=State.choices, default=State.STARTED)
    # Account time of the request; the four-hour reuse window is measured from it.
    requested_at = models.DateTimeField(default=timezone.now)
    generated_at = models.DateTimeField(null=True, blank=True)
    # What the worker has written so far (identities: the root and every RAM user), for the page's
    # progress bar, and when it last wrote (real time, not the sandbox clock): a build silent for
    # too long has lost its worker (security.policy.credential_report_stalled).
    users_total = models.PositiveIntegerField(default=0)
    users_done = models.PositiveIntegerField(default=0)
    progress_at = models.DateTimeField(default=timezone.now)
    # The CSV's first line, written when the report is completed; its rows are in chunks, so that a
    # page is read without the rest. The column keeps the name it had when it held the whole CSV.
    header = models.TextField(blank=True, db_column="content")

    class Meta:
        indexes = [models.Index(fields=["account", "-requested_at"], name="credential_report_latest")]

    def __str__(self) -> str:
        return f"credential report {self.pk} of {self.account_id} ({self.state})"

    @property
    def content(self) -> str:
        """The whole CSV once completed (else empty), as the console's download serves it without its BOM."""
        if self.state != self.State.COMPLETED:
            return ""
        return self.header + "".join(self.chunks.order_by("first_row").values_list("rows", flat=True).iterator())


class CredentialReportChunk(models.Model):
    """Consecutive rows of a credential report's CSV (CRLF lines), written as the worker builds it."""

    # Indexed by the constraint below, which leads with it.
    report = models.ForeignKey(CredentialReport, on_delete=models.CASCADE, related_name="chunks", db_index=False)
    first_row = models.PositiveIntegerField()  # 0 is the <root> row, the first after the header
    rows = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "first_row"], name="credential_report_chunk_position")]

    def __str__(self) -> str:
        return f"rows from {self.first_row} of credential report {self.report_id}"


class DrillRun(models.Model):
    """An incident drill started in a sandbox (security/policy/drills.py defines them; reports/drills.py
    runs them). Its verdict is recomputed from the account's real state, never stored from a button."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="drill_runs")
    drill = models.CharField(max_length=32)  # "leaked_access_key" | "password_spraying" | "stale_administrator"
    stage = models.CharField(max_length=16)  # "warmed_up" | "detonated" | "passed" | "expired" | "reverted"
    started_at = models.DateTimeField()  # account clock
    deadline = models.DateTimeField()  # account clock: started_at + the drill's time limit
    passed_at = models.DateTimeField(null=True, blank=True)
    detail = models.JSONField(default=dict)  # e.g. the leaked key's id, the attacker address, the targeted users

    def __str__(self) -> str:
        return f"drill {self.drill} in {self.account_id} ({self.stage})"
