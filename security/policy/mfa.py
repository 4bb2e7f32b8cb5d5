"""MFA rules (PRODUCT.md §8, §9): the TOTP window, replay, consecutive enrolment codes, throttling,
and "remember this browser for 7 days". Codes are checked against the phone's (real) time."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pyotp
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from security.errors import InvalidParameter, RamError, check_all

if TYPE_CHECKING:
    from accounts.models import Principal
    from mfa.models import VirtualMFADevice
    from security.models import SecurityPreference

TIME_STEP_SECONDS = 30
WINDOW_STEPS = 1  # a code of the previous or next step is accepted too (clock drift)
CODE_PATTERN = re.compile(r"^\d{6}$")
DEVICE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9.-]{1,64}$")
# Wrong codes: free attempts, then a delay that doubles with every further failure.
FREE_ATTEMPTS = 3
FIRST_DELAY = timedelta(seconds=5)
MAX_DELAY = timedelta(minutes=15)
ENROLMENT_TTL = timedelta(minutes=10)
REMEMBER_FOR = timedelta(days=7)

REASON_WRONG_CODE = "CheckAuthenticationCodeFail"
REASON_REPLAY = "CheckAuthenticationCodeFail.Replay"
REASON_THROTTLED = "Throttling.MFA"


class MfaCodeRefused(RamError):
    """A refused code. `code` carries the internal reason; RAM answers CheckAuthenticationCodeFail."""

    http_status = 403
    default_code = REASON_WRONG_CODE
    default_message = gettext_lazy('The parameter - "AuthenticationCode" is inccorrect.')  # sic: RAM's wording
    default_console = gettext_lazy("The code is incorrect or was already used. Enter the code your MFA app shows now.")


def step_of(moment: datetime) -> int:
    return int(moment.timestamp()) // TIME_STEP_SECONDS


def check_code_format(code: str, *, field: str = "code") -> None:
    if not CODE_PATTERN.match(code or ""):
        raise InvalidParameter(
            _('The parameter - "AuthenticationCode" MUST be 6 numbers.'),
            code="InvalidParameter.AuthenticationCode.Format",
            field=field,
            console=_("Enter the 6 digits your MFA app shows."),
        )


def check_device_name(name: str) -> None:
    if not 1 <= len(name) <= 64:
        raise InvalidParameter(
            _('The parameter - "VirtualMFADeviceName" beyond the length limit.'),
            code="InvalidParameter.VirtualMFADeviceName.Length",
            field="name",
            console=_("Enter 1 to 64 characters."),
        )
    if not DEVICE_NAME_PATTERN.match(name):
        raise InvalidParameter(
            _('The parameter - "VirtualMFADeviceName" contains invalid chars.'),
            code="InvalidParameter.VirtualMFADeviceName.InvalidChars",
            field="name",
            console=_("Use only letters, digits, periods (.) and hyphens (-)."),
        )


def _code_at(seed: str, step: int) -> str:
    return pyotp.TOTP(seed).at(step * TIME_STEP_SECONDS)


def _matches(seed: str, code: str, step: int) -> bool:
    return hmac.compare_digest(_code_at(seed, step), code)


def check_not_throttled(device: VirtualMFADevice, *, now: datetime, field: str = "code") -> None:
    if device.throttled_until is not None and now < device.throttled_until:
        wait = int((device.throttled_until - now).total_seconds()) + 1
        raise MfaCodeRefused(
            _("Too many wrong codes. Try again in %(s)d seconds.") % {"s": wait}, code=REASON_THROTTLED, field=field
        )


def accepted_step(device: VirtualMFADevice, seed: str, code: str, *, now: datetime, field: str = "code") -> int:
    """The time step a logon/verification code proves, or MfaCodeRefused (wrong, replayed, throttled)."""
    check_code_format(code, field=field)
    check_not_throttled(device, now=now, field=field)
    current = step_of(now)
    for step in range(current - WINDOW_STEPS, current + WINDOW_STEPS + 1):
        if _matches(seed, code, step):
            if device.last_accepted_step is not None and step <= device.last_accepted_step:
                raise MfaCodeRefused(code=REASON_REPLAY, field=field)
            return step
    raise MfaCodeRefused(code=REASON_WRONG_CODE, field=field)


def accepted_consecutive_steps(device: VirtualMFADevice, seed: str, first: str, second: str, *, now: datetime) -> int:
    """Enrolment: two codes of consecutive steps, the second within the window. Returns the second step."""
    check_all(lambda: check_code_format(first, field="code1"), lambda: check_code_format(second, field="code2"))
    check_not_throttled(device, now=now, field="code1")
    current = step_of(now)
    for step in range(current - WINDOW_STEPS - 1, current + WINDOW_STEPS):
        if _matches(seed, first, step) and _matches(seed, second, step + 1):
            return step + 1
    raise MfaCodeRefused(
        _("The two codes must be two consecutive codes shown by the app."), code=REASON_WRONG_CODE, field="code2"
    )


@dataclass(frozen=True)
class FailedCode:
    failed_attempts: int
    throttled_until: datetime | None


def after_wrong_code(device: VirtualMFADevice, *, now: datetime) -> FailedCode:
    """Count a wrong code; after the free attempts each failure doubles the wait."""
    failures = device.failed_attempts + 1
    if failures <= FREE_ATTEMPTS:
        return FailedCode(failures, None)
    delay = min(FIRST_DELAY * 2 ** (failures - FREE_ATTEMPTS - 1), MAX_DELAY)
    return FailedCode(failures, now + delay)


def is_enrolment_abandoned(device: VirtualMFADevice, *, now: datetime) -> bool:
    """An unbound device older than the enrolment lifetime; it never blocks a new enrolment."""
    return not device.is_bound and now - device.created_at >= ENROLMENT_TTL


def may_remember_mfa(principal: Principal, preference: SecurityPreference) -> bool:
    """Save MFA Logon Status for 7 Days is a RAM-user setting; the account itself always gives a code."""
    return principal.is_ram_user and preference.enable_save_mfa_ticket


def is_mfa_remembered(
    remembered: dict | None, device: VirtualMFADevice | None, preference: SecurityPreference, *, now: datetime
) -> bool:
    """A verified "remember this browser" claim skips the MFA step: same device and binding,
    younger than 7 days (account clock), and only while Save MFA Logon Status is allowed."""
    if not remembered or device is None or not device.is_bound or not preference.enable_save_mfa_ticket:
        return False
    try:
        issued = datetime.fromisoformat(remembered["issued"])
    except (KeyError, TypeError, ValueError):
        return False
    same_binding = remembered.get("device") == device.pk and remembered.get("bound") == device.bound_at.isoformat()
    return same_binding and issued <= now < issued + REMEMBER_FOR
