"""API actions on users, login profiles, own passwords and system policies (RAM-API.md §7.2, 7.3, 7.5, 7.11)."""

from __future__ import annotations

import base64
from typing import Any

from accounts import selectors
from accounts.models import Principal
from accounts.services import login_profiles as login_profile_services
from accounts.services import passwords as password_services
from accounts.services import users as user_services
from ramconsole.gateway.actions import (
    BOOLEAN,
    ENUM,
    IMS,
    INTEGER,
    LIST,
    RAM,
    ApiCall,
    Param,
    Target,
    format_date,
    refused,
    register,
)
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
        view["Status"] = policy.USER_STATUS_ACTIVE
        view["Tags"] = {"Tag": [{"TagKey": tag.key, "TagValue": tag.value} for tag in selectors.tags_of(user)]}
    return view


def _new_user_name(call: ApiCall, parameter: str) -> str:
    """IMS names a user by `name@<default domain>`; the name is its prefix."""
    return policy.user_name_from_upn(
        call.values[parameter], default_domain=call.account.default_domain, parameter=parameter
    )


# IMS sends tags as Tag.N.Key / Tag.N.Value, N from 1.
TAG_PARAM = Param("Tag", LIST, fields=("Key", "Value"), versions=(IMS,))


def _tags(call: ApiCall) -> list[tuple[str, str | None]]:
    """The call's tags in N order; a tag without a value has None."""
    return [(tag.get("Key", ""), tag.get("Value")) for tag in call.values["Tag"]]


@register(
    "CreateUser",
    params=(
        Param("UserName", required=True, versions=(RAM,)),
        Param("UserPrincipalName", required=True, versions=(IMS,)),
        Param("DisplayName", versions=(RAM,)),
        Param("DisplayName", required=True, versions=(IMS,)),
        Param("Email"),
        Param("MobilePhone"),
        Param("Comments"),
        TAG_PARAM,
    ),
)
def create_user(call: ApiCall) -> dict[str, Any]:
    if call.is_ims:  # IMS requires a display name of at most 24 characters
        name = _new_user_name(call, "UserPrincipalName")
        display_name = call.values["DisplayName"]
        policy.check_display_name(display_name, max_length=policy.IMS_DISPLAY_NAME_MAX_LENGTH)
    else:  # RAM's DisplayName is optional; the console shows the user name then
        name = call.values["UserName"]
        display_name = call.values["DisplayName"] or name
    user = user_services.ram_user_create(
        actor=call.actor,
        name=name,
        display_name=display_name,
        email=call.values["Email"],
        mobile_phone=call.values["MobilePhone"],
        comments=call.values["Comments"],
        tags=[(key, value or "") for key, value in _tags(call)] if call.is_ims else [],
    )
    view = user_view(user, call, last_login=False)
    view.pop("UpdateDate")
    return {"User": view}


@register("GetUser", params=(), target=Target.USER, by_access_key=True)
def get_user(call: ApiCall) -> dict[str, Any]:
    return {"User": user_view(call.target, call)}


@register(
    "ListUsers",
    params=(
        # 1-1000 in both versions; the default differs.
        *(
            Param("MaxItems", INTEGER, default=default, range=(1, policy.LIST_USERS_MAX_ITEMS), versions=(version,))
            for version, default in ((RAM, policy.RAM_LIST_USERS_DEFAULT_ITEMS), (IMS, policy.LIST_USERS_MAX_ITEMS))
        ),
        Param("Marker"),
        Param("Status", versions=(IMS,)),
        TAG_PARAM,
    ),
)
def list_users(call: ApiCall) -> dict[str, Any]:
    """IMS filters by tags (a user must have each one; a tag without a value matches any value) and
    by Status; no user here is frozen, so `freeze` alone lists none."""
    max_items = call.values["MaxItems"]
    after = _decode_marker(call.values["Marker"])
    tags = _tags(call) if call.is_ims else []
    policy.check_tags([(key, value or "") for key, value in tags])
    statuses = policy.user_statuses(call.values["Status"] if call.is_ims else "", tagged=bool(tags))
    users = []
    if policy.USER_STATUS_ACTIVE in statuses:
        users = list(
            selectors.ram_users_after(
                account=call.account, after_pk=after, limit=max_items + 1, tags=tags, with_tags=call.is_ims
            )
        )
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


