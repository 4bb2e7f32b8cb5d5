"""The policy layer: every RAM rule is decided here. It reads, never writes.

`check_*` raise a RamError, `is_*`/`can_*` return a bool. Actions are named by their RAM/IMS API
action names, so the console, the API and the event trail share one vocabulary.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from accounts import selectors
from accounts.models import Principal, SystemPolicy
from security.errors import DeleteConflict, InvalidParameter, LimitExceeded, NoPermission

# Quotas of RAM (RAM-API.md §9).
MAX_RAM_USERS_PER_ACCOUNT = 1000

USER_NAME_MAX_LENGTH = 64
USER_NAME_PATTERN = re.compile(r"^[A-Za-z0-9._-]+$")
DISPLAY_NAME_MAX_LENGTH = 128
COMMENTS_MAX_LENGTH = 128
MOBILE_PHONE_PATTERN = re.compile(r"^\d{1,4}-\d{4,15}$")
ROOT_PASSWORD_MIN_LENGTH = 6

# Actions that read and never change anything: what AliyunRAMReadOnlyAccess may call.
_READ_PREFIXES = ("Get", "List")
# Reads that still need administrator rights, because they expose every user's credentials.
ADMIN_ONLY_READS = frozenset({"GetCredentialReport", "GetAccountSecurityPracticeReport"})
# Actions a RAM user may always perform on itself (viewing its own Security page).
SELF_SERVICE_ACTIONS = frozenset({"GetUser", "GetLoginProfile", "ListPoliciesForUser"})


class Role:
    ADMIN = "admin"
    READ_ONLY = "read_only"
    SELF_SERVICE = "self_service"
    NONE = "none"


def role_of(principal: Principal) -> str:
    """The console role of `principal` (PRODUCT.md §1)."""
    if not principal.is_authenticated or principal.kind == Principal.Kind.OPERATOR:
        return Role.NONE
    if principal.is_root:
        return Role.ADMIN
    policies = selectors.system_policies_of(principal)
    if SystemPolicy.FULL_ACCESS in policies:
        return Role.ADMIN
    if SystemPolicy.READ_ONLY in policies:
        return Role.READ_ONLY
    return Role.SELF_SERVICE


def is_read_action(action: str) -> bool:
    return action.startswith(_READ_PREFIXES) and action not in ADMIN_ONLY_READS


def can(principal: Principal, action: str, *, target: Principal | None = None) -> bool:
    """Whether `principal` may perform `action` on its own account (and on `target`, if given)."""
    if target is not None and (target.account_id != principal.account_id or principal.account_id is None):
        return False
    role = role_of(principal)
    if role == Role.ADMIN:
        return True
    if role == Role.READ_ONLY and is_read_action(action):
        return True
    if role == Role.NONE:
        return False
    return target is not None and target.pk == principal.pk and action in SELF_SERVICE_ACTIONS


def check_allowed(principal: Principal, action: str, *, target: Principal | None = None) -> None:
    """Refuse `action` with NoPermission unless `principal` may perform it."""
    if not can(principal, action, target=target):
        raise NoPermission()


@dataclass(frozen=True)
class ConsoleCapabilities:
    """What the console shows to a principal; templates read these instead of re-deriving rules."""

    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_view_account(self) -> bool:
        return self.role in (Role.ADMIN, Role.READ_ONLY)


def console_capabilities(principal: Principal) -> ConsoleCapabilities:
    return ConsoleCapabilities(role=role_of(principal))


# --- RAM user attributes -------------------------------------------------------------------------


def check_user_name(name: str, *, parameter: str = "UserName") -> None:
    """1-64 characters of letters, digits, `.`, `_` and `-`."""
    if not 1 <= len(name) <= USER_NAME_MAX_LENGTH:
        raise InvalidParameter(
            _('The parameter - "%(p)s" beyond the length limit (1-64 characters).') % {"p": parameter},
            code=f"InvalidParameter.{parameter}.Length",
            field="name",
        )
    if not USER_NAME_PATTERN.match(name):
        raise InvalidParameter(
            _('The parameter - "%(p)s" contains invalid chars (allowed: letters, digits, ".", "_", "-").')
            % {"p": parameter},
            code=f"InvalidParameter.{parameter}.InvalidChars",
            field="name",
        )


def check_display_name(display_name: str, *, parameter: str = "DisplayName") -> None:
    """1-128 printable characters."""
    if not 1 <= len(display_name) <= DISPLAY_NAME_MAX_LENGTH:
        raise InvalidParameter(
            _('The parameter - "%(p)s" beyond the length limit (1-128 characters).') % {"p": parameter},
            code=f"InvalidParameter.{parameter}.Length",
            field="display_name",
        )
    if not display_name.isprintable():
        raise InvalidParameter(
            _('The parameter - "%(p)s" contains invalid chars.') % {"p": parameter},
            code=f"InvalidParameter.{parameter}.InvalidChars",
            field="display_name",
        )


def check_contact(*, email: str, mobile_phone: str, comments: str, prefix: str = "") -> None:
    """Optional email, mobile phone (`<country code>-<number>`, e.g. 86-18600008888) and comments."""
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidParameter(
                _('The format of the parameter - "%(p)sEmail" is incorrect.') % {"p": prefix},
                code=f"InvalidParameter.{prefix}Email.Format",
                field="email",
            ) from None
    if mobile_phone and not MOBILE_PHONE_PATTERN.match(mobile_phone):
        raise InvalidParameter(
            _('The format of the parameter - "%(p)sMobilePhone" is incorrect (use 86-18600008888).')
            % {"p": prefix},
            code=f"InvalidParameter.{prefix}MobilePhone.Format",
            field="mobile_phone",
        )
    if len(comments) > COMMENTS_MAX_LENGTH:
        raise InvalidParameter(
            _('The parameter - "%(p)sComments" beyond the length limit (128 characters).') % {"p": prefix},
            code=f"InvalidParameter.{prefix}Comments.Length",
            field="comments",
        )


def check_can_add_ram_user(*, existing_count: int) -> None:
    """At most 1000 RAM users per account."""
    if existing_count >= MAX_RAM_USERS_PER_ACCOUNT:
        raise LimitExceeded(
            _("The count of users beyond the current limits (%(n)d).") % {"n": MAX_RAM_USERS_PER_ACCOUNT},
            code="LimitExceeded.User",
        )


def delete_conflicts(user: Principal) -> list[DeleteConflict]:
    """What RAM refuses to delete a user with, in the order RAM reports it."""
    conflicts = []
    if hasattr(user, "login_profile"):
        conflicts.append(
            DeleteConflict(
                _("The user CAN NOT have any login profile while deleting the user."),
                code="DeleteConflict.User.LoginProfile",
            )
        )
    if selectors.system_policies_of(user):
        conflicts.append(
            DeleteConflict(
                _("The user CAN NOT be attached with any policy while deleting the user."),
                code="DeleteConflict.User.Policy",
            )
        )
    return conflicts


def check_can_delete_user(user: Principal) -> None:
    """DeleteUser is refused while the user still has a logon profile or policies (RAM's rule)."""
    conflicts = delete_conflicts(user)
    if conflicts:
        raise conflicts[0]


def check_system_policy_name(policy_name: str) -> None:
    if policy_name not in SystemPolicy.values:
        raise InvalidParameter(
            _("The policy does not exist."), code="EntityNotExist.Policy", field="policy_name"
        )


# --- Root password (PRODUCT.md §3.1) -------------------------------------------------------------


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
    return [str(p) for p in problems]


def check_root_password(password: str) -> None:
    problems = root_password_problems(password)
    if problems:
        raise InvalidParameter(
            problems[0], code="InvalidParameter.Password.TooWeak", field="new_password", messages=problems
        )


def is_root(principal: Principal) -> bool:
    """The root Security Settings page (login password, account MFA, login mask) is the account's own."""
    return principal.is_authenticated and principal.kind == Principal.Kind.ROOT
