"""Password rules: the root password (§3.1), the RAM password policy (§3.2), history, expiry, lockout."""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts import selectors as account_selectors
from ramconsole.kernel import hashers
from security import validators
from security.errors import InvalidParameter, LimitExceeded, raise_all
from security.ranges import PASSWORD_POLICY_RANGES
from security.selectors import password_policy_of

if TYPE_CHECKING:
    from accounts.models import Account, LoginProfile, Principal, VerificationCode
    from security.models import PasswordPolicy

ROOT_PASSWORD_MIN_LENGTH = 6
PASSWORD_MAX_LENGTH = 128
LOCK_DURATION = timedelta(hours=1)
# How long a passed Verify Identity step lets the root change its password.
IDENTITY_VERIFICATION_TTL = timedelta(minutes=5)
# Every password a user sets is kept as a hash, up to the largest history the policy allows, so
# raising Password History Check Policy takes effect at once.
PASSWORD_HISTORY_KEPT = 24


def check_password_policy_values(values: dict[str, Any]) -> None:
    """SetPasswordPolicy: every numeric field within its documented range."""
    check_ranges(values, PASSWORD_POLICY_RANGES)


def check_ranges(values: dict[str, Any], ranges: dict[str, tuple[int, int, str]]) -> None:
    """Each given value within its documented range; every value out of range is refused at once,
    each refusal naming the range."""
    refusals = []
    for name, (minimum, maximum, parameter) in ranges.items():
        value = values.get(name)
        if value is not None and not minimum <= value <= maximum:
            bounds = {"p": parameter, "lo": minimum, "hi": maximum}
            refusals.append(
                InvalidParameter(
                    _('The parameter - "%(p)s" MUST be in the range of %(lo)d and %(hi)d.') % bounds,
                    code=f"InvalidParameter.{parameter}.Range",
                    field=name,
                    console=_("Enter a whole number from %(lo)d to %(hi)d.") % bounds,
                )
            )
    raise_all(refusals)


# --- Root password (§3.1) ------------------------------------------------------------------------


def root_password_problems(password: str) -> list[str]:
    """Problems with an account (root) password: ≥ 6 characters and two of letters/digits/specials."""
    problems = []
    if len(password) < ROOT_PASSWORD_MIN_LENGTH:
        problems.append(_("The password must contain at least 6 characters."))
    kinds = sum(
        (
            any(c.isalpha() and c.isascii() for c in password),
            any(c.isdigit() for c in password),
            any(c in string.punctuation for c in password),
        )
    )
    if kinds < 2:
        problems.append(_("The password must contain at least two of: letters, digits, special characters."))
    return problems


def root_password_help_texts() -> list[str]:
    return [
        _("At least 6 characters."),
        _("At least two of: letters, digits, special characters."),
    ]


def check_root_password(password: str) -> None:
    problems = root_password_problems(password)
    if problems:
        raise InvalidParameter(
            problems[0], code="InvalidParameter.Password.TooWeak", field="new_password", messages=problems
        )


# --- RAM user passwords (§3.2) -------------------------------------------------------------------


def password_validators(policy: PasswordPolicy) -> list[Any]:
    """The account's rules as password validators; also the source of the help text."""
    rules: list[Any] = [validators.MinimumLengthValidator(policy.minimum_length)]
    if policy.required_elements:
        rules.append(validators.RequiredElementsValidator(policy.required_elements))
    if policy.minimum_different_characters:
        rules.append(validators.DistinctCharactersValidator(policy.minimum_different_characters))
    if not policy.allow_user_name_in_password:
        rules.append(validators.UserNameNotIncludedValidator())
    rules.append(validators.NotCommonValidator())
    return rules


def password_help_texts(policy: PasswordPolicy) -> list[str]:
    """What the password fields' help text lists: the current rules of the account."""
    texts = password_validators_help_texts(password_validators(policy))
    if policy.reuse_prevention:
        texts.append(_("Differs from the last %(n)d passwords.") % {"n": policy.reuse_prevention})
    return texts


def check_ram_user_password(
    *,
    user: Principal,
    password: str,
    policy: PasswordPolicy,
    previous_hashes: list[str],
    parameter: str = "Password",
    field: str = "password",
) -> None:
    """A RAM user's new password against the policy and the history; `parameter` names the API
    parameter in the error code (`Password` for login profiles, `NewPassword` for ChangePassword)."""
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidParameter(
            _("The password must not exceed %(n)d characters.") % {"n": PASSWORD_MAX_LENGTH},
            code=f"InvalidParameter.{parameter}.TooWeak",
            field=field,
        )
    try:
        validate_password(password, user, password_validators=password_validators(policy))
    except ValidationError as error:
        raise InvalidParameter(
            error.messages[0],
            code=f"InvalidParameter.{parameter}.TooWeak",
            field=field,
            messages=error.messages,
        ) from None
    if any(hashers.check_password(password, old) for old in previous_hashes[: policy.reuse_prevention]):
        raise InvalidParameter(
            _("The password must differ from the last %(n)d passwords.") % {"n": policy.reuse_prevention},
            code=f"InvalidParameter.{parameter}.ReusePrevention",
            field=field,
        )


