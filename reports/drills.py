"""Incident drills in a sandbox (issue 23): warm up, detonate and revert them through the real
services, so Events, Last Used and the logon counters change exactly as if it happened; and judge
them from the account's current state by the rules of security/policy/drills.py."""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from accesskeys import services as access_key_services
from accesskeys.models import AccessKey
from accounts import selectors as account_selectors
from accounts.actors import Actor
from accounts.models import Account, LoginProfile, Principal, SystemPolicy
from accounts.services import login_profiles as login_profile_services
from accounts.services import logon as logon_services
from accounts.services import users as user_services
from mfa.models import VirtualMFADevice
from ramconsole.kernel import clock
from reports.models import DrillRun
from security import events
from security import services as security_services
from security.errors import LogonRefused, NoPermission, RamError
from security.models import RESULT_SUCCESS, Event
from security.policy import drills as drill_policy
from security.selectors import password_policy_of, security_preference_of

START_ACTION = "StartDrill"
REVERT_ACTION = "RevertDrill"
# The clock move a trainee or instructor makes is no fix: it is left out of "when the account last changed".
CLOCK_ACTION = "SetSandboxClock"

# What the leaked key's holder calls: reconnaissance, then an escalation its read-only access refuses.
LEAKED_KEY_CALLS = (
    ("ListUsers", RESULT_SUCCESS),
    ("GetUser", RESULT_SUCCESS),
    ("ListAccessKeys", RESULT_SUCCESS),
    ("ListPoliciesForUser", RESULT_SUCCESS),
    ("CreateUser", NoPermission.default_code),
    ("AttachPolicyToUser", NoPermission.default_code),
)
# The few common passwords a sprayer tries against every user (never the users' own).
SPRAYED_PASSWORDS = ("Spring2026!", "Welcome@123")
SPRAYED_USERS = ("finance-li", "hr-wang", "sales-zhao")
# How long ago the drill's identities were made: history, not something the trainee did.
WARM_UP_AGE = timedelta(days=200)
STALE_LAST_LOGON = timedelta(days=100)


class DrillRefused(RamError):
    default_code = "Drill.Refused"


def _fresh(account: Account) -> Account:
    """The account as stored now: the settings selectors cache on the instance they are given."""
    return Account.objects.get(pk=account.pk)


def _root_actor(account: Account) -> Actor:
    return Actor(principal=account_selectors.root_of(account))


def _suffix() -> str:
    return f"{secrets.randbelow(900) + 100}"


def _record(account: Account, action: str, run: DrillRun, *, actor: Actor | None, operator: str) -> None:
    events.record(
        action=action,
        account=account,
        actor=actor.principal if actor else None,
        actor_name=actor.principal.logon_name if actor else operator,
        source_ip=actor.source_ip if actor else None,
        target=run.drill,
        account_time=clock.now(account),
        detail={"Drill": run.drill, "DrillRun": run.pk},
    )


def drill_runs_of(account: Account) -> list[DrillRun]:
    """Every drill run of the account, newest first."""
    return list(DrillRun.objects.filter(account=account).order_by("-started_at", "-id"))


def drill_run_of(account: Account, run_id: int) -> DrillRun | None:
    """One run of the account's, or None: another account's run is never found."""
    return DrillRun.objects.filter(account=account, pk=run_id).select_related("account").first()


def running_runs(account: Account) -> list[DrillRun]:
    """The account's drills not reverted, newest first."""
    return list(
        DrillRun.objects.filter(account=account).exclude(stage=drill_policy.REVERTED).order_by("-started_at", "-id")
    )


def drill_start(account: Account, drill: str, *, actor: Actor | None = None, operator: str = "") -> DrillRun:
    """Warm up and detonate `drill` in `account`. From the console `actor` must be the sandbox's own
    root (policy.drills.can_start_drill); an instructor passes `operator`, a name for the event."""
    definition = drill_policy.drill_of(drill)
    if definition is None:
        raise DrillRefused(_("Unknown drill."), code="Drill.NotFound")
    if actor is not None and not drill_policy.can_start_drill(actor.principal, account_selectors.sandbox_of(account)):
        raise NoPermission()
    if DrillRun.objects.filter(account=account, drill=drill).exclude(stage=drill_policy.REVERTED).exists():
        raise DrillRefused(_("This drill is already running here: revert it first."), code="Drill.AlreadyRunning")
    now = clock.now(account)
    attacker = drill_policy.ATTACKER_IPS[drill]
    with transaction.atomic():
        run = DrillRun.objects.create(
            account=account,
            drill=drill,
            stage=drill_policy.WARMED_UP,
            started_at=now,
            deadline=now + definition.time_limit,
            detail={"attacker_ip": attacker},
        )
        run.detail.update(_WARM_UPS[drill](account, now))
        run.save(update_fields=["detail"])
        _record(account, START_ACTION, run, actor=actor, operator=operator)
    # After the warm-up commits, as the sandbox seed's lock-outs: the logon pipeline hashes before it locks.
    _DETONATIONS[drill](account, run)
    run.stage = drill_policy.DETONATED
    run.save(update_fields=["stage"])
    return run


