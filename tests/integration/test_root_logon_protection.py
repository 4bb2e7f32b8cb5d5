"""Root logon protection: consecutive wrong root passwords slow the logon down, then lock it for an
hour; every attempt is an event, the owner is told by email, and the lock ends on its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts import selectors
from accounts.models import Account, Principal
from accounts.services import logon as logon_services
from security.models import Event
from tests.conftest import ROOT_PASSWORD

LOGON = reverse("accounts:logon")
GENERIC = "The logon name or password is incorrect."
START = datetime(2030, 1, 1, 9, tzinfo=UTC)


def _logon(root: Principal, password: str):
    return Client().post(LOGON, {"logon_name": root.email, "password": password})


def _results() -> list[str]:
    return list(Event.objects.filter(action="ConsoleLogon").order_by("id").values_list("result", flat=True))


def test_root_is_slowed_after_five_wrong_passwords_and_locked_after_ten(root: Principal) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            _logon(root, "wrong-password")
        # The sixth attempt within a minute is refused unjudged, the right password included.
        response = _logon(root, ROOT_PASSWORD)
        assert response.context["form"].non_field_errors() == [GENERIC]
        assert _results()[-1] == "LoginThrottled"
        for _ in range(5):  # one a minute: judged, counted
            traveller.shift(timedelta(minutes=1))
            _logon(root, "wrong-password")
        assert _results() == ["WrongPassword"] * 5 + ["LoginThrottled"] + ["WrongPassword"] * 5
        account = Account.objects.get(pk=root.account_id)
        assert account.root_failed_logon_count == 10
        assert account.root_locked_until == START + timedelta(minutes=5, hours=1)

        traveller.shift(timedelta(minutes=59, seconds=59))
        assert _logon(root, ROOT_PASSWORD).status_code == 200
        assert _results()[-1] == "LoginLocked"
        traveller.shift(timedelta(seconds=1))
        assert _logon(root, ROOT_PASSWORD).status_code == 302
    account.refresh_from_db()
    assert (account.root_failed_logon_count, account.root_locked_until) == (0, None)
    counts = [
        event.detail.get("failed_logon_count") for event in Event.objects.filter(result="WrongPassword").order_by("id")
    ]
    assert counts == list(range(1, 11))


@pytest.mark.django_db(transaction=True)  # mail is sent when a change commits
def test_the_owner_is_told_when_the_root_logon_locks(root: Principal) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        for attempt in range(10):
            _logon(root, "wrong-password")
            traveller.shift(timedelta(minutes=1))
            if attempt == 8:
                assert not selectors.outbox_of(root.account).filter(subject__contains="locked").exists()
    notice = selectors.outbox_of(root.account).get(subject__contains="locked")
    assert notice.recipients == root.email
    assert "10 wrong passwords" in notice.body and "ends on its own" in notice.body


def test_a_right_password_resets_the_count(root: Principal) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(4):
            _logon(root, "wrong-password")
        assert _logon(root, ROOT_PASSWORD).status_code == 302
        for _ in range(4):
            _logon(root, "wrong-password")
        assert _logon(root, ROOT_PASSWORD).status_code == 302  # 4, not 8: never slowed
        traveller.shift(timedelta(seconds=1))
    assert "LoginThrottled" not in _results()


def test_the_sandbox_clock_ends_the_lock(root: Principal) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(10):
            _logon(root, "wrong-password")
            traveller.shift(timedelta(minutes=1))
        assert _logon(root, ROOT_PASSWORD).status_code == 200
        Account.objects.filter(pk=root.account_id).update(clock_offset=timedelta(hours=1))
        assert _logon(root, ROOT_PASSWORD).status_code == 302


def test_ram_users_keep_their_own_retry_rule(root: Principal, admin_user: Principal) -> None:
    """The root's protection is the root's: a RAM user with no Password Retry Constraint is never slowed."""
    with time_machine.travel(START, tick=False):
        for _ in range(12):
            response = Client().post(LOGON, {"logon_name": admin_user.upn, "password": "wrong-password"})
            assert response.status_code == 200
    assert set(_results()) == {"WrongPassword"}
    assert logon_services.console_logon(logon_name=admin_user.upn, password="User-pass-2026", source_ip=None)
