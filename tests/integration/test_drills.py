"""Incident drills (issue 23): each one's started state, its passing fix, a wrong fix that does not
pass, expiry past the deadline on the account's clock, and revert."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accesskeys import services as access_key_services
from accesskeys.models import AccessKey
from accounts import sandbox, selectors
from accounts.actors import Actor
from accounts.models import Account, LoginProfile, Principal
from accounts.services import accounts as account_services
from accounts.services import login_profiles as login_profile_services
from ramconsole.gateway import signatures
from ramconsole.kernel import clock, crypto
from reports import drills
from reports.models import DrillRun
from security import services as security_services
from security.models import Event
from security.policy import drills as drill_policy
from security.selectors import password_policy_of
from tests.conftest import bind_device

pytestmark = pytest.mark.django_db
LEAKED, SPRAYING, STALE = (
    drill_policy.LEAKED_ACCESS_KEY,
    drill_policy.PASSWORD_SPRAYING,
    drill_policy.STALE_ADMINISTRATOR,
)


def _root(account: Account) -> Actor:
    return Actor(selectors.root_of(account), source_ip="10.1.2.3")


def _status(run: DrillRun) -> str:
    run.refresh_from_db()
    return drills.drill_status(run, clock.now(run.account)).status


def _user(account: Account, user_id: str) -> Principal:
    return selectors.ram_user_get(account=account, user_id=user_id)


# Leaked AccessKey


def test_leaked_key_started_shows_the_calls_from_the_attacker_and_moves_last_used(account: Account) -> None:
    run = drills.drill_start(account, LEAKED, operator="instructor")
    assert run.stage == drill_policy.DETONATED
    key = AccessKey.objects.get(access_key_id=run.detail["key_id"])
    assert key.status == AccessKey.Status.ACTIVE
    assert clock.now(account) - key.last_used_at < timedelta(minutes=1)
    calls = Event.objects.filter(account=account, actor_name=key.access_key_id, source_ip=run.detail["attacker_ip"])
    assert calls.count() == len(drills.LEAKED_KEY_CALLS)
    assert calls.filter(action="CreateUser", result="NoPermission").exists()
    # The decoy: the same user's other key, used recently, and not from the attacker.
    (other,) = run.detail["other_keys"]
    assert AccessKey.objects.get(access_key_id=other).principal == key.principal
    assert Event.objects.filter(account=account, action="StartDrill", actor_name="instructor").exists()
    assert _status(run) == drill_policy.RUNNING
    assert drills.passed_drills(account) == []


def test_leaked_key_disabled_passes(account: Account) -> None:
    run = drills.drill_start(account, LEAKED, operator="instructor")
    user = _user(account, run.detail["user_id"])
    access_key_services.access_key_update_status(
        actor=_root(account), user=user, access_key_id=run.detail["key_id"], status=AccessKey.Status.INACTIVE
    )
    assert _status(run) == drill_policy.PASSED
    assert drills.passed_drills(account) == [LEAKED]
    debrief = drills.drill_debrief(run, clock.now(account))
    assert [item.done for item in debrief.expected] == [True, False]
    assert [event.action for event in debrief.trainee_events] == ["UpdateAccessKey"]


def _signed_call(key: AccessKey, action: str) -> dict[str, str]:
    """A signature v1 call signed with `key`, as an SDK sends it."""
    params = {
        "Action": action,
        "Version": "2015-05-01",
        "Format": "JSON",
        "AccessKeyId": key.access_key_id,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": uuid.uuid4().hex,
        "Timestamp": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    secret = crypto.decrypt(key.secret_encrypted)
    params["Signature"] = signatures.rpc_signature(secret, signatures.rpc_string_to_sign("POST", params))
    response = Client(REMOTE_ADDR=drill_policy.ATTACKER_IPS[LEAKED]).post("/?" + urlencode(params, quote_via=quote))
    return response.json()


def test_the_leaked_key_signs_calls_until_it_is_disabled(account: Account) -> None:
    run = drills.drill_start(account, LEAKED, operator="instructor")
    key = AccessKey.objects.get(access_key_id=run.detail["key_id"])
    assert "Users" in _signed_call(key, "ListUsers")
    access_key_services.access_key_update_status(
        actor=_root(account), user=key.principal, access_key_id=key.access_key_id, status=AccessKey.Status.INACTIVE
    )
    assert _signed_call(key, "ListUsers")["Code"] == "InvalidAccessKeyId.Inactive"
    assert _status(run) == drill_policy.PASSED


def test_leaked_key_deleted_passes(account: Account) -> None:
    run = drills.drill_start(account, LEAKED, operator="instructor")
    user = _user(account, run.detail["user_id"])
    access_key_services.access_key_delete(actor=_root(account), user=user, access_key_id=run.detail["key_id"])
    assert _status(run) == drill_policy.PASSED


def test_disabling_the_other_key_does_not_pass(account: Account) -> None:
    run = drills.drill_start(account, LEAKED, operator="instructor")
    user = _user(account, run.detail["user_id"])
    (other,) = run.detail["other_keys"]
    access_key_services.access_key_update_status(
        actor=_root(account), user=user, access_key_id=other, status=AccessKey.Status.INACTIVE
    )
    assert _status(run) == drill_policy.RUNNING
    # Nor both keys: only that key.
    access_key_services.access_key_update_status(
        actor=_root(account), user=user, access_key_id=run.detail["key_id"], status=AccessKey.Status.INACTIVE
    )
    assert _status(run) == drill_policy.RUNNING


def test_leaked_key_expires_past_the_deadline_and_a_late_fix_does_not_pass(account: Account) -> None:
    run = drills.drill_start(account, LEAKED, operator="instructor")
    account_services.account_clock_move(actor=_root(account), step="1h")
    assert _status(run) == drill_policy.EXPIRED
    account.refresh_from_db()
    user = _user(account, run.detail["user_id"])
    access_key_services.access_key_delete(actor=_root(account), user=user, access_key_id=run.detail["key_id"])
    assert _status(run) == drill_policy.EXPIRED
    assert drills.passed_drills(account) == []


def test_a_fix_in_time_seen_after_the_deadline_still_passes(account: Account) -> None:
    run = drills.drill_start(account, LEAKED, operator="instructor")
    user = _user(account, run.detail["user_id"])
    access_key_services.access_key_delete(actor=_root(account), user=user, access_key_id=run.detail["key_id"])
    later = clock.now(account) + timedelta(hours=2)
    assert drills.drill_status(run, later).status == drill_policy.PASSED


def test_leaked_key_revert_removes_the_drill_user(account: Account) -> None:
    run = drills.drill_start(account, LEAKED, operator="instructor")
    drills.drill_revert(run, operator="instructor")
    assert not Principal.objects.filter(account=account, user_id=run.detail["user_id"]).exists()
    assert not AccessKey.objects.filter(access_key_id=run.detail["key_id"]).exists()
    assert _status(run) == drill_policy.REVERTED
    assert Event.objects.filter(account=account, action="RevertDrill").exists()
    # Reverted, it may run again.
    assert drills.drill_start(account, LEAKED, operator="instructor").stage == drill_policy.DETONATED


def test_a_running_drill_does_not_start_twice(account: Account) -> None:
    drills.drill_start(account, LEAKED, operator="instructor")
    with pytest.raises(drills.DrillRefused):
        drills.drill_start(account, LEAKED, operator="instructor")


def test_the_console_refuses_a_drill_outside_the_sandbox_root(account: Account) -> None:
    with pytest.raises(drills.NoPermission):
        drills.drill_start(account, LEAKED, actor=_root(account))  # no sandbox: no root may start one


# Password spraying


def test_spraying_started_records_refused_logons_from_one_address(account: Account) -> None:
    run = drills.drill_start(account, SPRAYING, operator="instructor")
    refused = Event.objects.filter(account=account, action="ConsoleLogon", source_ip=run.detail["attacker_ip"])
    assert refused.count() == len(drills.SPRAYED_USERS) * len(drills.SPRAYED_PASSWORDS)
    assert set(refused.values_list("result", flat=True)) == {"WrongPassword"}
    assert len({event.actor_id for event in refused}) == len(drills.SPRAYED_USERS)
    assert password_policy_of(Account.objects.get(pk=account.pk)).max_login_attempts == 0
    assert _status(run) == drill_policy.RUNNING


def _set_retry_limit(account: Account, attempts: int = 5) -> None:
    rule = password_policy_of(Account.objects.get(pk=account.pk))
    values = {name: getattr(rule, name) for name in security_services.PASSWORD_POLICY_FIELDS}
    security_services.password_policy_update(actor=_root(account), **{**values, "max_login_attempts": attempts})


def test_spraying_retry_limit_and_a_mask_pass(account: Account) -> None:
    run = drills.drill_start(account, SPRAYING, operator="instructor")
    _set_retry_limit(account)
    assert _status(run) == drill_policy.RUNNING  # a retry limit alone is not enough
    security_services.security_preference_update(actor=_root(account), login_network_masks="10.0.0.0/8")
    assert _status(run) == drill_policy.PASSED
    debrief = drills.drill_debrief(run, clock.now(account))
    assert all(item.done for item in debrief.expected)


def test_spraying_retry_limit_and_the_users_locked_down_pass(account: Account) -> None:
    run = drills.drill_start(account, SPRAYING, operator="instructor")
    _set_retry_limit(account)
    *first, last = run.detail["user_ids"]
    for user_id in first:
        login_profile_services.login_profile_delete(actor=_root(account), user=_user(account, user_id))
    assert _status(run) == drill_policy.RUNNING  # one targeted user can still be sprayed
    login_profile_services.login_profile_update(actor=_root(account), user=_user(account, last), mfa_required=True)
    assert _status(run) == drill_policy.PASSED


def test_spraying_a_mask_that_lets_the_attacker_in_does_not_pass(account: Account) -> None:
    run = drills.drill_start(account, SPRAYING, operator="instructor")
    _set_retry_limit(account)
    security_services.security_preference_update(actor=_root(account), login_network_masks="203.0.113.0/24")
    assert _status(run) == drill_policy.RUNNING


def test_spraying_expires_and_reverts(account: Account) -> None:
    _set_retry_limit(account, 7)
    run = drills.drill_start(account, SPRAYING, operator="instructor")
    assert drills.drill_status(run, run.deadline + timedelta(seconds=1)).status == drill_policy.EXPIRED
    drills.drill_revert(run, operator="instructor")
    assert not Principal.objects.filter(account=account, user_id__in=run.detail["user_ids"]).exists()
    assert password_policy_of(Account.objects.get(pk=account.pk)).max_login_attempts == 7


# Stale administrator


def test_stale_admin_started_state(account: Account) -> None:
    run = drills.drill_start(account, STALE, operator="instructor")
    admin = _user(account, run.detail["user_id"])
    assert "AliyunRAMFullAccess" in admin.policy_attachments.values_list("policy_name", flat=True)
    assert clock.now(account) - admin.last_login > timedelta(days=drill_policy.STALE_DAYS)
    assert not LoginProfile.objects.get(principal=admin).mfa_required
    assert Event.objects.filter(
        account=account, action="ConsoleLogon", actor=admin, result="WrongPassword", source_ip=run.detail["attacker_ip"]
    ).exists()
    assert _status(run) == drill_policy.RUNNING


def test_stale_admin_mfa_required_passes(account: Account) -> None:
    run = drills.drill_start(account, STALE, operator="instructor")
    admin = _user(account, run.detail["user_id"])
    login_profile_services.login_profile_update(actor=_root(account), user=admin, mfa_required=True)
    assert _status(run) == drill_policy.PASSED


def test_stale_admin_device_bound_passes(account: Account) -> None:
    run = drills.drill_start(account, STALE, operator="instructor")
    bind_device(_user(account, run.detail["user_id"]), timezone.now())
    assert _status(run) == drill_policy.PASSED


def test_stale_admin_mfa_for_another_admin_does_not_pass(account: Account, admin_user: Principal) -> None:
    run = drills.drill_start(account, STALE, operator="instructor")
    login_profile_services.login_profile_update(actor=_root(account), user=admin_user, mfa_required=True)
    bind_device(admin_user, timezone.now())
    assert _status(run) == drill_policy.RUNNING


def test_stale_admin_logon_removed_passes_then_revert(account: Account) -> None:
    run = drills.drill_start(account, STALE, operator="instructor")
    admin = _user(account, run.detail["user_id"])
    login_profile_services.login_profile_delete(actor=_root(account), user=admin)
    assert _status(run) == drill_policy.PASSED
    drills.drill_revert(run, operator="instructor")
    assert not Principal.objects.filter(pk=admin.pk).exists()
    assert run.stage == drill_policy.REVERTED
    assert _status(run) == drill_policy.PASSED
    assert drills.passed_drills(account) == [STALE]  # cleaning up does not undo the pass


def test_stale_admin_expires_on_the_moved_clock(account: Account) -> None:
    run = drills.drill_start(account, STALE, operator="instructor")
    account_services.account_clock_move(actor=_root(account), step="1d")
    assert _status(run) == drill_policy.EXPIRED


# The trainee's pages


@pytest.fixture
def trainee(settings: Any) -> Account:
    settings.RAMCONSOLE_DEMO_MODE = True
    made = sandbox.sandbox_create(
        name="t-drill", email="t-drill@sandbox.example", alias="t-drill", logins=sandbox.SeedLogins.generated()
    )
    return Account.objects.get(account_id=made.account_id)


def test_the_sandbox_root_starts_a_drill_sees_its_briefing_and_its_debrief(
    trainee: Account, client_for: Callable[[Principal], Client]
) -> None:
    client = client_for(selectors.root_of(trainee))
    page = client.get(reverse("reports:drills")).content.decode()
    assert 'data-drill="leaked_access_key"' in page and "T1110.003" in page
    response = client.post(reverse("reports:drill-start", args=[LEAKED]))
    run = DrillRun.objects.get(account=trainee)
    assert response.url == reverse("reports:drill", args=[run.pk])
    page = client.get(response.url).content.decode()
    assert 'id="drill-briefing"' in page and 'data-drill-status="running"' in page
    assert re.search(r'id="drill-time-left">(29|30) minutes<', page)
    user = _user(trainee, run.detail["user_id"])
    access_key_services.access_key_update_status(
        actor=_root(trainee), user=user, access_key_id=run.detail["key_id"], status=AccessKey.Status.INACTIVE
    )
    page = client.get(reverse("reports:drill-debrief", args=[run.pk])).content.decode()
    assert 'data-drill-status="passed"' in page
    assert "<td>UpdateAccessKey</td>" in page
    assert run.detail["attacker_ip"] + "</td>" not in page  # the attacker's calls are not the trainee's
    client.post(reverse("reports:drill-revert", args=[run.pk]))
    run.refresh_from_db()
    assert run.stage == drill_policy.REVERTED


def test_drill_pages_are_scoped_to_the_account_and_guarded(
    trainee: Account, account: Account, client_for: Callable[[Principal], Client], admin_user: Principal
) -> None:
    run = drills.drill_start(trainee, LEAKED, operator="instructor")
    other = client_for(selectors.root_of(account))
    assert other.get(reverse("reports:drill", args=[run.pk])).status_code == 404
    assert other.get(reverse("reports:drill-debrief", args=[run.pk])).status_code == 404
    assert other.post(reverse("reports:drill-revert", args=[run.pk])).status_code == 404
    # Not a sandbox: its root may not start a drill; an unknown drill is no page.
    other.post(reverse("reports:drill-start", args=[STALE]))
    assert not DrillRun.objects.filter(account=account).exists()
    assert other.post(reverse("reports:drill-start", args=["nope"])).status_code == 404
    assert client_for(admin_user).post(reverse("reports:drill-start", args=[STALE])).status_code in (302, 403)
    assert not DrillRun.objects.filter(account=account).exists()


def test_drill_pages_do_not_exist_outside_demo_mode(trainee: Account, settings: Any, client: Client) -> None:
    run = drills.drill_start(trainee, LEAKED, operator="instructor")
    client.force_login(selectors.root_of(trainee), backend="accounts.backends.LogonNameBackend")
    settings.RAMCONSOLE_DEMO_MODE = False
    assert client.get(reverse("reports:drills")).status_code == 404
    assert client.get(reverse("reports:drill", args=[run.pk])).status_code == 404


def test_every_drill_runs_in_a_seeded_sandbox_and_reverts_to_the_seed(trainee: Account) -> None:
    seed_users = set(Principal.objects.filter(account=trainee).values_list("pk", flat=True))
    seed_rule = password_policy_of(Account.objects.get(pk=trainee.pk)).max_login_attempts
    runs = [drills.drill_start(trainee, drill, operator="instructor") for drill in drill_policy.DRILLS]
    assert [_status(run) for run in runs] == [drill_policy.RUNNING] * len(runs)
    for run in runs:
        drills.drill_revert(run, operator="instructor")
    assert set(Principal.objects.filter(account=trainee).values_list("pk", flat=True)) == seed_users
    assert password_policy_of(Account.objects.get(pk=trainee.pk)).max_login_attempts == seed_rule