def _warm_up_leaked_key(account: Account, now: datetime) -> dict:
    root = _root_actor(account)
    past = now - WARM_UP_AGE
    user = user_services.ram_user_create(actor=root, name=f"ci-deploy-{_suffix()}", display_name="CI deploy", now=past)
    user_services.policy_attach(actor=root, user=user, policy_name=SystemPolicy.READ_ONLY, now=past)
    in_use = access_key_services.access_key_create(actor=root, user=user, now=past).access_key
    leaked = access_key_services.access_key_create(actor=root, user=user, now=now - timedelta(days=60)).access_key
    access_key_services.access_key_mark_used(access_key=in_use, now=now - timedelta(hours=3))
    access_key_services.access_key_mark_used(access_key=leaked, now=now - timedelta(days=20))
    others = AccessKey.objects.filter(principal__account=account, status=AccessKey.Status.ACTIVE).exclude(pk=leaked.pk)
    return {
        "user_id": user.user_id,
        "user_name": user.name,
        "key_id": leaked.access_key_id,
        "other_keys": sorted(others.values_list("access_key_id", flat=True)),
    }


def _detonate_leaked_key(account: Account, run: DrillRun) -> None:
    """The calls the API endpoint records for requests signed with the key (its events, Last Used)."""
    key = AccessKey.objects.select_related("principal__account").get(access_key_id=run.detail["key_id"])
    now = clock.now(account)
    for action, result in LEAKED_KEY_CALLS:
        events.record(
            action=action,
            account=account,
            actor=key.principal,
            actor_name=key.access_key_id,
            source_ip=run.detail["attacker_ip"],
            result=result,
            account_time=now,
            detail={"api": True},
        )
    access_key_services.access_key_mark_used(access_key=key, now=now)


def _warm_up_spraying(account: Account, now: datetime) -> dict:
    root = _root_actor(account)
    past = now - WARM_UP_AGE
    suffix = _suffix()
    users = []
    for name in SPRAYED_USERS:
        user = user_services.ram_user_create(actor=root, name=f"{name}-{suffix}", display_name=name, now=past)
        login_profile_services.login_profile_create(actor=root, user=user, generate_password=True, now=past)
        users.append(user)
    rule = password_policy_of(_fresh(account))
    previous = rule.max_login_attempts
    values = {name: getattr(rule, name) for name in security_services.PASSWORD_POLICY_FIELDS}
    security_services.password_policy_update(actor=root, now=past, **{**values, "max_login_attempts": 0})
    return {
        "user_ids": [user.user_id for user in users],
        "user_names": [user.name for user in users],
        "previous_max_login_attempts": previous,
    }


def _wrong_passwords(logon_names: list[str], source_ip: str) -> None:
    for password in SPRAYED_PASSWORDS:
        for logon_name in logon_names:
            with contextlib.suppress(LogonRefused):
                logon_services.console_logon(logon_name=logon_name, password=password, source_ip=source_ip)


def _detonate_spraying(account: Account, run: DrillRun) -> None:
    users = Principal.objects.filter(account=account, user_id__in=run.detail["user_ids"]).select_related("account")
    _wrong_passwords([user.upn for user in users], run.detail["attacker_ip"])


def _warm_up_stale_admin(account: Account, now: datetime) -> dict:
    root = _root_actor(account)
    past = now - WARM_UP_AGE
    user = user_services.ram_user_create(
        actor=root, name=f"ops-admin-{_suffix()}", display_name="Ops admin (legacy)", now=past
    )
    login_profile_services.login_profile_create(actor=root, user=user, generate_password=True, now=past)
    user_services.policy_attach(actor=root, user=user, policy_name=SystemPolicy.FULL_ACCESS, now=past)
    # No service writes a past logon: only a logon does, and it happened months ago.
    Principal.objects.filter(pk=user.pk).update(last_login=now - STALE_LAST_LOGON)
    return {"user_id": user.user_id, "user_name": user.name}


