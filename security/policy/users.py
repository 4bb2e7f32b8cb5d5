"""Rules of RAM users: names and attributes, the user quota, and what blocks DeleteUser."""

from __future__ import annotations

import re
from collections.abc import Sequence
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

# User tags (IMS CreateUser, TagResources; the SDK models' field comments): at most 20 per user, a key
# of 1-128 characters, a value of 0-128. RAM reserves keys starting with `aliyun` or `acs:` and values
# starting with `acs:` (refused whatever their case here, as Alibaba Cloud's tag rules elsewhere do),
# and refuses `http://` and `https://` anywhere in either. Error codes are this sandbox's [INF].
MAX_TAGS_PER_USER = 20
TAG_KEY_MAX_LENGTH = 128
TAG_VALUE_MAX_LENGTH = 128
TAG_KEY_RESERVED_PREFIXES = ("aliyun", "acs:")
TAG_VALUE_RESERVED_PREFIXES = ("acs:",)
TAG_FORBIDDEN_PARTS = ("http://", "https://")
# TagResources / UntagResources name 1 to 50 users (ResourceId.N or ResourcePrincipalName.N).
MAX_TAGGED_USERS_PER_CALL = 50

# ListUsers' MaxItems: 1-1000 in both versions, 100 by default in RAM's, 1000 in IMS's.
LIST_USERS_MAX_ITEMS = 1000
RAM_LIST_USERS_DEFAULT_ITEMS = 100

# ListUsers (IMS) Status: `active` (the default), `freeze`, or both; no user of this sandbox is frozen.
USER_STATUS_ACTIVE = "active"
USER_STATUSES = frozenset({USER_STATUS_ACTIVE, "freeze"})


def check_user_name(name: str, *, parameter: str = "UserName") -> None:
    """1-64 characters of letters, digits, `.`, `_` and `-`."""
    if not 1 <= len(name) <= USER_NAME_MAX_LENGTH:
        raise InvalidParameter(
            _('The parameter - "%(p)s" beyond the length limit (1-64 characters).') % {"p": parameter},
            code=f"InvalidParameter.{parameter}.Length",
            field="name",
            console=_("Enter 1 to %(n)d characters.") % {"n": USER_NAME_MAX_LENGTH},
        )
    if not USER_NAME_PATTERN.fullmatch(name):  # match() would let a final newline through ($)
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


def _check_tag_text(text: str, *, n: int, part: str, min_length: int, max_length: int, reserved: tuple) -> None:
    parameter = f"Tag.{n}.{part}"
    if not min_length <= len(text) <= max_length:
        raise InvalidParameter(
            _('The parameter - "%(p)s" must be %(min)d to %(max)d characters.')
            % {"p": parameter, "min": min_length, "max": max_length},
            code=f"InvalidParameter.Tag.{part}.Length",
        )
    folded = text.lower()
    if folded.startswith(reserved) or any(forbidden in folded for forbidden in TAG_FORBIDDEN_PARTS):
        raise InvalidParameter(
            _('The parameter - "%(p)s" may not start with %(reserved)s or contain http:// or https://.')
            % {"p": parameter, "reserved": " or ".join(reserved)},
            code=f"InvalidParameter.Tag.{part}.Format",
        )


def check_tags(tags: list[tuple[str, str]], *, required: bool = False) -> None:
    """The tags of one call (CreateUser, TagResources, or ListUsers' filter), `Tag.1` first: at
    most 20 (and one at least, when `required`), each key once, every key and value within RAM's rules."""
    if required and not tags:
        raise InvalidParameter(
            _('The input parameter "%(p)s" that is mandatory for processing this request is not supplied.')
            % {"p": "Tag.1.Key"},
            code="MissingParameter",
        )
    if len(tags) > MAX_TAGS_PER_USER:
        raise InvalidParameter(
            _('The parameter - "Tag" may hold at most %(n)d tags.') % {"n": MAX_TAGS_PER_USER},
            code="InvalidParameter.Tag.Count",
        )
    seen: set[str] = set()
    for n, (key, value) in enumerate(tags, start=1):
        _check_tag_text(
            key, n=n, part="Key", min_length=1, max_length=TAG_KEY_MAX_LENGTH, reserved=TAG_KEY_RESERVED_PREFIXES
        )
        _check_tag_text(
            value,
            n=n,
            part="Value",
            min_length=0,
            max_length=TAG_VALUE_MAX_LENGTH,
            reserved=TAG_VALUE_RESERVED_PREFIXES,
        )
        if key in seen:
            raise InvalidParameter(
                _('The parameter - "%(p)s" repeats an earlier tag key.') % {"p": f"Tag.{n}.Key"},
                code="InvalidParameter.Tag.Key.Duplicate",
            )
        seen.add(key)


