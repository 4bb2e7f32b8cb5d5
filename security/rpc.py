"""API actions on the password policy and the security preference (RAM-API.md §7.1, 7.4)."""

from __future__ import annotations

from typing import Any

from ramconsole.gateway.actions import IMS, RAM, ApiCall, register
from security import policy, selectors, services
from security.errors import InvalidParameter
from security.models import PasswordPolicy

# API parameter -> password policy field, for both versions (IMS spells HardExpiry "HardExpire").
_COMMON_POLICY_PARAMS = {
    "MinimumPasswordLength": "minimum_length",
    "RequireLowercaseCharacters": "require_lowercase",
    "RequireUppercaseCharacters": "require_uppercase",
    "RequireNumbers": "require_numbers",
    "RequireSymbols": "require_symbols",
    "MaxPasswordAge": "max_password_age_days",
    "PasswordReusePrevention": "reuse_prevention",
    "MaxLoginAttemps": "max_login_attempts",
}
_BOOLEAN_FIELDS = {"require_lowercase", "require_uppercase", "require_numbers", "require_symbols", "hard_expiry"}
# IMS-only parameters this sandbox does not model: accepted only at their "off" value, never ignored.
_UNSUPPORTED_IMS = {"InitialPasswordAge": "0", "InterceptRiskPasswordOnApi": "false"}


def _policy_params(call: ApiCall) -> dict[str, str]:
    params = dict(_COMMON_POLICY_PARAMS)
    if call.is_ims:
        params.update(
            HardExpire="hard_expiry",
            MinimumPasswordDifferentCharacter="minimum_different_characters",
        )
    else:
        params["HardExpiry"] = "hard_expiry"
    return params


def password_policy_view(row: PasswordPolicy, call: ApiCall) -> dict[str, Any]:
    view = {param: getattr(row, field) for param, field in _policy_params(call).items()}
    if call.is_ims:
        view["PasswordNotContainUserName"] = not row.allow_user_name_in_password
        view["InitialPasswordAge"] = 0
        view["InterceptRiskPasswordOnApi"] = False
    return {"PasswordPolicy": view}


@register("SetPasswordPolicy")
def set_password_policy(call: ApiCall) -> dict[str, Any]:
    """Omitted parameters reset to their defaults, as RAM's documentation describes; parameters the
    other API version does not have keep their current value."""
    current = selectors.password_policy_of(call.account)
    defaults = PasswordPolicy()
    values: dict[str, Any] = {}
    for param, field in _policy_params(call).items():
        reader = call.boolean if field in _BOOLEAN_FIELDS else call.integer
        values[field] = reader(param, default=getattr(defaults, field))
    if call.is_ims:
        values["allow_user_name_in_password"] = not call.boolean("PasswordNotContainUserName", default=False)
        for param, off in _UNSUPPORTED_IMS.items():
            if call.text(param, default=off).lower() != off:
                raise InvalidParameter(
                    f'The parameter - "{param}" is not supported by this sandbox (only {off}).',
                    code=f"InvalidParameter.{param}.NotSupported",
                )
    else:
        values["minimum_different_characters"] = current.minimum_different_characters
        values["allow_user_name_in_password"] = current.allow_user_name_in_password
    row = services.password_policy_update(actor=call.actor, **values)
    return password_policy_view(row, call)


@register("GetPasswordPolicy")
def get_password_policy(call: ApiCall) -> dict[str, Any]:
    policy.check_allowed(call.actor.principal, "GetPasswordPolicy")
    return password_policy_view(selectors.password_policy_of(call.account), call)


_PREFERENCE_PARAMS = {
    "AllowUserToChangePassword": "allow_user_to_change_password",
    "AllowUserToManageAccessKeys": "allow_user_to_manage_access_keys",
    "AllowUserToManageMFADevices": "allow_user_to_manage_mfa_devices",
    "EnableSaveMFATicket": "enable_save_mfa_ticket",
}


# IMS-only preferences this sandbox does not model, with the value it runs with (their defaults).
# A Set that asks for another value is refused rather than stored and ignored.
_IMS_FIXED_PREFERENCES = {
    "AllowUserToLoginWithPasskey": "true",
    "MFAOperationForLogin": "independent",
    "OperationForRiskLogin": "autonomous",
    "AllowUserToManageServiceCredentials": "false",
    "MaxIdleDaysForAccessKeys": "730",
    "MaxIdleDaysForUsers": "730",
    "AllowUserToManagePersonalDingTalk": "true",
    "VerificationTypes": "[]",
}