def ram_user_new_password_check(user: Principal, policy: PasswordPolicy) -> Callable[[str], None]:
    """A RAM user's new password against the account's rules, for a console form whose confirmation
    did not match: the service (which also checks the history) does not run, the rules still show."""

    def check(password: str) -> None:
        check_ram_user_password(
            user=user,
            password=password,
            policy=policy,
            previous_hashes=[],
            parameter="NewPassword",
            field="new_password",
        )

    return check


def generate_password(policy: PasswordPolicy, user: Principal) -> str:
    """Automatically Regenerate Default Password: a random password that satisfies the policy."""
    length = max(policy.minimum_length, 16)
    alphabets = [string.ascii_lowercase, string.ascii_uppercase, string.digits, "!@#$%^&*()-_=+"]
    while True:
        chars = [secrets.choice(alphabet) for alphabet in alphabets]
        everything = "".join(alphabets)
        chars += [secrets.choice(everything) for _ in range(length - len(chars))]
        secrets.SystemRandom().shuffle(chars)
        candidate = "".join(chars)
        try:
            check_ram_user_password(user=user, password=candidate, policy=policy, previous_hashes=[])
        except InvalidParameter:
            continue  # e.g. the user name happened to appear in it; draw again
        return candidate


# --- Expiry and lockout (§3.2, §9) ---------------------------------------------------------------


def password_validity(policy: PasswordPolicy) -> timedelta | None:
    """How long a password stays valid under Password Validity Period; None = forever."""
    if not policy.max_password_age_days:
        return None
    return timedelta(days=policy.max_password_age_days)


def password_expiry(changed_at: datetime, policy: PasswordPolicy) -> datetime | None:
    """When a password set at `changed_at` expires; None = never."""
    validity = password_validity(policy)
    return None if validity is None else changed_at + validity


def password_expires_at(profile: LoginProfile, policy: PasswordPolicy) -> datetime | None:
    return password_expiry(profile.password_changed_at, policy)


def is_password_expired(profile: LoginProfile, policy: PasswordPolicy, *, now: datetime) -> bool:
    expires_at = password_expires_at(profile, policy)
    return expires_at is not None and expires_at <= now


def password_expiry_cutoff(policy: PasswordPolicy, *, now: datetime) -> datetime | None:
    """A password set at or before this moment is expired now (is_password_expired, for a query);
    None when passwords never expire."""
    if not policy.max_password_age_days:
        return None
    return now - timedelta(days=policy.max_password_age_days)


# "Your password expires in N days" is sent once per password, from this long before it expires.
PASSWORD_EXPIRY_NOTICE = timedelta(days=7)


def password_expiry_notice_due(profile: LoginProfile, policy: PasswordPolicy, *, now: datetime) -> datetime | None:
    """The expiry to announce when this password's notice is due and not yet sent, else None."""
    expires_at = password_expires_at(profile, policy)
    if expires_at is None or now < expires_at - PASSWORD_EXPIRY_NOTICE or profile.expiry_notice_sent_at:
        return None
    return expires_at


def is_locked(profile: LoginProfile, *, now: datetime) -> bool:
    """Locked by Password Retry Constraint Policy: refused until the lock lapses, right password or not."""
    return profile.locked_until is not None and now < profile.locked_until


@dataclass(frozen=True)
class FailedLogon:
    """The counter after one more wrong password, and the lock it causes (if any)."""

    failed_logon_count: int
    locked_until: datetime | None


def after_wrong_password(profile: LoginProfile, policy: PasswordPolicy, *, now: datetime) -> FailedLogon:
    """Count a wrong password; at N consecutive failures the user is locked for an hour.

    A lapsed lock starts a fresh count, so the user gets N new attempts after the hour.
    """
    count = profile.failed_logon_count
    if profile.locked_until is not None and profile.locked_until <= now:
        count = 0
    count += 1
    if policy.max_login_attempts and count >= policy.max_login_attempts:
        return FailedLogon(failed_logon_count=count, locked_until=now + LOCK_DURATION)
    return FailedLogon(failed_logon_count=count, locked_until=None)


# Root logon protection. RAM documents no retry limit for the account owner (the real console puts
# a CAPTCHA in front of repeated failures); the sandbox has no CAPTCHA, so it slows, then locks:
# from the 5th consecutive wrong password on, the next attempt must wait a minute after the last
# failure, and the 10th locks the root's logon for an hour. Account time, like every lock here.
ROOT_SLOWDOWN_AFTER = 5
ROOT_SLOWDOWN_INTERVAL = timedelta(minutes=1)
ROOT_LOCK_AFTER = 10
ROOT_LOCK_DURATION = LOCK_DURATION
ROOT_LOCKED = "locked"
ROOT_THROTTLED = "throttled"


