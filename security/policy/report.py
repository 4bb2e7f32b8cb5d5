"""The Security Check and its Score (PRODUCT.md §5.3). RAM's own formula is not public; ours is
this table, shown item by item on the Overview page.

| item                                   | weight | earned                                        |
|----------------------------------------|--------|-----------------------------------------------|
| MFA on the account (BindMfa)           |   25   | all or nothing                                |
| No AccessKey on the account            |   20   | all or nothing                                |
| RAM users exist (SubUser)              |   10   | all or nothing                                |
| RAM users with console logon have MFA  |   15   | share of console users with MFA               |
| Strong password policy (SubUserPwdLevel)|  15   | high 15, mid 8, low 0                         |
| No unused AccessKeys (90 days)         |   10   | share of keys that are used                   |
| No old AccessKeys (older than 90 days) |    5   | share of keys that are not old                |
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.models import Principal
from security.models import PasswordPolicy
from security.policy.access import is_root

PASSWORD_LEVEL_POINTS = {"high": 15, "mid": 8, "low": 0}


@dataclass(frozen=True)
class AccountFacts:
    """The numbers the check is computed from (aggregated in SQL by the reports selectors)."""

    root_mfa: bool
    root_keys: int
    users: int
    console_users: int
    console_users_with_mfa: int
    users_with_mfa: int
    keys: int
    unused_keys: int
    old_keys: int
    users_with_unused_keys: int
    users_with_old_keys: int
    password_level: str


@dataclass(frozen=True)
class CheckItem:
    key: str
    title: str  # lazily translated: read in the viewer's language
    weight: int
    earned: int
    passed: bool
    fix_url_name: str

    @property
    def score_if_fixed_gain(self) -> int:
        return self.weight - self.earned


def password_level(policy: PasswordPolicy) -> str:
    """low/mid/high from the password policy: one point each for 12+ characters, 3+ required
    elements, a history, a retry limit and an expiry."""
    points = sum(
        (
            policy.minimum_length >= 12,
            len(policy.required_elements) >= 3,
            policy.reuse_prevention >= 1,
            policy.max_login_attempts >= 1,
            policy.max_password_age_days >= 1,
        )
    )
    return "high" if points >= 4 else "mid" if points >= 2 else "low"


def _share(weight: int, good: int, total: int) -> int:
    return weight if total == 0 else round(weight * good / total)


def security_check(facts: AccountFacts) -> list[CheckItem]:
    with_mfa = _share(15, facts.console_users_with_mfa, facts.console_users)
    used = _share(10, facts.keys - facts.unused_keys, facts.keys)
    young = _share(5, facts.keys - facts.old_keys, facts.keys)
    level = PASSWORD_LEVEL_POINTS[facts.password_level]
    return [
        CheckItem(
            "root_mfa",
            _("MFA on the Alibaba Cloud account"),
            25,
            25 * facts.root_mfa,
            facts.root_mfa,
            "mfa:account-protection",
        ),
        CheckItem(
            "root_keys",
            _("No AccessKey on the Alibaba Cloud account"),
            20,
            20 * (facts.root_keys == 0),
            facts.root_keys == 0,
            "security:root-security-settings",
        ),
        CheckItem(
            "users_exist",
            _("Use RAM users for daily work"),
            10,
            10 * (facts.users > 0),
            facts.users > 0,
            "accounts:user-create",
        ),
        CheckItem(
            "users_mfa", _("RAM users with console logon have MFA"), 15, with_mfa, with_mfa == 15, "accounts:user-list"
        ),
        CheckItem(
            "password_policy",
            _("Strong password policy for RAM users"),
            15,
            level,
            level == 15,
            "security:password-policy",
        ),
        CheckItem("unused_keys", _("No unused AccessKeys (90 days)"), 10, used, used == 10, "accounts:user-list"),
        CheckItem("old_keys", _("No AccessKeys older than 90 days"), 5, young, young == 5, "accounts:user-list"),
    ]


# Set Now pages that are the root's own Security Settings: a RAM administrator cannot open them.
ROOT_FIX_PAGES = frozenset({"mfa:account-protection", "security:root-security-settings"})


def may_open_fix_page(principal: Principal, url_name: str) -> bool:
    """Whether `principal` may follow a Set Now (Overview) or Go (Training) link to `url_name`."""
    return url_name not in ROOT_FIX_PAGES or is_root(principal)


def score(items: list[CheckItem]) -> int:
    return sum(item.earned for item in items)