_NEW_ATTRIBUTES = {
    "NewDisplayName": "display_name",
    "NewEmail": "email",
    "NewMobilePhone": "mobile_phone",
    "NewComments": "comments",
}


@register(
    "UpdateUser",
    params=(
        Param("NewUserName", versions=(RAM,)),
        Param("NewUserPrincipalName", versions=(IMS,)),
        *(Param(name) for name in _NEW_ATTRIBUTES),
    ),
    target=Target.USER,
)
def update_user(call: ApiCall) -> dict[str, Any]:
    """Omitted attributes keep their value; a new name (IMS: a new UPN) renames the user."""
    user = call.target
    if call.is_ims:
        new_name = call.values["NewUserPrincipalName"] and _new_user_name(call, "NewUserPrincipalName")
    else:
        new_name = call.values["NewUserName"]
    updated = user_services.ram_user_update(
        actor=call.actor,
        user=user,
        new_name=new_name or None,
        **{
            field: call.values[param] if call.has(param) else getattr(user, field)
            for param, field in _NEW_ATTRIBUTES.items()
        },
    )
    view = user_view(updated, call, last_login=False)
    view.pop("Tags", None)  # IMS UpdateUser answers without them
    return {"User": view}


_TAGGED_USERS = (
    Param("ResourceType", ENUM, required=True, choices=("user",), versions=(IMS,)),
    Param("ResourceId", LIST, versions=(IMS,)),
    Param("ResourcePrincipalName", LIST, versions=(IMS,)),
)


def _tagged_users(call: ApiCall) -> list[Principal]:
    """The users a TagResources / UntagResources call names, by user ID or by UPN, each once."""
    ids, names = call.values["ResourceId"], call.values["ResourcePrincipalName"]
    policy.check_tagged_users(ids=ids, names=names)
    if ids:
        users = [selectors.ram_user_get(account=call.account, user_id=user_id) for user_id in ids]
    else:
        users = [selectors.ram_user_get_by_principal_name(account=call.account, name=name) for name in names]
    return list({user.pk: user for user in users}.values())


@register("TagResources", versions=(IMS,), params=(*_TAGGED_USERS, TAG_PARAM))
def tag_resources(call: ApiCall) -> dict[str, Any]:
    """Adds the tags to each user; a key a user has already takes the new value."""
    tags = [(key, value or "") for key, value in _tags(call)]
    user_services.user_tags_set(actor=call.actor, users=_tagged_users(call), tags=tags)
    return {}


@register(
    "UntagResources",
    versions=(IMS,),
    params=(
        *_TAGGED_USERS,
        Param("TagKey", LIST, versions=(IMS,)),
        Param("All", BOOLEAN, default=False, versions=(IMS,)),
    ),
)
def untag_resources(call: ApiCall) -> dict[str, Any]:
    """Removes the keys named (a key a user does not have is passed over), or, with All and no key, every tag."""
    user_services.user_tags_remove(
        actor=call.actor, users=_tagged_users(call), keys=call.values["TagKey"], remove_all=call.values["All"]
    )
    return {}


@register("DeleteUser", params=(), target=Target.USER)
def delete_user(call: ApiCall) -> dict[str, Any]:
    user_services.ram_user_delete(actor=call.actor, user=call.target)
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
    status = call.values.get("Status")
    return None if status is None else status == "Active"


_LOGIN_PROFILE_FLAGS = (
    Param("PasswordResetRequired", BOOLEAN),
    Param("MFABindRequired", BOOLEAN),
    Param("Status", ENUM, choices=("Active", "Inactive"), versions=(IMS,)),
)