def root_logon_refusal(account: Account, *, now: datetime) -> str | None:
    """Whether the root's logon is locked or slowed down now (ROOT_LOCKED / ROOT_THROTTLED), right
    password or not; None when an attempt may be judged."""
    if account.root_locked_until is not None and now < account.root_locked_until:
        return ROOT_LOCKED
    # A lapsed lock leaves its count behind: the count starts afresh, so no slowdown either.
    if (
        account.root_locked_until is None
        and account.root_failed_logon_count >= ROOT_SLOWDOWN_AFTER
        and now < account.root_last_failed_logon_at + ROOT_SLOWDOWN_INTERVAL
    ):
        return ROOT_THROTTLED
    return None


def after_root_wrong_password(account: Account, *, now: datetime) -> FailedLogon:
    """Count a wrong root password; a lapsed lock starts a fresh count, like a RAM user's."""
    count = account.root_failed_logon_count
    if account.root_locked_until is not None and account.root_locked_until <= now:
        count = 0
    count += 1
    locked_until = now + ROOT_LOCK_DURATION if count >= ROOT_LOCK_AFTER else None
    return FailedLogon(failed_logon_count=count, locked_until=locked_until)


def is_identity_verification_fresh(verified_at: datetime | None, *, now: datetime) -> bool:
    return verified_at is not None and verified_at <= now < verified_at + IDENTITY_VERIFICATION_TTL


@dataclass(frozen=True)
class LoginProfileState:
    """What the user's page says about its console logon: lock and password validity."""

    locked_until: datetime | None
    password_expires_at: datetime | None
    password_expired: bool


def login_profile_state(user: Principal, *, now: datetime) -> LoginProfileState | None:
    profile = getattr(user, "login_profile", None)
    if profile is None:
        return None
    policy = password_policy_of(user.account)
    return LoginProfileState(
        locked_until=profile.locked_until if is_locked(profile, now=now) else None,
        password_expires_at=password_expires_at(profile, policy),
        password_expired=is_password_expired(profile, policy, now=now),
    )


@dataclass(frozen=True)
class PasswordChangeReason:
    """Why a logon that proved its password must set a new one first: an expired password (when it
    expired, under which validity period), else an administrator's Password Reset."""

    expired_at: datetime | None
    max_password_age_days: int


def password_change_reason(profile: LoginProfile, policy: PasswordPolicy, *, now: datetime) -> PasswordChangeReason:
    expired = is_password_expired(profile, policy, now=now)
    return PasswordChangeReason(
        expired_at=password_expires_at(profile, policy) if expired else None,
        max_password_age_days=policy.max_password_age_days,
    )


def expiry_impact(account: Account, *, max_password_age_days: int, now: datetime) -> int:
    """How many RAM users' current passwords a new Password Validity Period would expire at once."""
    if not max_password_age_days:
        return 0
    return account_selectors.passwords_older_than(account=account, cutoff=now - timedelta(days=max_password_age_days))


# Verify Identity by a code sent by email (to the Outbox in the sandbox, PRODUCT.md §3.1): six
# digits, valid five minutes, used once, five wrong tries, at most one new code a minute.
EMAIL_CODE_DIGITS = 6
EMAIL_CODE_TTL = timedelta(minutes=5)
EMAIL_CODE_MAX_FAILURES = 5
EMAIL_CODE_RESEND_AFTER = timedelta(minutes=1)


def generate_email_code() -> str:
    return "".join(secrets.choice(string.digits) for _ in range(EMAIL_CODE_DIGITS))


def check_email_code_may_be_sent(last_sent_at: datetime | None, *, now: datetime) -> None:
    if last_sent_at is not None and now < last_sent_at + EMAIL_CODE_RESEND_AFTER:
        raise LimitExceeded(
            _("A verification code was sent less than a minute ago. Wait a moment before asking for another."),
            code="Throttling.VerificationCode",
            field="email_code",
        )


def check_email_code(code: VerificationCode | None, *, matches: bool, now: datetime) -> None:
    """Accept the newest code sent, unused, in time, before too many wrong tries, when it matches."""
    if code is None or code.used_at is not None:
        raise InvalidParameter(
            _("Send a verification code first."), code="InvalidParameter.VerificationCode.NotSent", field="email_code"
        )
    if now >= code.sent_at + EMAIL_CODE_TTL:
        raise InvalidParameter(
            _("The verification code has expired. Send a new one."),
            code="InvalidParameter.VerificationCode.Expired",
            field="email_code",
        )
    if code.failed_attempts >= EMAIL_CODE_MAX_FAILURES:
        raise InvalidParameter(
            _("Too many wrong verification codes. Send a new one."),
            code="InvalidParameter.VerificationCode.TooManyAttempts",
            field="email_code",
        )
    if not matches:
        raise InvalidParameter(
            _("The verification code is incorrect."), code="InvalidParameter.VerificationCode", field="email_code"
        )
