"""The console logon pipeline: credential steps decided one after another (ARCHITECTURE.md).

Each step reads the attempt and raises LogonRefused with a reason code, or passes. The reason is
recorded in the event; the person at the logon page only ever sees the generic message. Later
steps (login masks, lockout, expiry, MFA, forced change) slot into CREDENTIAL_STEPS and
INTERACTIVE_STEPS without changing the runner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from accounts import selectors
from accounts.models import Principal
from security.errors import LogonRefused

REASON_UNKNOWN_NAME = "InvalidLogonName"
REASON_WRONG_PASSWORD = "WrongPassword"  # noqa: S105 - a reason code, not a password
REASON_CONSOLE_LOGON_DISABLED = "ConsoleLogonDisabled"


@dataclass
class LogonAttempt:
    logon_name: str
    password: str = field(repr=False)
    source_ip: str | None
    now: datetime | None = None
    principal: Principal | None = None


def identify(attempt: LogonAttempt) -> None:
    """Resolve the logon name; an unknown name fails exactly like a wrong password."""
    attempt.principal = selectors.principal_for_logon_name(attempt.logon_name)
    if attempt.principal is None:
        # Spend the time a real check would, so response times do not reveal which names exist.
        Principal().set_password(attempt.password)
        raise LogonRefused(code=REASON_UNKNOWN_NAME)
    if attempt.principal.kind == Principal.Kind.OPERATOR:
        raise LogonRefused(code=REASON_UNKNOWN_NAME)


def console_logon_enabled(attempt: LogonAttempt) -> None:
    """A RAM user needs a logon profile with Console Password Logon enabled."""
    principal = attempt.principal
    if principal.is_ram_user:
        profile = getattr(principal, "login_profile", None)
        if profile is None or not profile.console_password_enabled:
            principal.check_password(attempt.password)  # same cost as a real check
            raise LogonRefused(code=REASON_CONSOLE_LOGON_DISABLED)


def password(attempt: LogonAttempt) -> None:
    if not attempt.principal.check_password(attempt.password):
        raise LogonRefused(code=REASON_WRONG_PASSWORD)


CREDENTIAL_STEPS: list[Callable[[LogonAttempt], None]] = [identify, console_logon_enabled, password]

# Steps that need the user's further input after the credentials pass, in order (none yet).
INTERACTIVE_STEPS: list[str] = []


def evaluate_credentials(attempt: LogonAttempt) -> Principal:
    """Run every credential step; returns the principal or raises LogonRefused."""
    for step in CREDENTIAL_STEPS:
        step(attempt)
    return attempt.principal
