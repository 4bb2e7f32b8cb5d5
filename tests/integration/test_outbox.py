"""The Outbox (issue #10): what a real console would email lands on the account's Outbox page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accesskeys import services as access_key_services
from accounts import selectors
from accounts.actors import Actor
from accounts.models import Account, LoginProfile, OutboxMessage, Principal, VerificationCode
from accounts.services import accounts as account_services
from accounts.services import login_profiles as login_profile_services
from accounts.services import logon as logon_services
from accounts.services import verification as verification_services
from ramconsole.kernel import clock
from security import services as security_services

pytestmark = pytest.mark.django_db(transaction=True)  # mail is sent when a change commits
OUTBOX = reverse("accounts:outbox")


@pytest.fixture(autouse=True)
def _demo_mode(settings: Any) -> None:
    settings.RAMCONSOLE_DEMO_MODE = True


def _subjects(account: Account) -> list[str]:
    return list(OutboxMessage.objects.filter(account=account).order_by("id").values_list("subject", flat=True))


def _age_password(user: Principal, days: int) -> None:
    LoginProfile.objects.filter(principal=user).update(
        password_changed_at=user.login_profile.password_changed_at - timedelta(days=days)
    )


def test_a_new_access_key_is_announced_to_the_owner_and_the_account_without_its_secret(
    account: Account, root: Principal, ram_user_factory
) -> None:
    user = ram_user_factory(account, "dev")
    user.email = "dev@acme.example"
    user.save()
    created = access_key_services.access_key_create(actor=Actor(root), user=user)
    message = OutboxMessage.objects.get(account=account)
    assert message.subject == "[Alibaba Cloud] A new AccessKey was created"
    assert set(message.recipients.split(", ")) == {"dev@acme.example", root.email}
    assert created.access_key.access_key_id in message.body
    assert created.secret not in message.body


def test_a_refused_key_creation_sends_nothing(account: Account, root: Principal, ram_user_factory) -> None:
    user = ram_user_factory(account, "dev")
    for _ in range(2):
        access_key_services.access_key_create(actor=Actor(root), user=user)
    with pytest.raises(Exception, match="AccessKey"):
        access_key_services.access_key_create(actor=Actor(root), user=user)
    assert len(_subjects(account)) == 2  # rolled back with the refused write


def test_mail_is_sent_when_the_change_commits_and_never_when_it_rolls_back(
    account: Account, root: Principal, settings: Any
) -> None:
    """With a backend that really sends (SMTP; locmem here), a rolled-back change must not have mailed."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with pytest.raises(RuntimeError), transaction.atomic():
        verification_services.verification_code_send(actor=Actor(root))
        raise RuntimeError("a later step of the same change fails")
    assert mail.outbox == []
    assert not VerificationCode.objects.exists()
    with transaction.atomic():
        verification_services.verification_code_send(actor=Actor(root))
        assert mail.outbox == []  # not before the change commits
    assert [message.to for message in mail.outbox] == [[root.email]]


@pytest.mark.parametrize(
    ("days_old", "expected"),
    [
        (82, []),  # 8 days left: not yet
        (83, ["[Alibaba Cloud] Your RAM user password expires in 7 days"]),  # 7 days left: the first day
        (89, ["[Alibaba Cloud] Your RAM user password expires in 1 day"]),
        (90, ["[Alibaba Cloud] Your RAM user password has expired"]),
    ],
)
def test_password_expiry_notice_at_logon(
    account: Account, root: Principal, ram_user_factory, days_old: int, expected: list[str]
) -> None:
    security_services.password_policy_update(actor=Actor(root), max_password_age_days=90)
    user = ram_user_factory(account, "dev")
    _age_password(user, days_old)
    # Action After Password Expires is Allow Logon by default: an expired password logs on to change it.
    logon_services.console_logon(logon_name=user.upn, password="User-pass-2026", source_ip=None)
    assert _subjects(account) == expected


def test_the_expiry_notice_is_sent_once_per_password(account: Account, root: Principal, ram_user_factory) -> None:
    security_services.password_policy_update(actor=Actor(root), max_password_age_days=90)
    user = ram_user_factory(account, "dev")
    _age_password(user, 85)
    for _ in range(2):
        logon_services.console_logon(logon_name=user.upn, password="User-pass-2026", source_ip=None)
    assert len(_subjects(account)) == 1
    # A new password earns a new notice when it, in turn, nears its expiry.
    login_profile_services.login_profile_update(actor=Actor(root), user=user, password="Fresh-pass-2026")
    _age_password(user, 86)
    logon_services.console_logon(logon_name=user.upn, password="Fresh-pass-2026", source_ip=None)
    assert len(_subjects(account)) == 2


def test_moving_the_clock_sends_the_notices_that_fall_due_in_that_account_only(
    account: Account, account_factory, root: Principal, ram_user_factory
) -> None:
    other = account_factory(alias="other")
    for owner in (account, other):
        security_services.password_policy_update(actor=Actor(selectors.root_of(owner)), max_password_age_days=90)
        ram_user_factory(owner, "dev")
        ram_user_factory(owner, "ops")
    account_services.account_clock_move(actor=Actor(root), step="30d")
    assert _subjects(account) == []
    account_services.account_clock_move(actor=Actor(root), step="90d")
    assert _subjects(account) == ["[Alibaba Cloud] Your RAM user password has expired"] * 2
    assert _subjects(other) == []
    account_services.account_clock_move(actor=Actor(root), step="1d")
    assert len(_subjects(account)) == 2


def test_outbox_page_lists_the_accounts_mail_newest_first(
    account: Account, root: Principal, root_client: Client, ram_user_factory, django_assert_num_queries
) -> None:
    first, second = ram_user_factory(account, "first"), ram_user_factory(account, "second")
    access_key_services.access_key_create(actor=Actor(root), user=first)
    access_key_services.access_key_create(actor=Actor(root), user=second)
    page = root_client.get(OUTBOX).content.decode()
    assert page.index(second.upn) < page.index(first.upn)
    with django_assert_num_queries(4):  # session, principal, count, page
        root_client.get(OUTBOX)
    for i in range(25):
        access_key_services.access_key_create(actor=Actor(root), user=ram_user_factory(account, f"u{i}"))
    with django_assert_num_queries(4):
        page = root_client.get(OUTBOX).content.decode()
    assert page.count('class="card mb-2 outbox-message"') == 20 and "Page 1 of 2" in page


def test_outbox_is_for_administrators(account: Account, client_for, readonly_user: Principal, admin_user) -> None:
    assert client_for(readonly_user).get(OUTBOX).status_code == 403
    assert client_for(admin_user).get(OUTBOX).status_code == 200


def test_a_backdated_event_is_mailed_with_its_own_date(account: Account, root: Principal, ram_user_factory) -> None:
    when = clock.now(account) - timedelta(days=200)  # as the sandbox seed creates an old key
    access_key_services.access_key_create(actor=Actor(root), user=ram_user_factory(account, "dev"), now=when)
    assert OutboxMessage.objects.get(account=account).account_time == when.replace(microsecond=0)
