"""User SSO settings through the SDKs (IMS SetUserSsoSettings / GetUserSsoSettings): the Tea IMS
client (ACS3) and the legacy SDK's CommonRequest (signature v1); each refusal has its code and
writes nothing."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.request import CommonRequest

from accounts.models import Account
from security.models import Event, UserSsoSettings
from tests.api.conftest import IMS_VERSION, Api, Key, SdkFactory, assert_request_id
from tests.sso_metadata import IDP_ENTITY_ID, IDP_SSO_URL, idp_metadata_b64, idp_metadata_xml

DEFAULTS = {
    "MetadataDocument": "",
    "SsoEnabled": False,
    "AuxiliaryDomain": "",
    "SsoLoginWithDomain": True,
    "AuthnSignAlgo": "rsa-sha1",
}


def _legacy_ims(sdk: SdkFactory, key: Key, action: str, **params: str) -> dict[str, Any]:
    """An IMS call through the legacy SDK's CommonRequest: signature v1."""
    client = sdk.legacy(key)
    sdk_request = CommonRequest(domain=sdk.endpoint, version=IMS_VERSION, action_name=action)
    sdk_request.set_protocol_type("http")
    sdk_request.set_method("POST")
    for name, value in params.items():
        sdk_request.add_query_param(name, value)
    return json.loads(client.do_action_with_exception(sdk_request))


def test_settings_are_set_and_read(ims: Api, account: Account) -> None:
    assert ims.call("GetUserSsoSettings")["UserSsoSettings"] == DEFAULTS
    metadata = idp_metadata_b64()
    answer = ims.call(
        "SetUserSsoSettings",
        MetadataDocument=metadata,
        SsoEnabled=True,
        AuxiliaryDomain="Example.COM",
        SsoLoginWithDomain=False,
        AuthnSignAlgo="rsa-sha256",
    )
    assert_request_id(answer)
    expected = {
        "MetadataDocument": metadata,
        "SsoEnabled": True,
        "AuxiliaryDomain": "example.com",
        "SsoLoginWithDomain": False,
        "AuthnSignAlgo": "rsa-sha256",
    }
    assert answer["UserSsoSettings"] == expected
    assert ims.call("GetUserSsoSettings")["UserSsoSettings"] == expected
    row = UserSsoSettings.objects.get(account=account)
    assert (row.idp_entity_id, row.idp_sso_url, len(row.idp_certificates)) == (IDP_ENTITY_ID, IDP_SSO_URL, 1)
    (event,) = Event.objects.filter(account=account, action="SetUserSsoSettings")
    assert event.succeeded and event.detail["enabled"] is True and len(event.detail["fingerprints"]) == 1

    # Omitted parameters keep their values; turning SSO off keeps the metadata.
    assert ims.call("SetUserSsoSettings", SsoEnabled=False)["UserSsoSettings"] == {**expected, "SsoEnabled": False}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"MetadataDocument": "not base64!"}, "InvalidParameter.MetadataDocument"),
        ({"MetadataDocument": base64.b64encode(b"<not-metadata/>").decode()}, "InvalidParameter.MetadataDocument"),
        (
            {"MetadataDocument": base64.b64encode(idp_metadata_xml(with_certificate=False)).decode()},
            "InvalidParameter.MetadataDocument",
        ),
        ({"SsoEnabled": True}, "InvalidParameter.MetadataDocument"),  # on, with no metadata
        (
            {"MetadataDocument": idp_metadata_b64(), "AuxiliaryDomain": "not a domain"},
            "InvalidParameter.AuxiliaryDomain",
        ),
        ({"AuxiliaryDomain": "acme.onaliyun.com"}, "InvalidParameter.AuxiliaryDomain"),
        ({"AuthnSignAlgo": "rsa-sha512"}, "InvalidParameter.AuthnSignAlgo"),
    ],
    ids=["not base64", "not metadata", "no certificate", "on without metadata", "domain", "onaliyun", "algo"],
)
def test_refusals_have_their_code_and_write_nothing(
    ims: Api, account: Account, params: dict[str, Any], code: str
) -> None:
    error = ims.error("SetUserSsoSettings", **params)
    assert (error.code, error.status) == (code, 400)
    assert not UserSsoSettings.objects.filter(account=account).exists()
    assert ims.call("GetUserSsoSettings")["UserSsoSettings"] == DEFAULTS


def test_a_refusal_keeps_the_settings_before_it(ims: Api, account: Account) -> None:
    before = ims.call("SetUserSsoSettings", MetadataDocument=idp_metadata_b64(), SsoEnabled=True)["UserSsoSettings"]
    error = ims.error("SetUserSsoSettings", MetadataDocument="", AuthnSignAlgo="rsa-sha256")  # removing it while on
    assert error.code == "InvalidParameter.MetadataDocument"
    assert ims.call("GetUserSsoSettings")["UserSsoSettings"] == before
    results = list(Event.objects.filter(account=account, action="SetUserSsoSettings").values_list("result", flat=True))
    assert results == ["InvalidParameter.MetadataDocument", "Success"]  # newest first


def test_a_ram_user_without_rights_is_refused(
    ims: Api, sdk: SdkFactory, account: Account, ram_user_factory: Any, make_key: Any
) -> None:
    reader = sdk.api("ims", make_key(ram_user_factory(account, "reader")))
    assert reader.error("SetUserSsoSettings", SsoEnabled=False).code == "NoPermission"
    assert reader.error("GetUserSsoSettings").code == "NoPermission"
    assert not UserSsoSettings.objects.filter(account=account).exists()


def test_settings_through_signature_v1(sdk: SdkFactory, root_key: Key, account: Account) -> None:
    metadata = idp_metadata_b64()
    answer = _legacy_ims(
        sdk, root_key, "SetUserSsoSettings", MetadataDocument=metadata, SsoEnabled="true", AuthnSignAlgo="rsa-sha256"
    )
    assert answer["UserSsoSettings"] == {
        **DEFAULTS,
        "MetadataDocument": metadata,
        "SsoEnabled": True,
        "AuthnSignAlgo": "rsa-sha256",
    }
    assert _legacy_ims(sdk, root_key, "GetUserSsoSettings")["UserSsoSettings"] == answer["UserSsoSettings"]
    with pytest.raises(ServerException) as refused:
        _legacy_ims(sdk, root_key, "SetUserSsoSettings", AuxiliaryDomain="-bad-.com")
    assert (refused.value.get_error_code(), refused.value.get_http_status()) == (
        "InvalidParameter.AuxiliaryDomain",
        400,
    )
    assert _legacy_ims(sdk, root_key, "GetUserSsoSettings")["UserSsoSettings"] == answer["UserSsoSettings"]
