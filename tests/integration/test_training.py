"""The Training page (issue #10): scenarios checked off from the sandbox's real state."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accesskeys import services as access_key_services
from accounts import demo, sandbox, selectors
from accounts.actors import Actor
from accounts.models import Account, Principal
from security import services as security_services

pytestmark = pytest.mark.django_db
TRAINING = reverse("reports:training")


@pytest.fixture(autouse=True)
def _demo_mode(settings: Any) -> None:
    settings.RAMCONSOLE_DEMO_MODE = True


def _scenarios(page: str) -> dict[str, bool]:
    return {key: done == "true" for key, done in re.findall(r'data-scenario="(\w+)" data-done="(\w+)"', page)}


def _score(page: str) -> int:
    return int(re.search(r'id="training-score">(\d+)<', page).group(1))


def test_a_fresh_sandbox_has_every_exercise_to_do_and_fixes_raise_the_score() -> None:
    trainee = sandbox.sandbox_create(
        name="t-01", email="t-01@sandbox.example", alias="t-01", logins=sandbox.SeedLogins.generated()
    )
    account = Account.objects.get(account_id=trainee.account_id)
    root = selectors.root_of(account)
    client = Client()
    client.force_login(root, backend="accounts.backends.LogonNameBackend")
    page = client.get(TRAINING).content.decode()
    assert _scenarios(page) == dict.fromkeys(
        [
            "admins_mfa",
            "rotate_old_keys",
            "strong_password_rule",
            "restrict_logon_network",
            "root_mfa",
            "remove_unused_keys",
            "user_sso",
        ],
        False,
    )
    assert 'id="training-progress">0 / 7<' in page
    before = _score(page)

    actor = Actor(root)
    security_services.password_policy_update(  # what the seed had, plus 12 characters and 3 elements
        actor=actor,
        **demo.DEMO_PASSWORD_POLICY | {"minimum_length": 12},
        require_lowercase=True,
        require_uppercase=True,
        require_numbers=True,
    )
    ci_robot = Principal.objects.get(account=account, name="ci-robot")
    oldest = ci_robot.access_keys.order_by("created_at").first()  # 200 days old; the other is 3 days old
    access_key_services.access_key_delete(actor=actor, user=ci_robot, access_key_id=oldest.access_key_id)

    page = client.get(TRAINING).content.decode()
    done = [key for key, value in _scenarios(page).items() if value]
    assert done == ["rotate_old_keys", "strong_password_rule"]
    assert 'id="training-progress">2 / 7<' in page
    assert _score(page) > before
    overview = client.get(reverse("accounts:overview")).content.decode()
    assert f">{_score(page)}<" in overview


def test_training_page_runs_constant_queries(
    account: Account, root_client: Client, root: Principal, ram_user_factory, django_assert_num_queries
) -> None:
    ram_user_factory(account, "one", policy="AliyunRAMFullAccess")
    with django_assert_num_queries(13):
        root_client.get(TRAINING)
    for i in range(20):
        user = ram_user_factory(account, f"admin{i}", policy="AliyunRAMFullAccess")
        access_key_services.access_key_create(actor=Actor(root), user=user)
    with django_assert_num_queries(13):
        root_client.get(TRAINING)


def test_training_is_for_administrators(client_for, readonly_user: Principal, plain_user: Principal) -> None:
    assert client_for(readonly_user).get(TRAINING).status_code == 403
    assert client_for(plain_user).get(TRAINING).status_code in {302, 403}
