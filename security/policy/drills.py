"""Incident drills (issue 23): scenarios an instructor starts in a sandbox, each emulating a MITRE
ATT&CK technique with the lifecycle of cloud attack-emulation tools (Stratus Red Team: warm up ->
detonate -> revert). This module holds the drills as data and their pass rules; reports/drills.py
makes them happen through the real services and gathers the facts judged here. A drill is passed
only by the account's real state, never by a button the trainee presses."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from accounts.models import Principal, Sandbox
from security.policy.access import can_reset_sandbox
from security.policy.network import parse_masks

LEAKED_ACCESS_KEY = "leaked_access_key"
PASSWORD_SPRAYING = "password_spraying"  # noqa: S105 - a drill name, not a password
STALE_ADMINISTRATOR = "stale_administrator"

# Stages of a DrillRun (reports.models.DrillRun.stage).
WARMED_UP = "warmed_up"
DETONATED = "detonated"
PASSED = "passed"
EXPIRED = "expired"
REVERTED = "reverted"
RUNNING = "running"  # a detonated drill not yet passed nor past its deadline (a status, never stored)

# Where each drill's attacker comes from: documentation addresses (RFC 5737), none of them the
# sandbox seed's own attacker (accounts.demo.DEMO_ATTACKER_IP) nor inside the training network.
ATTACKER_IPS = {
    LEAKED_ACCESS_KEY: "198.51.100.23",
    PASSWORD_SPRAYING: "203.0.113.140",
    STALE_ADMINISTRATOR: "192.0.2.77",
}
STALE_DAYS = 90


@dataclass(frozen=True)
class Expected:
    """An action the debrief looks for among the trainee's events since the start."""

    text: str
    actions: frozenset[str]
    required: bool = True


