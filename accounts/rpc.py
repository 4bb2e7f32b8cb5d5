"""API actions on users, login profiles, own passwords and system policies (RAM-API.md §7.2, 7.3, 7.5, 7.11)."""

from __future__ import annotations

import base64
from typing import Any

from accounts import selectors
from accounts.models import Principal
from accounts.services import login_profiles as login_profile_services
from accounts.services import passwords as password_services
from accounts.services import users as user_services
from ramconsole.gateway.actions import RAM, ApiCall, format_date, register
from security import policy
from security.errors import EntityNotExist, InvalidParameter


def user_view(user: Principal, call: ApiCall, *, last_login: bool = True) -> dict[str, Any]:
    view: dict[str, Any] = {
        "UserId": user.user_id,
        "UserName": user.name,
        "DisplayName": user.display_name,
        "MobilePhone": user.mobile_phone,
        "Email": user.email,
        "Comments": user.comments,
        "CreateDate": format_date(user.created_at),
        "UpdateDate": format_date(user.updated_at),
    }
    if last_login:
        view["LastLoginDate"] = format_date(user.last_login)
    if call.is_ims:
        view["UserPrincipalName"] = user.upn
        view["ProvisionType"] = "Manual"
        view["Status"] = "active"
    return view


def _new_user_name(call: ApiCall) -> str:
    """RAM names the user; IMS gives `name@<default domain>` and the name is its prefix."""
    if not call.is_ims:
        return call.text("UserName", required=True)
    upn = call.text("UserPrincipalName", required=True)
    return policy.user_name_from_upn(upn, default_domain=call.account.default_domain)


@register("CreateUser")
def create_user(call: ApiCall) -> dict[str, Any]:
    name = _new_user_name(call)
    if call.is_ims:  # IMS requires a display name of at most 24 characters
        display_name = call.text("DisplayName", required=True)
        policy.check_display_name(display_name, max_length=policy.IMS_DISPLAY_NAME_MAX_LENGTH)
    else:  # RAM's DisplayName is optional; the console shows the user name then
        display_name = call.text("DisplayName") or name
    user = user_services.ram_user_create(
        actor=call.actor,
        name=name,
        display_name=display_name,
        email=call.text("Email"),
        mobile_phone=call.text("MobilePhone"),
        comments=call.text("Comments"),
    )
    view = user_view(user, call, last_login=False)
    view.pop("UpdateDate")
    return {"User": view}


@register("GetUser")
def get_user(call: ApiCall) -> dict[str, Any]:
    user = call.user(by_access_key=True)
    policy.check_allowed(call.actor.principal, "GetUser", target=user)
    return {"User": user_view(user, call)}


@register("ListUsers")
def list_users(call: ApiCall) -> dict[str, Any]:
    policy.check_allowed(call.actor.principal, "ListUsers")
    max_items = call.max_items(default=1000 if call.is_ims else 100, maximum=1000)
    after = _decode_marker(call.text("Marker"))
    users = list(selectors.ram_users_after(account=call.account, after_pk=after, limit=max_items + 1))
    truncated = len(users) > max_items
    users = users[:max_items]
    result: dict[str, Any] = {
        "IsTruncated": truncated,
        "Users": {"User": [user_view(u, call, last_login=False) for u in users]},
    }
    if truncated:
        result["Marker"] = base64.urlsafe_b64encode(str(users[-1].pk).encode()).decode()
    return result


