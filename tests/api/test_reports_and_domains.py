"""Report actions (IMS) and the account alias / default domain actions, through the SDKs."""

from __future__ import annotations

import base64
import csv
import io

from alibabacloud_ims20190815 import models as ims_models

from accounts.models import Account, Principal
from security import policy
from tests.api.conftest import Api, Key


def test_credential_report_generate_then_get(ims: Api, account: Account, ram_user_factory) -> None:
    ram_user_factory(account, "dana")
    error = ims.error("GetCredentialReport")
    assert (error.code, error.status) == ("EntityNotExist.CredentialReport", 404)
    assert ims.call("GenerateCredentialReport")["State"] == "COMPLETED"  # live_server commits: immediate
    report = ims.call("GetCredentialReport")
    content = base64.b64decode(report["Content"])
    # The CSV itself, as RAM documents it (its example starts with `user,`): no BOM, which only the
    # console's download (a file for a spreadsheet) carries; CRLF lines, as in that file.
    assert content.startswith(b"user,") and content.count(b"\n") == content.count(b"\r\n") == 3
    rows = list(csv.reader(io.StringIO(content.decode(), newline="")))
    assert rows[0][0] == "user" and [r[0] for r in rows[1:]] == ["<root>", "dana@acme.onaliyun.com"]
    assert report["IsTruncated"] == "false"
    first = ims.call("GetCredentialReport", MaxItems="1")
    assert first["IsTruncated"] == "true"
    rest = ims.call("GetCredentialReport", MaxItems="1", NextToken=first["NextToken"])
    assert base64.b64decode(rest["Content"]).decode().splitlines()[1].startswith("dana@")
    assert ims.error("GetCredentialReport", MaxItems="3502").code == "InvalidParameter.MaxItems.Range"
    for bad_token in ("abc", "-1", "1.5"):
        error = ims.error("GetCredentialReport", NextToken=bad_token)
        assert (error.code, error.status) == ("InvalidParameter.NextToken", 400)


def test_security_practice_report_and_summary(ims: Api, account: Account, ram_user_factory) -> None:
    ram_user_factory(account, "eve")
    info = ims.call("GetAccountSecurityPracticeReport")["AccountSecurityPracticeInfo"]
    assert 0 <= info["Score"] <= 100
    user_info = info["AccountSecurityPracticeUserInfo"]
    assert user_info["SubUser"] == 1 and user_info["BindMfa"] is False and user_info["SubUserPwdLevel"] == "low"
    summary = ims.call("GetAccountSummary")["SummaryMap"]
    assert summary["Users"] == 1 and summary["AccessKeysPerUserQuota"] == 2


def test_summary_map_has_every_field_the_sdk_models(ims: Api, account: Account, ram_user_factory) -> None:
    modelled = ims_models.GetAccountSummaryResponseBodySummaryMap()
    for name in vars(modelled):
        setattr(modelled, name, 0)
    summary = ims.call("GetAccountSummary")["SummaryMap"]
    assert set(summary) == set(modelled.to_map())  # 26 fields
    assert all(type(value) is int for value in summary.values()), summary
    assert summary == {**summary, **policy.ACCOUNT_SUMMARY_QUOTAS}
    assert (summary["UsersQuota"], summary["AccessKeysPerUserQuota"]) == (1000, 2)
    assert (summary["Users"], summary["Groups"], summary["Roles"], summary["Policies"]) == (0, 0, 0, 0)
    assert (summary["MFADevices"], summary["MFADevicesInUse"]) == (0, 0)

    ram_user_factory(account, "eve")
    ims.call("CreateVirtualMFADevice", VirtualMFADeviceName="eve-phone")
    summary = ims.call("GetAccountSummary")["SummaryMap"]
    assert (summary["Users"], summary["MFADevices"], summary["MFADevicesInUse"]) == (1, 1, 0)


def test_reports_are_for_administrators(sdk, make_key, account: Account, ram_user_factory) -> None:
    reader = ram_user_factory(account, "reader", policy="AliyunRAMReadOnlyAccess")
    api = sdk.api("ims", make_key(reader))
    for action in ("GenerateCredentialReport", "GetAccountSecurityPracticeReport"):
        error = api.error(action)
        assert (error.code, error.status) == ("NoPermission", 403)


def test_account_alias_and_default_domain(ram: Api, ims: Api, account: Account) -> None:
    assert ram.call("GetAccountAlias")["AccountAlias"] == "acme"
    ram.call("SetAccountAlias", AccountAlias="newco")
    assert ims.call("GetDefaultDomain")["DefaultDomainName"] == "newco.onaliyun.com"
    assert ram.error("SetAccountAlias", AccountAlias="No--Good").code == "InvalidParameter.AccountAlias.Format"
    assert ram.error("SetAccountAlias", AccountAlias="ab").code == "InvalidParameter.AccountAlias.Length"
    assert ims.call("SetDefaultDomain", DefaultDomainName="other.onaliyun.com")["DefaultDomainName"] == (
        "other.onaliyun.com"
    )
    assert ims.error("SetDefaultDomain", DefaultDomainName="other.example.com").code == (
        "InvalidParameter.DefaultDomainName.Format"
    )
    ram.call("ClearAccountAlias")
    account.refresh_from_db()
    assert account.alias == account.account_id


def test_alias_taken_by_another_account(ram: Api, account_factory) -> None:
    account_factory(alias="taken")
    error = ram.error("SetAccountAlias", AccountAlias="taken")
    assert (error.code, error.status) == ("EntityAlreadyExists.AccountAlias", 409)


def test_ram_has_no_default_domain_actions(sdk, root_key: Key, root: Principal) -> None:
    from tests.api.conftest import raw_call, signed_v1_query

    response = raw_call(sdk.endpoint, signed_v1_query(root_key, "GetDefaultDomain"))
    assert (response.body["Code"], response.status) == ("InvalidAction.NotFound", 404)
