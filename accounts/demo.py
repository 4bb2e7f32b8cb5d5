"""The demo account: public, documented logins that the logon page shows in demo mode."""

from __future__ import annotations

from dataclasses import dataclass

# Marked only: the notes are seeded data (English), and the logon page's demo panel translates them
# as it shows them.
from django.utils.translation import gettext_noop

DEMO_ACCOUNT_EMAIL = "demo@ramconsole.example"
DEMO_ACCOUNT_ALIAS = "ramconsole-demo"
DEMO_ROOT_PASSWORD = "Demo-root-2026"  # noqa: S105 - a published demo login, not a secret


@dataclass(frozen=True)
class DemoUser:
    name: str
    display_name: str
    password: str | None  # None: no console logon
    policy: str | None
    comments: str = ""
    password_age_days: int = 10  # the password was set this long ago
    locked: bool = False  # seeded by real wrong-password logons until the retry limit locks it
    # AccessKeys: (created this many days ago, last used this many days ago or None = never)
    access_keys: tuple[tuple[int, int | None], ...] = ()
    mfa: bool = False  # a virtual MFA device is bound (its key is printed by seed_demo)
    mfa_required: bool = False  # Enable MFA: Required, not yet enrolled


DEMO_USERS = (
    DemoUser("alice", "Alice Admin", "Alice-admin-2026", "AliyunRAMFullAccess", gettext_noop("Console administrator")),
    DemoUser(
        "bob",
        "Bob Auditor",
        "Bob-auditor-2026",
        "AliyunRAMReadOnlyAccess",
        gettext_noop("Read-only auditor"),
        access_keys=((30, 1),),
    ),
    DemoUser("carol", "Carol Developer", "Carol-dev-2026", None, gettext_noop("Self-service only")),
    DemoUser(
        "ci-robot", "CI robot", None, None, gettext_noop("Programmatic access only"), access_keys=((200, 1), (3, None))
    ),
    DemoUser("dave", "Dave Contractor", "Dave-old-2026", None, gettext_noop("Password expired"), password_age_days=120),
    DemoUser(
        "erin", "Erin Intern", "Erin-intern-2026", None, gettext_noop("Locked out after wrong passwords"), locked=True
    ),
    DemoUser(
        "frank",
        "Frank Finance",
        "Frank-fin-2026",
        None,
        gettext_noop("MFA bound (key and code in the demo panel)"),
        mfa=True,
    ),
    DemoUser(
        "grace", "Grace Sales", "Grace-sales-2026", None, gettext_noop("Must enrol MFA at logon"), mfa_required=True
    ),
)
# Every demo user has existed this long, so its keys and passwords can be older than today.
DEMO_USER_AGE_DAYS = 400
# A weak, imperfect rule, so the Overview has something to fix: no required elements, no history.
DEMO_PASSWORD_POLICY = {"minimum_length": 8, "max_password_age_days": 90, "max_login_attempts": 5}
# Where the seeded wrong-password attempts come from (a documentation address, RFC 5737).
DEMO_ATTACKER_IP = "203.0.113.66"
DEMO_WRONG_PASSWORD = "not-the-password"  # noqa: S105 - deliberately wrong


@dataclass(frozen=True)
class DemoLogin:
    role: str
    logon_name: str
    password: str


def _logins() -> list[DemoLogin]:
    default_domain = f"{DEMO_ACCOUNT_ALIAS}.onaliyun.com"
    logins = [DemoLogin(gettext_noop("Alibaba Cloud account (root)"), DEMO_ACCOUNT_EMAIL, DEMO_ROOT_PASSWORD)]
    for user in DEMO_USERS:
        if user.password:
            logins.append(DemoLogin(user.comments, f"{user.name}@{default_domain}", user.password))
    return logins


DEMO_LOGINS = _logins()