def check_untag_keys(keys: Sequence[str]) -> None:
    """UntagResources' TagKey.N: at most 20 keys, each within the key's length."""
    if len(keys) > MAX_TAGS_PER_USER:
        raise InvalidParameter(
            _('The parameter - "TagKey" may hold at most %(n)d keys.') % {"n": MAX_TAGS_PER_USER},
            code="InvalidParameter.TagKey.Count",
        )
    for n, key in enumerate(keys, start=1):
        if not 1 <= len(key) <= TAG_KEY_MAX_LENGTH:
            raise InvalidParameter(
                _('The parameter - "%(p)s" must be %(min)d to %(max)d characters.')
                % {"p": f"TagKey.{n}", "min": 1, "max": TAG_KEY_MAX_LENGTH},
                code="InvalidParameter.TagKey.Length",
            )


def check_tagged_users(*, ids: list[str], names: list[str]) -> None:
    """TagResources / UntagResources name their users by ID or by name (UPN), not both, 50 at most."""
    if not ids and not names:
        raise InvalidParameter(
            _('The input parameter "%(p)s" that is mandatory for processing this request is not supplied.')
            % {"p": "ResourceId"},
            code="MissingParameter",
        )
    if ids and names:
        raise InvalidParameter(
            _('Give either "ResourceId" or "ResourcePrincipalName", not both.'), code="InvalidParameter.ResourceId"
        )
    parameter, given = ("ResourceId", ids) if ids else ("ResourcePrincipalName", names)
    if len(given) > MAX_TAGGED_USERS_PER_CALL:
        raise InvalidParameter(
            _('The parameter - "%(p)s" may name at most %(n)d users.')
            % {"p": parameter, "n": MAX_TAGGED_USERS_PER_CALL},
            code=f"InvalidParameter.{parameter}.Count",
        )


def check_can_tag_user(*, existing_keys: set[str], new_keys: set[str]) -> None:
    """A user keeps at most 20 tags; a key it already has is overwritten, not added."""
    if len(existing_keys | new_keys) > MAX_TAGS_PER_USER:
        raise LimitExceeded(
            _("The count of tags of the user beyond the current limits (%(n)d).") % {"n": MAX_TAGS_PER_USER},
            code="LimitExceeded.User.Tag",
        )


def user_statuses(status: str, *, tagged: bool) -> frozenset[str]:
    """ListUsers' Status (IMS): `active` when not given, both states when a Tag filter is."""
    if not status:
        return USER_STATUSES if tagged else frozenset({USER_STATUS_ACTIVE})
    statuses = frozenset(status.split(","))
    if not statuses <= USER_STATUSES:
        raise InvalidParameter(
            _('The parameter - "%(p)s" is incorrect.') % {"p": "Status"}, code="InvalidParameter.Status"
        )
    return statuses


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


def user_name_from_upn(upn: str, *, default_domain: str, parameter: str = "UserPrincipalName") -> str:
    """IMS names a new (or renamed) user by its UPN; only the account's default domain may follow the `@`."""
    name, _at, domain = upn.rpartition("@")
    if domain.lower() != default_domain:
        raise InvalidParameter(
            _('The parameter - "%(p)s" must end with @%(d)s.') % {"p": parameter, "d": default_domain},
            code=f"InvalidParameter.{parameter}.Format",
        )
    return name