def _detonate_stale_admin(account: Account, run: DrillRun) -> None:
    user = Principal.objects.select_related("account").get(account=account, user_id=run.detail["user_id"])
    with contextlib.suppress(LogonRefused):
        logon_services.console_logon(
            logon_name=user.upn, password=SPRAYED_PASSWORDS[0], source_ip=run.detail["attacker_ip"]
        )
    with contextlib.suppress(LogonRefused):
        logon_services.console_logon(
            logon_name=user.upn, password=SPRAYED_PASSWORDS[1], source_ip=run.detail["attacker_ip"]
        )


_WARM_UPS = {
    drill_policy.LEAKED_ACCESS_KEY: _warm_up_leaked_key,
    drill_policy.PASSWORD_SPRAYING: _warm_up_spraying,
    drill_policy.STALE_ADMINISTRATOR: _warm_up_stale_admin,
}
_DETONATIONS = {
    drill_policy.LEAKED_ACCESS_KEY: _detonate_leaked_key,
    drill_policy.PASSWORD_SPRAYING: _detonate_spraying,
    drill_policy.STALE_ADMINISTRATOR: _detonate_stale_admin,
}


# Judging: the facts of each pass rule, read from the account's current state.


def _leaked_key_passes(run: DrillRun) -> bool:
    keys = dict(AccessKey.objects.filter(principal__account=run.account).values_list("access_key_id", "status"))
    others = run.detail.get("other_keys", [])
    return drill_policy.leaked_key_contained(
        drill_policy.LeakedKeyFacts(
            leaked_key_status=keys.get(run.detail["key_id"]),
            other_keys_intact=all(keys.get(key_id) == AccessKey.Status.ACTIVE for key_id in others),
        )
    )


def _locked_down(account: Account, user_ids: list[str]) -> bool:
    users = Principal.objects.filter(account=account, user_id__in=user_ids)
    profiles = {p.principal_id: p for p in LoginProfile.objects.filter(principal__in=users)}
    bound = set(VirtualMFADevice.objects.filter(principal__in=users).values_list("principal_id", flat=True))
    return all(
        drill_policy.user_locked_down(
            has_login_profile=user.pk in profiles,
            password_logon=user.pk in profiles and profiles[user.pk].console_password_enabled,
            mfa_required=user.pk in profiles and profiles[user.pk].mfa_required,
            mfa_bound=user.pk in bound,
        )
        for user in users
    )


def _spraying_passes(run: DrillRun) -> bool:
    account = _fresh(run.account)
    return drill_policy.spraying_contained(
        drill_policy.SprayingFacts(
            max_login_attempts=password_policy_of(account).max_login_attempts,
            login_network_masks=security_preference_of(account).login_network_masks,
            attacker_ip=run.detail["attacker_ip"],
            targets_locked_down=_locked_down(run.account, run.detail["user_ids"]),
        )
    )


def _stale_admin_passes(run: DrillRun) -> bool:
    user = Principal.objects.filter(account=run.account, user_id=run.detail["user_id"]).first()
    profile = LoginProfile.objects.filter(principal=user).first() if user else None
    return drill_policy.stale_admin_contained(
        drill_policy.StaleAdminFacts(
            exists=user is not None,
            has_login_profile=profile is not None,
            mfa_required=profile is not None and profile.mfa_required,
            mfa_bound=user is not None and VirtualMFADevice.objects.filter(principal=user).exists(),
        )
    )


_PASS_RULES = {
    drill_policy.LEAKED_ACCESS_KEY: _leaked_key_passes,
    drill_policy.PASSWORD_SPRAYING: _spraying_passes,
    drill_policy.STALE_ADMINISTRATOR: _stale_admin_passes,
}


