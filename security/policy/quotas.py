"""The quotas GetAccountSummary (IMS) reports in its SummaryMap, one for each quota field the SDK
models (alibabacloud_ims20190815 GetAccountSummaryResponseBodySummaryMap).

The values are RAM's documented defaults (the GetAccountSummary reference's sample response,
https://help.aliyun.com/document_detail/186718.html), except where this sandbox enforces a rule of
its own, which it reports instead: the user and AccessKey limits. Three quotas RAM documents no
value for belong to features this sandbox does not have (OAuth clients, AccessKey network policies):
they are 0 here, as nothing of theirs can be created.
"""

from __future__ import annotations

from security.policy.credentials import MAX_ACCESS_KEYS
from security.policy.users import MAX_RAM_USERS_PER_ACCOUNT

# The API-key (service credential) quota: 2 per RAM user per cloud service (RAM user guide, "Manage
# service credentials (API keys)").
SERVICE_CREDENTIALS_PER_USER_PER_SERVICE = 2
VIRTUAL_MFA_DEVICES_PER_ACCOUNT = 1000

ACCOUNT_SUMMARY_QUOTAS = {
    "UsersQuota": MAX_RAM_USERS_PER_ACCOUNT,
    "AccessKeysPerUserQuota": MAX_ACCESS_KEYS,
    # The account's own (root) keys: the same limit as every identity's here.
    "AccountAccessKeysPerAccountQuota": MAX_ACCESS_KEYS,
    "VirtualMFADevicesQuota": VIRTUAL_MFA_DEVICES_PER_ACCOUNT,
    "AttachedPoliciesPerUserQuota": 10,  # custom policies
    "AttachedSystemPoliciesPerUserQuota": 20,
    "GroupsQuota": 50,
    "GroupsPerUserQuota": 5,
    "AttachedPoliciesPerGroupQuota": 5,
    "AttachedSystemPoliciesPerGroupQuota": 20,
    "RolesQuota": 1000,
    "AttachedPoliciesPerRoleQuota": 5,
    "AttachedSystemPoliciesPerRoleQuota": 20,
    "PoliciesQuota": 1500,
    "PolicySizeQuota": 2048,
    "VersionsPerPolicyQuota": 5,
    "ServiceCredentialsPerUserPerServiceQuota": SERVICE_CREDENTIALS_PER_USER_PER_SERVICE,
    "AuthorizedClientPerUserQuota": 0,
    "ConditionsPerAKPolicyQuota": 0,
    "IPItemsPerAKPolicyQuota": 0,
}
