"""Rules of RAM users: names and attributes, the user quota, and what blocks DeleteUser."""

from __future__ import annotations

import re
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from accounts import selectors
from accounts.models import Principal, SystemPolicy
from security.errors import DeleteConflict, EntityNotExist, InvalidParameter, LimitExceeded, check_all, raise_all

# Quotas of RAM (RAM-API.md §9).
MAX_RAM_USERS_PER_ACCOUNT = 1000

USER_NAME_MAX_LENGTH = 64
USER_NAME_PATTERN = re.compile(r"^[A-Za-z0-9._-]+$")
DISPLAY_NAME_MAX_LENGTH = 128
IMS_DISPLAY_NAME_MAX_LENGTH = 24
COMMENTS_MAX_LENGTH = 128
MOBILE_PHONE_PATTERN = re.compile(r"^\d{1,4}-\d{4,15}$")


def check_user_name(name: str, *, parameter: str = "UserName") -> None:
    """1-64 characters of letters, digits, `.`, `_` and `-`."""
    if not 1 <= len(name) <= USER_NAME_MAX_LENGTH:
        raise InvalidParameter(
            _('The parameter - "%(p)s" beyond the length limit (1-64 characters).') % {"p": parameter},
            code=f"InvalidParameter.{parameter}.Length",
            field="name",
            console=_("Enter 1 to %(n)d characters.") % {"n": USER_NAME_MAX_LENGTH},
        )
    if not USER_NAME_PATTERN.match(name):
        raise InvalidParameter(
            _('The parameter - "%(p)s" contains invalid chars (allowed: letters, digits, ".", "_", "-").')
            % {"p": parameter},
            code=f"InvalidParameter.{parameter}.InvalidChars",
            field="name",
            console=_("Use only letters, digits, periods (.), underscores (_) and hyphens (-)."),
        )


def check_display_name(
    display_name: str, *, parameter: str = "DisplayName", max_length: int = DISPLAY_NAME_MAX_LENGTH
) -> None:
    """1-128 printable characters (1-24 for IMS CreateUser)."""
    if not 1 <= len(display_name) <= max_length:
        raise InvalidParameter(
            _('The parameter - "%(p)s" beyond the length limit (1-%(n)d characters).')
            % {"p": parameter, "n": max_length},
            code=f"InvalidParameter.{parameter}.Length",
            field="display_name",
            console=_("Enter 1 to %(n)d characters.") % {"n": max_length},
        )
    if not display_name.isprintable():
        raise InvalidParameter(
            _('The parameter - "%(p)s" contains invalid chars.') % {"p": parameter},
            code=f"InvalidParameter.{parameter}.InvalidChars",
            field="display_name",
            console=_("Use printable characters only (no tabs or line breaks)."),
        )


def check_contact(*, email: str, mobile_phone: str, comments: str, prefix: str = "") -> None:
    """Optional email, mobile phone (`<country code>-<number>`, e.g. 86-18600008888) and comments;
    every bad one is refused at once, in this order."""
    refusals = []
    if email:
        try:
            validate_email(email)
        except ValidationError:
            refusals.append(
                InvalidParameter(
                    _('The format of the parameter - "%(p)sEmail" is incorrect.') % {"p": prefix},
                    code=f"InvalidParameter.{prefix}Email.Format",
                    field="email",
                    console=_("Enter an email address such as name@example.com."),
                )
            )
    if mobile_phone and not MOBILE_PHONE_PATTERN.match(mobile_phone):
        refusals.append(
            InvalidParameter(
                _('The format of the parameter - "%(p)sMobilePhone" is incorrect (use 86-18600008888).')
                % {"p": prefix},
                code=f"InvalidParameter.{prefix}MobilePhone.Format",
                field="mobile_phone",
                console=_("Enter the country code, a hyphen and the number, such as 86-18600008888."),
            )
        )
    if len(comments) > COMMENTS_MAX_LENGTH:
        refusals.append(
            InvalidParameter(
                _('The parameter - "%(p)sComments" beyond the length limit (128 characters).') % {"p": prefix},
                code=f"InvalidParameter.{prefix}Comments.Length",
                field="comments",
                console=_("Enter at most %(n)d characters.") % {"n": COMMENTS_MAX_LENGTH},
            )
        )
    raise_all(refusals)


