"""Who may do what: the console roles and the self-service permissions (PRODUCT.md §1, §5.1)."""

from __future__ import annotations

from dataclasses import dataclass

from accounts import selectors
from accounts.models import Principal, Sandbox, SystemPolicy
from security.errors import NoPermission
from security.selectors import security_preference_of

# Actions that read and never change anything: what AliyunRAMReadOnlyAccess may call.
_READ_PREFIXES = ("Get", "List")
# Reads that still need administrator rights, because they expose every user's credentials.
ADMIN_ONLY_READS = frozenset({"GetCredentialReport", "GetAccountSecurityPracticeReport"})
# Actions a RAM user may always perform on itself (its own Security page).
ALWAYS_SELF_SERVICE = frozenset(
    {"GetUser", "GetLoginProfile", "ListPoliciesForUser", "GetPasswordPolicy", "GetUserMFAInfo"}
)
# Actions on itself that a RAM user may perform when the account's security settings allow them.
SELF_SERVICE_BY_PREFERENCE = {
    "ChangePassword": "allow_user_to_change_password",
    "CreateAccessKey": "allow_user_to_manage_access_keys",
    "UpdateAccessKey": "allow_user_to_manage_access_keys",
    "DeleteAccessKey": "allow_user_to_manage_access_keys",
    "ListAccessKeys": "allow_user_to_manage_access_keys",
    "GetAccessKeyLastUsed": "allow_user_to_manage_access_keys",
    "CreateVirtualMFADevice": "allow_user_to_manage_mfa_devices",
    "BindMFADevice": "allow_user_to_manage_mfa_devices",
    "UnbindMFADevice": "allow_user_to_manage_mfa_devices",
}
# The root Security Settings page acts on the account's own identity: the root alone, whatever a
# RAM user's policies. No API action does this: the names are those of the events they record,
# but for the root's MFA, whose events (BindMFADevice, UnbindMFADevice) a RAM user may do on itself.
ROOT_ONLY = frozenset(
    {
        "SetAccountLoginMask",
        "SendVerificationCode",
        "VerifyIdentity",
        "ChangeAccountPassword",
        "EnableRootMFA",
        "DisableRootMFA",
    }
)


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


def changes_nothing(action: str) -> bool:
    """Get and List actions only read, whoever may call them."""
    return action.startswith(_READ_PREFIXES)


def is_read_action(action: str) -> bool:
    return changes_nothing(action) and action not in ADMIN_ONLY_READS


def _self_service_allows(principal: Principal, action: str) -> bool:
    if action in ALWAYS_SELF_SERVICE:
        return True
    flag = SELF_SERVICE_BY_PREFERENCE.get(action)
    return flag is not None and getattr(security_preference_of(principal.account), flag)


def can(principal: Principal, action: str, *, target: Principal | None = None) -> bool:
    """Whether `principal` may perform `action` on its own account (and on `target`, if given).

    A RAM user acting on itself may also perform the self-service actions its account allows,
    whatever its system policies; the ROOT_ONLY actions are the root's alone.
    """
    if target is not None and (target.account_id != principal.account_id or principal.account_id is None):
        return False
    if action in ROOT_ONLY:
        return is_root(principal) and (target is None or target.pk == principal.pk)
    role = role_of(principal)
    if role == Role.ADMIN:
        return True
    if role == Role.READ_ONLY and is_read_action(action):
        return True
    if role == Role.NONE:
        return False
    return target is not None and target.pk == principal.pk and _self_service_allows(principal, action)


def check_allowed(principal: Principal, action: str, *, target: Principal | None = None) -> None:
    """Refuse `action` with NoPermission unless `principal` may perform it."""
    if not can(principal, action, target=target):
        raise NoPermission()


def is_root(principal: Principal) -> bool:
    """The root Security Settings page (login password, account MFA, login mask) is the account's own."""
    return principal.is_authenticated and principal.kind == Principal.Kind.ROOT


def can_reset_sandbox(principal: Principal, sandbox: Sandbox | None) -> bool:
    """Reset sandbox (PRODUCT.md §12): the root of the sandbox's own account (operators use the
    command or the admin). `sandbox` is None when the account is no sandbox."""
    return is_root(principal) and sandbox is not None and principal.account.account_id == sandbox.account_id


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


def can_change_own_password(principal: Principal) -> bool:
    """ChangePassword is a RAM user's own action (the root uses Login Password > Change)."""
    return principal.is_authenticated and principal.is_ram_user and can(principal, "ChangePassword", target=principal)