@dataclass(frozen=True)
class Drill:
    key: str
    title: str
    technique_id: str
    technique: str
    time_limit: timedelta  # in account time
    briefing: str
    hints: tuple[str, ...]
    expected: tuple[Expected, ...]
    # The lifecycle, for the instructor and the debrief: what warm-up prepares, what detonation does.
    warm_up: str
    detonation: str
    revert: str

    @property
    def minutes(self) -> int:
        return int(self.time_limit.total_seconds() // 60)

    @property
    def technique_url(self) -> str:
        return "https://attack.mitre.org/techniques/" + self.technique_id.replace(".", "/") + "/"


DRILLS: dict[str, Drill] = {
    LEAKED_ACCESS_KEY: Drill(
        key=LEAKED_ACCESS_KEY,
        title=_("Leaked AccessKey"),
        technique_id="T1078.004",
        technique=_("Valid Accounts: Cloud Accounts"),
        time_limit=timedelta(minutes=30),
        briefing=_(
            "The monitoring team reports API calls to RAM from an address this account never uses. "
            "One of the account's AccessKeys has leaked. Find the key and stop it, without breaking "
            "the keys that are still in legitimate use."
        ),
        hints=(
            _("Events lists every API call with its source address and the AccessKey that signed it."),
            _("The owner's User AccessKeys list shows each key's Last Used time."),
            _("Disable or delete only the leaked key: the same user's other key is still in use."),
        ),
        expected=(
            Expected(_("Disable or delete the leaked AccessKey"), frozenset({"UpdateAccessKey", "DeleteAccessKey"})),
            Expected(_("Create a replacement key for the owner"), frozenset({"CreateAccessKey"}), required=False),
        ),
        warm_up=_("A RAM user with read-only access and two AccessKeys, created months ago."),
        detonation=_("Several API calls signed with one of the keys from an unknown address."),
        revert=_("The drill's user and its keys are deleted."),
    ),
    PASSWORD_SPRAYING: Drill(
        key=PASSWORD_SPRAYING,
        title=_("Password spraying"),
        technique_id="T1110.003",
        technique=_("Brute Force: Password Spraying"),
        time_limit=timedelta(minutes=45),
        briefing=_(
            "Wrong passwords are being tried against several RAM users, a few each, all from one address. "
            "The password rule does not lock anyone out. Stop the attack."
        ),
        hints=(
            _("Events shows the refused console logons, their users and their source address."),
            _("Settings > Security Settings > Edit Password Rule: Password Retry Constraint Policy."),
            _(
                "A Logon Address Mask that excludes the attacker's address, or locking down the targeted "
                "users' console logon, closes the door for good."
            ),
        ),
        expected=(
            Expected(_("Set a password retry limit"), frozenset({"SetPasswordPolicy"})),
            Expected(
                _("Exclude the attacker's address by a Logon Address Mask, or lock down the targeted users' logon"),
                frozenset(
                    {"SetSecurityPreference", "UpdateLoginProfile", "DeleteLoginProfile", "BindMFADevice", "DeleteUser"}
                ),
            ),
        ),
        warm_up=_("Three RAM users with console logon, and a password rule without a retry limit."),
        detonation=_("Wrong passwords for each of them through the console logon, from one address."),
        revert=_("The drill's users are deleted and the password rule's retry limit is restored."),
    ),
    STALE_ADMINISTRATOR: Drill(
        key=STALE_ADMINISTRATOR,
        title=_("Stale administrator"),
        technique_id="T1078.004",
        technique=_("Valid Accounts: Cloud Accounts"),
        time_limit=timedelta(minutes=60),
        briefing=_(
            "An audit found an administrator who has not logged on for 90 days and has no MFA; "
            "someone has started trying his password. Make sure his password alone can no longer open the console."
        ),
        hints=(
            _("Users: sort by Last Logon; an administrator holds AliyunRAMFullAccess."),
            _("Events shows the refused logons against him."),
            _("Require MFA at his logon, bind an MFA device, or remove his console logon."),
        ),
        expected=(
            Expected(
                _("Require MFA for the administrator or remove his console logon"),
                frozenset({"UpdateLoginProfile", "DeleteLoginProfile", "BindMFADevice", "DeleteUser"}),
            ),
        ),
        warm_up=_("A RAM user holding AliyunRAMFullAccess, with console logon, no MFA and no logon for 100 days."),
        detonation=_("Two wrong passwords for him through the console logon from an unknown address."),
        revert=_("The drill's administrator is deleted."),
    ),
}


def drill_of(key: str) -> Drill | None:
    return DRILLS.get(key)


def can_start_drill(principal: Principal, sandbox: Sandbox | None) -> bool:
    """From the console, only the sandbox's own root starts (or reverts) a drill, as he resets it;
    instructors start them from the class page."""
    return can_reset_sandbox(principal, sandbox)


# The pass rules. Their facts are read by reports/drills.py from the account's current state.


@dataclass(frozen=True)
class LeakedKeyFacts:
    leaked_key_status: str | None  # "Active" / "Inactive", None once deleted
    other_keys_intact: bool  # every other key active at the start is still there and active


def leaked_key_contained(facts: LeakedKeyFacts) -> bool:
    """That key (and only that key) disabled or deleted: calls signed with it are then refused."""
    return facts.leaked_key_status != "Active" and facts.other_keys_intact


@dataclass(frozen=True)
class SprayingFacts:
    max_login_attempts: int
    login_network_masks: str
    attacker_ip: str
    targets_locked_down: bool  # every targeted user: no console logon, password logon off, or MFA required


def _mask_excludes(masks: str, address: str) -> bool:
    networks = parse_masks(masks)  # already validated when it was saved
    ip = ipaddress.ip_address(address)
    return bool(networks) and not any(ip.version == network.version and ip in network for network in networks)


def spraying_contained(facts: SprayingFacts) -> bool:
    """A retry limit, and the attacker's address masked out or the targeted users' logon locked down."""
    return facts.max_login_attempts > 0 and (
        _mask_excludes(facts.login_network_masks, facts.attacker_ip) or facts.targets_locked_down
    )


@dataclass(frozen=True)
class StaleAdminFacts:
    exists: bool
    has_login_profile: bool
    mfa_required: bool
    mfa_bound: bool


def stale_admin_contained(facts: StaleAdminFacts) -> bool:
    """MFA required for him (or a device bound, which RAM then asks for), or no console logon left."""
    return not facts.exists or not facts.has_login_profile or facts.mfa_required or facts.mfa_bound


def user_locked_down(*, has_login_profile: bool, password_logon: bool, mfa_required: bool, mfa_bound: bool) -> bool:
    """A user a sprayed password no longer opens the console for."""
    return not has_login_profile or not password_logon or mfa_required or mfa_bound