def security_preference_view(call: ApiCall) -> dict[str, Any]:
    row = selectors.security_preference_of(call.account)
    login = {
        "AllowUserToChangePassword": row.allow_user_to_change_password,
        "EnableSaveMFATicket": row.enable_save_mfa_ticket,
        "LoginNetworkMasks": row.login_network_masks,
        "LoginSessionDuration": row.login_session_duration_hours,
    }
    preference: dict[str, Any] = {
        "LoginProfilePreference": login,
        "AccessKeyPreference": {"AllowUserToManageAccessKeys": row.allow_user_to_manage_access_keys},
        "MFAPreference": {"AllowUserToManageMFADevices": row.allow_user_to_manage_mfa_devices},
    }
    if call.is_ims:
        login.update(
            AllowUserToLoginWithPasskey=True, MFAOperationForLogin="independent", OperationForRiskLogin="autonomous"
        )
        preference["AccessKeyPreference"]["AllowUserToManageServiceCredentials"] = False
        preference["MaxIdleDays"] = {"MaxIdleDaysForAccessKeys": 730, "MaxIdleDaysForUsers": 730}
        preference["PersonalInfoPreference"] = {"AllowUserToManagePersonalDingTalk": True}
        preference["VerificationPreference"] = {"VerificationTypes": []}
    else:
        preference["PublicKeyPreference"] = {"AllowUserToManagePublicKeys": False}
    return {"SecurityPreference": preference}


@register("SetSecurityPreference")
def set_security_preference(call: ApiCall) -> dict[str, Any]:
    """Omitted parameters keep their current value (the console's dialog sends them all)."""
    values: dict[str, Any] = {
        field: call.boolean(param) for param, field in _PREFERENCE_PARAMS.items() if call.has(param)
    }
    if call.has("LoginSessionDuration"):
        values["login_session_duration_hours"] = call.integer("LoginSessionDuration")
    if call.has("LoginNetworkMasks"):
        values["login_network_masks"] = call.text("LoginNetworkMasks")
    for param, fixed in _IMS_FIXED_PREFERENCES.items() if call.is_ims else ():
        if call.text(param, default=fixed).replace(" ", "").lower() != fixed:
            raise InvalidParameter(
                f'The parameter - "{param}" is not supported by this sandbox (only {fixed}).',
                code=f"InvalidParameter.{param}.NotSupported",
            )
    if call.boolean("AllowUserToManagePublicKeys", default=False):
        raise InvalidParameter(
            'The parameter - "AllowUserToManagePublicKeys" is not supported by this sandbox.',
            code="InvalidParameter.AllowUserToManagePublicKeys.NotSupported",
        )
    services.security_preference_update(actor=call.actor, **values)
    return security_preference_view(call)


@register("GetSecurityPreference")
def get_security_preference(call: ApiCall) -> dict[str, Any]:
    policy.check_allowed(call.actor.principal, "GetSecurityPreference")
    return security_preference_view(call)


@register("SetAccountAlias", versions=(RAM,))
def set_account_alias(call: ApiCall) -> dict[str, Any]:
    services.account_alias_set(actor=call.actor, alias=call.text("AccountAlias", required=True))
    return {}


@register("GetAccountAlias", versions=(RAM,))
def get_account_alias(call: ApiCall) -> dict[str, Any]:
    policy.check_allowed(call.actor.principal, "GetAccountAlias")
    return {"AccountAlias": call.account.alias}


@register("ClearAccountAlias", versions=(RAM,))
def clear_account_alias(call: ApiCall) -> dict[str, Any]:
    services.account_alias_clear(actor=call.actor)
    return {}


@register("SetDefaultDomain", versions=(IMS,))
def set_default_domain(call: ApiCall) -> dict[str, Any]:
    alias = policy.alias_of_default_domain(call.text("DefaultDomainName", required=True))
    account = services.account_alias_set(actor=call.actor, alias=alias)
    return {"DefaultDomainName": account.default_domain}


@register("GetDefaultDomain", versions=(IMS,))
def get_default_domain(call: ApiCall) -> dict[str, Any]:
    policy.check_allowed(call.actor.principal, "GetDefaultDomain")
    return {"DefaultDomainName": call.account.default_domain}