@register("CreateLoginProfile", params=(Param("Password", required=True), *_LOGIN_PROFILE_FLAGS), target=Target.USER)
def create_login_profile(call: ApiCall) -> dict[str, Any]:
    user = call.target
    enabled = _console_enabled(call)
    login_profile_services.login_profile_create(
        actor=call.actor,
        user=user,
        password=call.values["Password"],
        password_reset_required=bool(call.values["PasswordResetRequired"]),
        mfa_required=bool(call.values["MFABindRequired"]),
        console_password_enabled=True if enabled is None else enabled,
    )
    return {"LoginProfile": login_profile_view(_fresh(call, user), call)}


@register("GetLoginProfile", params=(), target=Target.USER)
def get_login_profile(call: ApiCall) -> dict[str, Any]:
    if selectors.login_profile_of(call.target) is None:
        raise EntityNotExist("The user login profile does not exist.", code="EntityNotExist.User.LoginProfile")
    return {"LoginProfile": login_profile_view(call.target, call)}


@register("UpdateLoginProfile", params=(Param("Password"), *_LOGIN_PROFILE_FLAGS), target=Target.USER)
def update_login_profile(call: ApiCall) -> dict[str, Any]:
    user = call.target
    login_profile_services.login_profile_update(
        actor=call.actor,
        user=user,
        password=call.values["Password"] or None,
        password_reset_required=call.values["PasswordResetRequired"],
        mfa_required=call.values["MFABindRequired"],
        console_password_enabled=_console_enabled(call),
    )
    if call.is_ims:
        return {"LoginProfile": login_profile_view(_fresh(call, user), call)}
    return {}


def _fresh(call: ApiCall, user: Principal) -> Principal:
    return selectors.ram_user_get(account=call.account, user_id=user.user_id)


@register("DeleteLoginProfile", params=(), target=Target.USER)
def delete_login_profile(call: ApiCall) -> dict[str, Any]:
    login_profile_services.login_profile_delete(actor=call.actor, user=call.target)
    return {}


@register(
    "ChangePassword",
    params=(Param("OldPassword", required=True), Param("NewPassword", required=True)),
    target=Target.CALLER,
)
def change_password(call: ApiCall) -> dict[str, Any]:
    password_services.password_change(
        actor=call.actor, old_password=call.values["OldPassword"], new_password=call.values["NewPassword"]
    )
    return {}


_POLICY_ON_USER = (
    Param("PolicyType", ENUM, required=True, choices=("System", "Custom")),
    Param("PolicyName", required=True),
    # Resource groups are not modelled: a policy is attached for the whole account only.
    refused("ResourceGroupId"),
)


def _system_policy_name(call: ApiCall) -> str:
    """Only the two system policies exist here; a Custom policy name never does."""
    if call.values["PolicyType"] == "Custom":
        raise EntityNotExist("The policy does not exist.", code="EntityNotExist.Policy")
    return call.values["PolicyName"]


@register("AttachPolicyToUser", versions=(RAM,), params=_POLICY_ON_USER, target=Target.USER)
def attach_policy_to_user(call: ApiCall) -> dict[str, Any]:
    user_services.policy_attach(actor=call.actor, user=call.target, policy_name=_system_policy_name(call))
    return {}


@register("DetachPolicyFromUser", versions=(RAM,), params=_POLICY_ON_USER, target=Target.USER)
def detach_policy_from_user(call: ApiCall) -> dict[str, Any]:
    name = _system_policy_name(call)
    policy.check_system_policy_name(name)
    user_services.policy_detach(actor=call.actor, user=call.target, policy_name=name)
    return {}


@register("ListPoliciesForUser", versions=(RAM,), params=(), target=Target.USER)
def list_policies_for_user(call: ApiCall) -> dict[str, Any]:
    attachments = selectors.policy_attachments_of(call.target)
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
