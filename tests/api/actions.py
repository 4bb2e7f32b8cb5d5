"""The API actions and the parameters each reads, for both versions: what the fuzzer
(test_fuzz.py) and the input-rule tests (test_input_rules.py) send."""

from __future__ import annotations

from ramconsole.gateway import actions, dispatcher
from tests.api.conftest import RAM_VERSION

RAM_USER_PARAMS = ("UserName",)
IMS_USER_PARAMS = ("UserPrincipalName", "UserId", "UserAccessKeyId")
PASSWORD_POLICY_PARAMS = (
    "MinimumPasswordLength",
    "RequireLowercaseCharacters",
    "RequireUppercaseCharacters",
    "RequireNumbers",
    "RequireSymbols",
    "MaxPasswordAge",
    "PasswordReusePrevention",
    "MaxLoginAttemps",
)
PREFERENCE_PARAMS = (
    "AllowUserToChangePassword",
    "AllowUserToManageAccessKeys",
    "AllowUserToManageMFADevices",
    "EnableSaveMFATicket",
    "LoginSessionDuration",
    "LoginNetworkMasks",
    "AllowUserToManagePublicKeys",
)
IMS_PREFERENCE_PARAMS = (
    "AllowUserToLoginWithPasskey",
    "MFAOperationForLogin",
    "OperationForRiskLogin",
    "AllowUserToManageServiceCredentials",
    "MaxIdleDaysForAccessKeys",
    "MaxIdleDaysForUsers",
    "AllowUserToManagePersonalDingTalk",
    "VerificationTypes",
)
TAG_PARAMS = ("Tag.1.Key", "Tag.1.Value", "Tag.2.Key")
TAGGED_USER_PARAMS = ("ResourceId.1", "ResourcePrincipalName.1")
USER = "<user>"  # stands for the version's user parameters
# The parameters each action reads, for both versions (USER: the version's user parameters).
# test_every_action_is_fuzzed and test_sdk_parameters.py keep this in step with the declarations.
ACTION_PARAMS: dict[str, tuple[str, ...]] = {
    "CreateUser": ("UserName", "UserPrincipalName", "DisplayName", "Email", "MobilePhone", "Comments", *TAG_PARAMS),
    "GetUser": (USER,),
    "ListUsers": ("MaxItems", "Marker", "Status", *TAG_PARAMS),
    "TagResources": ("ResourceType", *TAGGED_USER_PARAMS, *TAG_PARAMS),
    "UntagResources": ("ResourceType", *TAGGED_USER_PARAMS, "TagKey.1", "All"),
    "UpdateUser": (
        USER,
        "NewUserName",
        "NewUserPrincipalName",
        "NewDisplayName",
        "NewEmail",
        "NewMobilePhone",
        "NewComments",
    ),
    "DeleteUser": (USER,),
    "CreateLoginProfile": (USER, "Password", "PasswordResetRequired", "MFABindRequired", "Status"),
    "GetLoginProfile": (USER,),
    "UpdateLoginProfile": (USER, "Password", "PasswordResetRequired", "MFABindRequired", "Status"),
    "DeleteLoginProfile": (USER,),
    "ChangePassword": ("OldPassword", "NewPassword"),
    "AttachPolicyToUser": (USER, "PolicyType", "PolicyName", "ResourceGroupId"),
    "DetachPolicyFromUser": (USER, "PolicyType", "PolicyName", "ResourceGroupId"),
    "ListPoliciesForUser": (USER,),
    "SetPasswordPolicy": (
        *PASSWORD_POLICY_PARAMS,
        "HardExpiry",
        "HardExpire",
        "MinimumPasswordDifferentCharacter",
        "PasswordNotContainUserName",
        "InitialPasswordAge",
        "InterceptRiskPasswordOnApi",
    ),
    "GetPasswordPolicy": (),
    "SetSecurityPreference": (*PREFERENCE_PARAMS, *IMS_PREFERENCE_PARAMS),
    "GetSecurityPreference": (),
    "SetAccountAlias": ("AccountAlias",),
    "GetAccountAlias": (),
    "ClearAccountAlias": (),
    "SetDefaultDomain": ("DefaultDomainName",),
    "GetDefaultDomain": (),
    "SetUserSsoSettings": ("MetadataDocument", "SsoEnabled", "AuxiliaryDomain", "SsoLoginWithDomain", "AuthnSignAlgo"),
    "GetUserSsoSettings": (),
    "CreateAccessKey": (USER,),
    "UpdateAccessKey": (USER, "UserAccessKeyId", "Status"),
    "DeleteAccessKey": (USER, "UserAccessKeyId"),
    "ListAccessKeys": (USER,),
    "GetAccessKeyLastUsed": (USER, "UserAccessKeyId"),
    "CreateVirtualMFADevice": ("VirtualMFADeviceName",),
    "ListVirtualMFADevices": ("MaxItems", "Marker"),
    "DeleteVirtualMFADevice": ("SerialNumber",),
    "BindMFADevice": (USER, "SerialNumber", "AuthenticationCode1", "AuthenticationCode2"),
    "UnbindMFADevice": (USER,),
    "GetUserMFAInfo": (USER,),
    "GetAccountMFAInfo": (),
    "DisableVirtualMFA": (USER,),
    "GenerateCredentialReport": (),
    "GetCredentialReport": ("MaxItems", "NextToken"),
    "GetAccountSecurityPracticeReport": (),
    "GetAccountSummary": (),
}
GATEWAY_PARAMS = (
    "Action",
    "Version",
    "Format",
    "AccessKeyId",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
    "Signature",
)


def registered_actions() -> list[tuple[str, str]]:
    dispatcher._load_handlers()
    return sorted(actions.HANDLERS)


def params_of(version: str, action: str) -> tuple[str, ...]:
    user = RAM_USER_PARAMS if version == RAM_VERSION else IMS_USER_PARAMS
    return tuple(dict.fromkeys(p for name in ACTION_PARAMS[action] for p in (user if name == USER else (name,))))