def check_user_attributes(
    *, name: str | None = None, display_name: str, email: str, mobile_phone: str, comments: str, prefix: str = ""
) -> None:
    """CreateUser (with `name`) and UpdateUser (`prefix="New"`): every attribute checked, every
    refusal reported at once, the API's first in RAM's order."""
    checks = [
        lambda: check_display_name(display_name, parameter=f"{prefix}DisplayName"),
        lambda: check_contact(email=email, mobile_phone=mobile_phone, comments=comments, prefix=prefix),
    ]
    if name is not None:
        checks.insert(0, lambda: check_user_name(name))
    check_all(*checks)


def check_can_add_ram_user(*, existing_count: int) -> None:
    """At most 1000 RAM users per account."""
    if existing_count >= MAX_RAM_USERS_PER_ACCOUNT:
        raise LimitExceeded(
            _("The count of users beyond the current limits (%(n)d).") % {"n": MAX_RAM_USERS_PER_ACCOUNT},
            code="LimitExceeded.User",
            console=_("An account can have at most %(n)d RAM users. Delete one before creating another.")
            % {"n": MAX_RAM_USERS_PER_ACCOUNT},
        )


def delete_conflicts(user: Principal) -> list[DeleteConflict]:
    """What RAM refuses to delete a user with, in the order RAM reports it; the console lists each
    as what the user still has."""
    conflicts = []
    if user.access_keys.exists():
        conflicts.append(
            DeleteConflict(
                _("The user CAN NOT have any access key while deleting the user."),
                code="DeleteConflict.User.AccessKey",
                console=_("AccessKeys"),
            )
        )
    if hasattr(user, "login_profile"):
        conflicts.append(
            DeleteConflict(
                _("The user CAN NOT have any login profile while deleting the user."),
                code="DeleteConflict.User.LoginProfile",
                console=_("Console logon settings"),
            )
        )
    if hasattr(user, "mfa_device"):
        conflicts.append(
            DeleteConflict(
                _("The user CAN NOT have any MFA device while deleting the user."),
                code="DeleteConflict.User.MFADevice",
                console=_("An MFA device"),
            )
        )
    if selectors.system_policies_of(user):
        conflicts.append(
            DeleteConflict(
                _("The user CAN NOT be attached with any policy while deleting the user."),
                code="DeleteConflict.User.Policy",
                console=_("Permissions (attached policies)"),
            )
        )
    return conflicts


def check_can_delete_user(user: Principal) -> None:
    """DeleteUser is refused while the user still has a logon profile or policies (RAM's rule)."""
    conflicts = delete_conflicts(user)
    if conflicts:
        raise conflicts[0]


def check_system_policy_name(policy_name: str) -> None:
    """The console knows the two system policies that decide console administration."""
    if policy_name not in SystemPolicy.values:
        raise EntityNotExist(_("The policy does not exist."), code="EntityNotExist.Policy", field="policy_name")


# Sandbox clock (PRODUCT.md §12): how far a trainee may move an account's time in one click.
CLOCK_STEPS = {
    "1h": timedelta(hours=1),
    "1d": timedelta(days=1),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}


def clock_offset_after(current: timedelta, step: str) -> timedelta:
    """The account's new offset: forward by a known step, or back to real time with `reset`."""
    if step == "reset":
        return timedelta()
    if step not in CLOCK_STEPS:
        raise InvalidParameter(_("Unknown clock step."), code="InvalidParameter.ClockStep", field="step")
    return current + CLOCK_STEPS[step]


def user_name_from_upn(upn: str, *, default_domain: str) -> str:
    """IMS names a new user by its UPN; only the account's default domain may follow the `@`."""
    name, _at, domain = upn.rpartition("@")
    if domain.lower() != default_domain:
        raise InvalidParameter(
            _('The parameter - "UserPrincipalName" must end with @%(d)s.') % {"d": default_domain},
            code="InvalidParameter.UserPrincipalName.Format",
        )
    return name
