"""API actions on the password policy, the security preference (RAM-API.md §7.1, 7.4), the default
domain and user SSO (IMS SetUserSsoSettings / GetUserSsoSettings)."""

from __future__ import annotations

import base64
from typing import Any

from accounts.models import Account
from ramconsole.gateway.actions import BOOLEAN, IMS, INTEGER, RAM, TEXT, ApiCall, Param, refused, register
from security import policy, selectors, services
from security.models import PasswordPolicy
from security.ranges import PASSWORD_POLICY_RANGES, SECURITY_PREFERENCE_RANGES

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


def _range_of(ranges: dict[str, tuple[int, int, str]], field: str) -> tuple[int, int] | None:
    bounds = ranges.get(field)
    return bounds[:2] if bounds else None


def _policy_param(param: str, field: str, *versions: str) -> Param:
    kind = BOOLEAN if field in _BOOLEAN_FIELDS else INTEGER
    return Param(param, kind, range=_range_of(PASSWORD_POLICY_RANGES, field), versions=versions)


_PASSWORD_POLICY_DECLARATION = (
    *(_policy_param(param, field, RAM, IMS) for param, field in _COMMON_POLICY_PARAMS.items()),
    _policy_param("HardExpiry", "hard_expiry", RAM),
    _policy_param("HardExpire", "hard_expiry", IMS),
    _policy_param("MinimumPasswordDifferentCharacter", "minimum_different_characters", IMS),
    Param("PasswordNotContainUserName", BOOLEAN, default=False, versions=(IMS,)),
    # IMS settings this sandbox does not model: accepted only at their "off" value, never ignored.
    refused("InitialPasswordAge", INTEGER, only="0", versions=(IMS,)),
    refused("InterceptRiskPasswordOnApi", BOOLEAN, only="false", versions=(IMS,)),
)


@register("SetPasswordPolicy", params=_PASSWORD_POLICY_DECLARATION)
def set_password_policy(call: ApiCall) -> dict[str, Any]:
    """Omitted parameters reset to their defaults, as RAM's documentation describes; parameters the
    other API version does not have keep their current value."""
    current = selectors.password_policy_of(call.account)
    defaults = PasswordPolicy()
    values: dict[str, Any] = {}
    for param, field in _policy_params(call).items():
        given = call.values[param]
        values[field] = getattr(defaults, field) if given is None else given
    if call.is_ims:
        values["allow_user_name_in_password"] = not call.values["PasswordNotContainUserName"]
    else:
        values["minimum_different_characters"] = current.minimum_different_characters
        values["allow_user_name_in_password"] = current.allow_user_name_in_password
    row = services.password_policy_update(actor=call.actor, **values)
    return password_policy_view(row, call)


@register("GetPasswordPolicy", params=())
def get_password_policy(call: ApiCall) -> dict[str, Any]:
    return password_policy_view(selectors.password_policy_of(call.account), call)


_PREFERENCE_PARAMS = {
    "AllowUserToChangePassword": "allow_user_to_change_password",
    "AllowUserToManageAccessKeys": "allow_user_to_manage_access_keys",
    "AllowUserToManageMFADevices": "allow_user_to_manage_mfa_devices",
    "EnableSaveMFATicket": "enable_save_mfa_ticket",
}


_PREFERENCE_DECLARATION = (
    *(Param(param, BOOLEAN) for param in _PREFERENCE_PARAMS),
    Param(
        "LoginSessionDuration",
        INTEGER,
        range=_range_of(SECURITY_PREFERENCE_RANGES, "login_session_duration_hours"),
    ),
    Param("LoginNetworkMasks"),
    # Preferences this sandbox does not model, with the value it runs with (their defaults).
    # A Set that asks for another value is refused rather than stored and ignored.
    refused("AllowUserToManagePublicKeys", BOOLEAN, only="false"),
    refused("AllowUserToLoginWithPasskey", BOOLEAN, only="true", versions=(IMS,)),
    refused("MFAOperationForLogin", TEXT, only="independent", versions=(IMS,)),
    refused("OperationForRiskLogin", TEXT, only="autonomous", versions=(IMS,)),
    refused("AllowUserToManageServiceCredentials", BOOLEAN, only="false", versions=(IMS,)),
    refused("MaxIdleDaysForAccessKeys", INTEGER, only="730", versions=(IMS,)),
    refused("MaxIdleDaysForUsers", INTEGER, only="730", versions=(IMS,)),
    refused("AllowUserToManagePersonalDingTalk", BOOLEAN, only="true", versions=(IMS,)),
    refused("VerificationTypes", TEXT, only="[]", versions=(IMS,)),
)


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