@dataclass(frozen=True)
class DrillStatus:
    status: str  # passed | running | expired | reverted (policy.drills)
    time_left: timedelta  # zero once past the deadline

    @property
    def passed(self) -> bool:
        return self.status == drill_policy.PASSED

    @property
    def minutes_left(self) -> int:
        return int(self.time_left.total_seconds() // 60)


def _last_change(run: DrillRun) -> datetime | None:
    """Account time of the account's newest change since the start (a clock move is none)."""
    return (
        Event.objects.filter(account=run.account, account_time__gte=run.started_at)
        .exclude(action=CLOCK_ACTION)
        .order_by("-account_time")
        .values_list("account_time", flat=True)
        .first()
    )


def drill_status(run: DrillRun, now: datetime) -> DrillStatus:
    """Passed, running, expired or reverted, from the real state. A state that passes counts once
    it is seen before the deadline, or when no change came after the deadline (so the fix was in
    time); the first time it is seen passing is kept, so a later expiry does not undo it."""
    time_left = max(run.deadline - now, timedelta(0))
    if run.passed_at is not None:  # cleaning up a passed drill does not undo the pass
        return DrillStatus(drill_policy.PASSED, timedelta(0))
    if run.stage == drill_policy.REVERTED:
        return DrillStatus(drill_policy.REVERTED, timedelta(0))
    if run.stage in (drill_policy.DETONATED, drill_policy.EXPIRED) and _PASS_RULES[run.drill](run):
        changed = _last_change(run)
        if now <= run.deadline or (changed is not None and changed <= run.deadline):
            passed_at = min(now, changed) if changed is not None else now
            DrillRun.objects.filter(pk=run.pk, passed_at__isnull=True).update(
                stage=drill_policy.PASSED, passed_at=passed_at
            )
            run.stage, run.passed_at = drill_policy.PASSED, passed_at
            return DrillStatus(drill_policy.PASSED, timedelta(0))
    if now > run.deadline:
        if run.stage != drill_policy.EXPIRED:
            DrillRun.objects.filter(pk=run.pk, passed_at__isnull=True).update(stage=drill_policy.EXPIRED)
            run.stage = drill_policy.EXPIRED
        return DrillStatus(drill_policy.EXPIRED, timedelta(0))
    return DrillStatus(drill_policy.RUNNING, time_left)


def passed_drills(account: Account) -> list[str]:
    """The drills passed in `account` (for the class view), in the order policy.drills lists them.
    A drill passed and then reverted (cleaned up) stays passed."""
    now = clock.now(account)
    passed = {run.drill for run in DrillRun.objects.filter(account=account) if drill_status(run, now).passed}
    return [key for key in drill_policy.DRILLS if key in passed]


def drill_revert(run: DrillRun, *, actor: Actor | None = None, operator: str = "") -> DrillRun:
    """Clean up what the drill created: its users (with their keys, logons and devices), and the
    retry limit the spraying drill removed (unless the trainee has set one since)."""
    account = run.account
    if actor is not None and not drill_policy.can_start_drill(actor.principal, account_selectors.sandbox_of(account)):
        raise NoPermission()
    if run.stage == drill_policy.REVERTED:
        return run
    root = _root_actor(account)
    user_ids = run.detail.get("user_ids") or [run.detail["user_id"]]
    with transaction.atomic():
        for user in Principal.objects.filter(account=account, user_id__in=user_ids).select_related("account"):
            user_services.ram_user_delete(actor=root, user=user, force=True)
        previous = run.detail.get("previous_max_login_attempts")
        rule = password_policy_of(_fresh(account))
        if previous and rule.max_login_attempts == 0:
            values = {name: getattr(rule, name) for name in security_services.PASSWORD_POLICY_FIELDS}
            security_services.password_policy_update(actor=root, **{**values, "max_login_attempts": previous})
        run.stage = drill_policy.REVERTED
        run.save(update_fields=["stage"])
        _record(account, REVERT_ACTION, run, actor=actor, operator=operator)
    return run


@dataclass(frozen=True)
class ExpectedResult:
    expected: drill_policy.Expected
    done: bool


@dataclass(frozen=True)
class Debrief:
    run: DrillRun
    drill: drill_policy.Drill
    status: DrillStatus
    trainee_events: list[Event]
    expected: list[ExpectedResult]


DEBRIEF_EVENT_LIMIT = 200


def drill_debrief(run: DrillRun, now: datetime) -> Debrief:
    """What the trainee did (the account's events since the start, less the attacker's and the
    drill's own) against what was expected, and the verdict."""
    status = drill_status(run, now)
    trainee = list(
        Event.objects.filter(account=run.account, account_time__gte=run.started_at)
        .exclude(source_ip=run.detail["attacker_ip"])
        .exclude(action__in=(START_ACTION, REVERT_ACTION))
        .order_by("account_time", "id")[:DEBRIEF_EVENT_LIMIT]
    )
    succeeded = {event.action for event in trainee if event.succeeded}
    definition = drill_policy.DRILLS[run.drill]
    return Debrief(
        run=run,
        drill=definition,
        status=status,
        trainee_events=trainee,
        expected=[ExpectedResult(item, bool(item.actions & succeeded)) for item in definition.expected],
    )