def _decode_marker(marker: str) -> int:
    if not marker:
        return 0
    try:
        return int(base64.urlsafe_b64decode(marker.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise InvalidParameter('The parameter - "Marker" is invalid.', code="InvalidParameter.Marker") from None


@register("UpdateUser")
def update_user(call: ApiCall) -> dict[str, Any]:
    user = call.user()
    new_name = call.text("NewUserPrincipalName" if call.is_ims else "NewUserName")
    if new_name:
        raise InvalidParameter(
            "Renaming a RAM user is not supported by this sandbox.", code="InvalidParameter.NewUserName.NotSupported"
        )
    updated = user_services.ram_user_update(
        actor=call.actor,
        user=user,
        display_name=call.text("NewDisplayName", default=user.display_name),
        email=call.text("NewEmail", default=user.email),
        mobile_phone=call.text("NewMobilePhone", default=user.mobile_phone),
        comments=call.text("NewComments", default=user.comments),
    )
    return {"User": user_view(updated, call, last_login=False)}


@register("DeleteUser")
def delete_user(call: ApiCall) -> dict[str, Any]:
    user_services.ram_user_delete(actor=call.actor, user=call.user())
    return {}


def login_profile_view(user: Principal, call: ApiCall) -> dict[str, Any]:
    profile = user.login_profile
    view: dict[str, Any] = {
        "PasswordResetRequired": profile.password_reset_required,
        "MFABindRequired": profile.mfa_required,
    }
    if call.is_ims:
        view.update(
            UserPrincipalName=user.upn,
            Status="Active" if profile.console_password_enabled else "Inactive",
            # An initial password is one an administrator set and the user must still change.
            PasswordStatus="InitialValid" if profile.password_reset_required else "NotInitial",
            UpdateDate=format_date(profile.updated_at),
            LastLoginTime=format_date(user.last_login),
        )
    else:
        view.update(UserName=user.name, CreateDate=format_date(profile.created_at))
    return view


def _console_enabled(call: ApiCall) -> bool | None:
    status = call.text("Status") if call.is_ims else ""
    if status and status not in ("Active", "Inactive"):
        raise InvalidParameter('The parameter - "Status" is incorrect.', code="InvalidParameter.Status")
    return None if not status else status == "Active"


@register("CreateLoginProfile")
def create_login_profile(call: ApiCall) -> dict[str, Any]:
    user = call.user()
    enabled = _console_enabled(call)
    login_profile_services.login_profile_create(
        actor=call.actor,
        user=user,
        password=call.text("Password", required=True),
        password_reset_required=bool(call.boolean("PasswordResetRequired", default=False)),
        mfa_required=bool(call.boolean("MFABindRequired", default=False)),
        console_password_enabled=True if enabled is None else enabled,
    )
    return {
        "LoginProfile": login_profile_view(selectors.ram_user_get(account=call.account, user_id=user.user_id), call)
    }


@register("GetLoginProfile")
def get_login_profile(call: ApiCall) -> dict[str, Any]:
    user = call.user()
    policy.check_allowed(call.actor.principal, "GetLoginProfile", target=user)
    if selectors.login_profile_of(user) is None:
        raise EntityNotExist("The user login profile does not exist.", code="EntityNotExist.User.LoginProfile")
    return {"LoginProfile": login_profile_view(user, call)}


@register("UpdateLoginProfile")
def update_login_profile(call: ApiCall) -> dict[str, Any]:
    user = call.user()
    login_profile_services.login_profile_update(
        actor=call.actor,
        user=user,
        password=call.text("Password") or None,
        password_reset_required=call.boolean("PasswordResetRequired"),
        mfa_required=call.boolean("MFABindRequired"),
        console_password_enabled=_console_enabled(call),
    )
    if call.is_ims:
        return {
            "LoginProfile": login_profile_view(selectors.ram_user_get(account=call.account, user_id=user.user_id), call)
        }
    return {}


def _fresh(call: ApiCall, user: Principal) -> Principal:
    return selectors.ram_user_get(account=call.account, user_id=user.user_id)


@register("DeleteLoginProfile")
def delete_login_profile(call: ApiCall) -> dict[str, Any]:
    login_profile_services.login_profile_delete(actor=call.actor, user=call.user())
    return {}


@register("ChangePassword")
def change_password(call: ApiCall) -> dict[str, Any]:
    password_services.password_change(
        actor=call.actor,
        old_password=call.text("OldPassword", required=True),
        new_password=call.text("NewPassword", required=True),
    )
    return {}


def _system_policy_name(call: ApiCall) -> str:
    """Only the two system policies exist here; a Custom policy name never does."""
    policy_type = call.text("PolicyType", required=True)
    if policy_type not in ("System", "Custom"):
        raise InvalidParameter('The parameter - "PolicyType" is incorrect.', code="InvalidParameter.PolicyType")
    name = call.text("PolicyName", required=True)
    if policy_type == "Custom":
        raise EntityNotExist("The policy does not exist.", code="EntityNotExist.Policy")
    return name


@register("AttachPolicyToUser", versions=(RAM,))
def attach_policy_to_user(call: ApiCall) -> dict[str, Any]:
    user_services.policy_attach(actor=call.actor, user=call.user(), policy_name=_system_policy_name(call))
    return {}


@register("DetachPolicyFromUser", versions=(RAM,))
def detach_policy_from_user(call: ApiCall) -> dict[str, Any]:
    name = _system_policy_name(call)
    policy.check_system_policy_name(name)
    user_services.policy_detach(actor=call.actor, user=call.user(), policy_name=name)
    return {}


@register("ListPoliciesForUser", versions=(RAM,))
def list_policies_for_user(call: ApiCall) -> dict[str, Any]:
    user = call.user()
    policy.check_allowed(call.actor.principal, "ListPoliciesForUser", target=user)
    attachments = selectors.policy_attachments_of(user)
    return {
        "Policies": {
            "Policy": [
                {
                    "PolicyName": a.policy_name,
                    "PolicyType": "System",
                    "Description": str(a.get_policy_name_display()),
                    "DefaultVersion": "v1",
                    "AttachDate": format_date(a.attached_at),
                }
                for a in attachments
            ]
        }
    }
