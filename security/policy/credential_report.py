"""The user credential report's life (PRODUCT.md §10, RAM-API.md §7.9): reuse for four hours, and
a build that has lost its worker is given up rather than shown as generating forever."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reports.models import CredentialReport

REUSE_WINDOW = timedelta(hours=4)
# A running build writes its progress many times a second. One silent for this long has lost its
# worker (killed, or its machine restarted; django-tasks' database worker never runs a task twice),
# so it is given up as FAILED: the page stops waiting and says so, and the next request builds a
# new report instead of returning this one for four hours. A report still queued behind other
# accounts' builds counts from its request, and ten minutes of queue is far beyond a busy worker's.
STALLED_AFTER = timedelta(minutes=10)
PENDING_STATES = ("STARTED", "INPROGRESS")
FAILED_STATE = "FAILED"


def credential_report_stalled(report: CredentialReport, *, real_now: datetime) -> bool:
    """Still pending, and nothing written for STALLED_AFTER of real time (never the sandbox clock:
    moving an account's time says nothing about its worker)."""
    return report.state in PENDING_STATES and real_now - report.progress_at >= STALLED_AFTER


def credential_report_state(report: CredentialReport, *, real_now: datetime) -> str:
    """The state to show and to act on: a stalled build is FAILED."""
    return FAILED_STATE if credential_report_stalled(report, real_now=real_now) else report.state


def credential_report_reusable(report: CredentialReport, *, now: datetime, real_now: datetime) -> bool:
    """GenerateCredentialReport returns the latest report, rather than building anew, when it was
    requested within four hours (account time) and has neither failed nor stalled."""
    return (
        credential_report_state(report, real_now=real_now) != FAILED_STATE and now - report.requested_at < REUSE_WINDOW
    )
