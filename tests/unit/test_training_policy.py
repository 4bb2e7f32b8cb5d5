"""Training scenarios are judged from the account's state, at the edges of each rule."""

from __future__ import annotations

import dataclasses

import pytest

from security import policy
from security.models import PasswordPolicy

ALL_GOOD = policy.AccountFacts(
    root_mfa=True,
    root_keys=0,
    users=3,
    console_users=2,
    console_users_with_mfa=2,
    users_with_mfa=2,
    keys=1,
    unused_keys=0,
    old_keys=0,
    users_with_unused_keys=0,
    users_with_old_keys=0,
    password_level="high",
)
STRONG_RULE = PasswordPolicy(minimum_length=12, require_lowercase=True, require_uppercase=True, require_numbers=True)


def _done(**changes: object) -> dict[str, bool]:
    facts = policy.TrainingFacts(
        check=ALL_GOOD,
        admins_without_mfa=0,
        password_rule=STRONG_RULE,
        login_network_masks="10.0.0.0/8",
        user_sso_configured=True,
        sso_logon_succeeded=True,
    )
    facts = dataclasses.replace(facts, **changes)
    return {scenario.key: scenario.done for scenario in policy.training_scenarios(facts)}


def test_every_scenario_is_done_when_the_state_satisfies_it() -> None:
    assert _done() == dict.fromkeys(
        [
            "admins_mfa",
            "rotate_old_keys",
            "strong_password_rule",
            "restrict_logon_network",
            "root_mfa",
            "remove_unused_keys",
            "user_sso",
        ],
        True,
    )


@pytest.mark.parametrize(
    ("changes", "undone"),
    [
        ({"admins_without_mfa": 1}, "admins_mfa"),
        ({"check": dataclasses.replace(ALL_GOOD, old_keys=1)}, "rotate_old_keys"),
        ({"check": dataclasses.replace(ALL_GOOD, unused_keys=1)}, "remove_unused_keys"),
        ({"check": dataclasses.replace(ALL_GOOD, root_mfa=False)}, "root_mfa"),
        ({"user_sso_configured": False}, "user_sso"),  # signed in once, then SSO turned off
        ({"sso_logon_succeeded": False}, "user_sso"),  # configured, nobody signed in through it yet
    ],
)
def test_one_fact_undoes_one_scenario(changes: dict, undone: str) -> None:
    done = _done(**changes)
    assert [key for key, value in done.items() if not value] == [undone]


@pytest.mark.parametrize(
    ("minimum_length", "elements", "done"),
    [(11, 3, False), (12, 3, True), (13, 4, True), (12, 2, False), (32, 2, False)],
)
def test_strong_password_rule_edges(minimum_length: int, elements: int, done: bool) -> None:
    flags = ["require_lowercase", "require_uppercase", "require_numbers", "require_symbols"][:elements]
    rule = PasswordPolicy(minimum_length=minimum_length, **dict.fromkeys(flags, True))
    assert _done(password_rule=rule)["strong_password_rule"] is done


@pytest.mark.parametrize(
    ("masks", "done"),
    [
        ("", False),  # no mask: any address may log on
        ("10.0.0.0/8", True),
        ("10.1.0.0/16;10.200.3.4", True),
        ("10.0.0.0/7", False),  # wider than 10.0.0.0/8
        ("10.0.0.0/8;192.168.0.0/16", False),
        ("::ffff:10.0.0.1/128", False),
    ],
)
def test_restrict_logon_network_edges(masks: str, done: bool) -> None:
    assert _done(login_network_masks=masks)["restrict_logon_network"] is done
