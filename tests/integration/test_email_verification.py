"""Verify Identity by a code sent by email, which in the sandbox lands on the Outbox page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts import selectors
from accounts.actors import Actor
from accounts.models import Account, OutboxMessage, Principal
from accounts.services import verification as verification_services
from security.errors import InvalidParameter, LimitExceeded, NoPermission
from security.models import Event

pytestmark = pytest.mark.django_db(transaction=True)  # mail is sent when a change commits
START = datetime(2030, 5, 1, 10, 0, tzinfo=UTC)
VERIFY = reverse("security:root-password-verify")


def _last_code(account: Account) -> str:
    body = OutboxMessage.objects.filter(account=account, subject__endswith="verification code").latest("id").body
    return re.search(r"\b(\d{6})\b", body).group(1)


def _send(root: Principal) -> str:
    verification_services.verification_code_send(actor=Actor(root))
    return _last_code(root.account)


def test_the_code_goes_to_the_roots_email_and_verifies_once(account: Account, root: Principal) -> None:
    code = _send(root)
    message = OutboxMessage.objects.get(account=account, subject__endswith="verification code")
    assert message.recipients == root.email
    assert verification_services.root_identity_verify(actor=Actor(root), email_code=code)
    with pytest.raises(InvalidParameter) as replay:
        verification_services.root_identity_verify(actor=Actor(root), email_code=code)
    assert replay.value.code == "InvalidParameter.VerificationCode.NotSent"
    methods = list(Event.objects.filter(action="VerifyIdentity").order_by("id").values_list("result", "detail__method"))
    assert methods == [("Success", "email"), ("InvalidParameter.VerificationCode.NotSent", "email")]


def test_the_code_lapses_after_five_minutes_of_account_time(account: Account, root: Principal) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        code = _send(root)
        traveller.shift(timedelta(minutes=4, seconds=59))
        assert verification_services.root_identity_verify(actor=Actor(root), email_code=code)
        code = None
        traveller.shift(timedelta(minutes=1))
        code = _send(root)
        traveller.shift(timedelta(minutes=5))
        with pytest.raises(InvalidParameter, match="expired"):
            verification_services.root_identity_verify(actor=Actor(root), email_code=code)


def test_five_wrong_codes_spend_the_code(account: Account, root: Principal) -> None:
    code = _send(root)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(InvalidParameter, match="incorrect"):
            verification_services.root_identity_verify(actor=Actor(root), email_code=wrong)
    with pytest.raises(InvalidParameter, match="Too many"):
        verification_services.root_identity_verify(actor=Actor(root), email_code=code)


def test_one_code_a_minute_and_a_new_code_replaces_the_old(account: Account, root: Principal) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        first = _send(root)
        traveller.shift(timedelta(seconds=59))
        with pytest.raises(LimitExceeded) as throttled:
            verification_services.verification_code_send(actor=Actor(root))
        assert throttled.value.code == "Throttling.VerificationCode"
        traveller.shift(timedelta(seconds=1))
        second = _send(root)
        if first != second:
            with pytest.raises(InvalidParameter):
                verification_services.root_identity_verify(actor=Actor(root), email_code=first)
        assert verification_services.root_identity_verify(actor=Actor(root), email_code=second)


def test_only_the_root_is_sent_a_code(account: Account, admin_user: Principal) -> None:
    with pytest.raises(NoPermission):
        verification_services.verification_code_send(actor=Actor(admin_user))
    assert not OutboxMessage.objects.filter(subject__endswith="verification code").exists()


def test_a_code_sent_in_one_account_verifies_nothing_in_another(
    account: Account, root: Principal, account_factory: Any
) -> None:
    other_root = selectors.root_of(account_factory(alias="other"))
    code = _send(root)
    with pytest.raises(InvalidParameter, match="Send a verification code first"):
        verification_services.root_identity_verify(actor=Actor(other_root), email_code=code)


def test_console_send_code_then_verify_now(root_client: Client, account: Account, settings: Any) -> None:
    settings.RAMCONSOLE_DEMO_MODE = True
    page = root_client.get(VERIFY).content.decode()
    assert "Email Verification Code" in page and "Send Code" in page
    sent = root_client.post(VERIFY, {"send_code": "1"})
    assert "A verification code was sent" in sent.content.decode()
    wrong = root_client.post(
        VERIFY, {"method": "email", "email_code": "000000" if _last_code(account) != "000000" else "111111"}
    )
    assert "The verification code is incorrect." in wrong.content.decode()
    right = root_client.post(VERIFY, {"method": "email", "email_code": _last_code(account)})
    assert right.status_code == 302 and right["Location"] == reverse("security:root-password-change")
    throttled = root_client.post(VERIFY, {"send_code": "1"})
    assert "less than a minute ago" in throttled.content.decode()


def test_no_email_method_outside_demo_mode(root_client: Client, settings: Any) -> None:
    settings.RAMCONSOLE_DEMO_MODE = False
    assert "Email Verification Code" not in root_client.get(VERIFY).content.decode()
    response = root_client.post(VERIFY, {"send_code": "1"})
    assert not OutboxMessage.objects.exists()
    assert response.status_code == 200
