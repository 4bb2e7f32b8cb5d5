"""The credential report's life (security/policy/credential_report.py), on both sides of each bound."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reports.models import CredentialReport
from security import policy
from security.policy.credential_report import REUSE_WINDOW, STALLED_AFTER

T0 = datetime(2030, 1, 1, tzinfo=UTC)


def _report(state: str, *, requested_at: datetime = T0, progress_at: datetime = T0) -> CredentialReport:
    return CredentialReport(state=state, requested_at=requested_at, progress_at=progress_at)


@pytest.mark.parametrize("state", ["STARTED", "INPROGRESS"])
def test_a_pending_report_stalls_after_ten_silent_minutes(state: str) -> None:
    report = _report(state)
    assert not policy.credential_report_stalled(report, real_now=T0 + STALLED_AFTER - timedelta(seconds=1))
    assert policy.credential_report_stalled(report, real_now=T0 + STALLED_AFTER)
    assert policy.credential_report_state(report, real_now=T0 + STALLED_AFTER) == "FAILED"
    assert policy.credential_report_state(report, real_now=T0) == state


@pytest.mark.parametrize("state", ["COMPLETED", "FAILED"])
def test_a_finished_report_never_stalls(state: str) -> None:
    report = _report(state)
    assert not policy.credential_report_stalled(report, real_now=T0 + timedelta(days=30))
    assert policy.credential_report_state(report, real_now=T0 + timedelta(days=30)) == state


def test_a_report_is_reused_for_four_hours_of_account_time() -> None:
    report = _report("COMPLETED")
    assert policy.credential_report_reusable(report, now=T0 + REUSE_WINDOW - timedelta(seconds=1), real_now=T0)
    assert not policy.credential_report_reusable(report, now=T0 + REUSE_WINDOW, real_now=T0)


def test_a_failed_or_stalled_report_is_not_reused() -> None:
    assert not policy.credential_report_reusable(_report("FAILED"), now=T0, real_now=T0)
    live = _report("INPROGRESS")
    assert policy.credential_report_reusable(live, now=T0, real_now=T0 + STALLED_AFTER - timedelta(seconds=1))
    assert not policy.credential_report_reusable(live, now=T0, real_now=T0 + STALLED_AFTER)


def test_the_sandbox_clock_does_not_stall_a_build() -> None:
    """Moving the account's time a day on says nothing about its worker (real time decides)."""
    live = _report("INPROGRESS")
    assert not policy.credential_report_stalled(live, real_now=T0 + timedelta(minutes=1))
    assert not policy.credential_report_reusable(live, now=T0 + timedelta(days=1), real_now=T0 + timedelta(minutes=1))