@register("SetSecurityPreference", params=_PREFERENCE_DECLARATION)
def set_security_preference(call: ApiCall) -> dict[str, Any]:
    """Omitted parameters keep their current value (the console's dialog sends them all)."""
    values: dict[str, Any] = {
        field: call.values[param] for param, field in _PREFERENCE_PARAMS.items() if call.has(param)
    }
    if call.has("LoginSessionDuration"):
        values["login_session_duration_hours"] = call.values["LoginSessionDuration"]
    if call.has("LoginNetworkMasks"):
        values["login_network_masks"] = call.values["LoginNetworkMasks"]
    services.security_preference_update(actor=call.actor, **values)
    return security_preference_view(call)


@register("GetSecurityPreference", params=())
def get_security_preference(call: ApiCall) -> dict[str, Any]:
    return security_preference_view(call)


@register("SetAccountAlias", versions=(RAM,), params=(Param("AccountAlias", required=True),))
def set_account_alias(call: ApiCall) -> dict[str, Any]:
    services.account_alias_set(actor=call.actor, alias=call.values["AccountAlias"])
    return {}


@register("GetAccountAlias", versions=(RAM,), params=())
def get_account_alias(call: ApiCall) -> dict[str, Any]:
    return {"AccountAlias": call.account.alias}


@register("ClearAccountAlias", versions=(RAM,), params=())
def clear_account_alias(call: ApiCall) -> dict[str, Any]:
    services.account_alias_clear(actor=call.actor)
    return {}


@register("SetDefaultDomain", versions=(IMS,), params=(Param("DefaultDomainName", required=True),))
def set_default_domain(call: ApiCall) -> dict[str, Any]:
    alias = policy.alias_of_default_domain(call.values["DefaultDomainName"])
    account = services.account_alias_set(actor=call.actor, alias=alias)
    return {"DefaultDomainName": account.default_domain}


@register("GetDefaultDomain", versions=(IMS,), params=())
def get_default_domain(call: ApiCall) -> dict[str, Any]:
    return {"DefaultDomainName": call.account.default_domain}


def user_sso_settings_view(account: Account) -> dict[str, Any]:
    row = selectors.user_sso_settings_of(account)
    return {
        "UserSsoSettings": {
            "MetadataDocument": base64.b64encode(row.metadata_document.encode()).decode(),
            "SsoEnabled": row.enabled,
            "AuxiliaryDomain": row.auxiliary_domain,
            "SsoLoginWithDomain": row.login_with_domain,
            "AuthnSignAlgo": row.authn_sign_algo,
        }
    }


_USER_SSO_DECLARATION = (
    Param("MetadataDocument"),
    Param("SsoEnabled", BOOLEAN),
    Param("AuxiliaryDomain"),
    Param("SsoLoginWithDomain", BOOLEAN),
    Param("AuthnSignAlgo"),
)


@register("SetUserSsoSettings", versions=(IMS,), params=_USER_SSO_DECLARATION)
def set_user_sso_settings(call: ApiCall) -> dict[str, Any]:
    """Omitted parameters keep their current value; an empty MetadataDocument removes the metadata."""
    metadata_xml = None
    if call.has("MetadataDocument"):
        encoded = call.values["MetadataDocument"]
        metadata_xml = policy.sso.decode_metadata_document(encoded) if encoded else b""
    services.user_sso_settings_update(
        actor=call.actor,
        metadata_xml=metadata_xml,
        enabled=call.values["SsoEnabled"] if call.has("SsoEnabled") else None,
        auxiliary_domain=call.values["AuxiliaryDomain"] if call.has("AuxiliaryDomain") else None,
        login_with_domain=call.values["SsoLoginWithDomain"] if call.has("SsoLoginWithDomain") else None,
        authn_sign_algo=call.values["AuthnSignAlgo"] if call.has("AuthnSignAlgo") else None,
    )
    return user_sso_settings_view(call.account)


@register("GetUserSsoSettings", versions=(IMS,), params=())
def get_user_sso_settings(call: ApiCall) -> dict[str, Any]:
    return user_sso_settings_view(call.account)
