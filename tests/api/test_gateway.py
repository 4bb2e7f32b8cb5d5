"""The gateway in front of every action (RAM-API.md §2-5): keys, signatures, timestamps, nonces,
routing, and the JSON envelope of every answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alibabacloud_tea_openapi.utils_models import OpenApiRequest, Params
from darabonba.runtime import RuntimeOptions
from django.test import Client

from accounts.models import Account
from security.models import Event
from tests.api.conftest import (
    IMS_VERSION,
    RAM_KINDS,
    RAM_VERSION,
    REQUEST_ID,
    Api,
    ApiError,
    Key,
    RawResponse,
    SdkFactory,
    assert_request_id,
    encode,
    raw_call,
    signed_v1_params,
    signed_v1_query,
    utc_timestamp,
)

ALL_KINDS = (*RAM_KINDS, "ims")


def assert_envelope(response: RawResponse) -> None:
    """JSON, with an upper-case UUID RequestId; errors add Code, Message, HostId and Recommend."""
    assert response.headers["Content-Type"].startswith("application/json"), response.headers["Content-Type"]
    assert REQUEST_ID.fullmatch(response.body["RequestId"]), response.body
    if response.status >= 400:
        assert {"Code", "Message", "HostId", "Recommend"} <= response.body.keys(), response.body


def tea_generic_call(api: Api, action: str, version: str) -> dict:
    """Any (action, version) through the Tea client's generic call_api, signed as the client signs."""
    params = Params(
        action=action,
        version=version,
        protocol="HTTP",
        pathname="/",
        method="POST",
        auth_type="AK",
        style="RPC",
        req_body_type="formData",
        body_type="json",
    )
    try:
        return api.sdk.call_api(params, OpenApiRequest(query={}), RuntimeOptions())
    except Exception as exc:  # the SDK's own exception types, mapped as Api does
        code = getattr(exc, "code", None)
        if code is None:
            raise
        raise ApiError(code, exc.status_code, exc.message, exc.request_id) from exc


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_unknown_access_key_id(sdk: SdkFactory, account: Account, kind: str) -> None:
    stranger = sdk.api(kind, Key("LTAI" + "0" * 20, "s" * 30))
    params = {"UserPrincipalName": "x@acme.onaliyun.com"} if kind == "ims" else {"UserName": "x"}
    error = stranger.error("GetUser", **params)
    assert (error.code, error.status) == ("InvalidAccessKeyId.NotFound", 404)


@pytest.mark.parametrize("kind", ("tea-acs3", "tea-v2", "ims"))
def test_wrong_secret_with_tea(sdk: SdkFactory, root_key: Key, kind: str) -> None:
    forger = sdk.api(kind, Key(root_key.access_key_id, "w" * 30))
    error = forger.error("GetPasswordPolicy")
    assert (error.code, error.status) == ("SignatureDoesNotMatch", 400)
    assert "server string to sign is:" in error.message


def test_a_forged_call_is_recorded_in_the_key_owners_events(sdk: SdkFactory, root_key: Key, account: Account) -> None:
    sdk.api("tea-acs3", Key(root_key.access_key_id, "w" * 30)).error("GetPasswordPolicy")
    event = Event.objects.filter(account=account, action="GetPasswordPolicy").get()
    assert (event.result, event.actor_name) == ("SignatureDoesNotMatch", root_key.access_key_id)


def test_wrong_secret_with_the_legacy_sdk(sdk: SdkFactory, root_key: Key) -> None:
    """The legacy SDK splits the message at its colon; when the server's string to sign equals its
    own, it reports InvalidAccessKeySecret. Without a colon it would crash with IndexError."""
    forger = sdk.api("legacy", Key(root_key.access_key_id, "w" * 30))
    error = forger.error("GetPasswordPolicy")
    assert (error.code, error.status) == ("InvalidAccessKeySecret", 400)


def test_wrong_secret_answer_on_the_wire(sdk: SdkFactory, root_key: Key) -> None:
    response = raw_call(sdk.endpoint, signed_v1_query(Key(root_key.access_key_id, "w" * 30), "GetPasswordPolicy"))
    assert_envelope(response)
    assert (response.body["Code"], response.status) == ("SignatureDoesNotMatch", 400)
    _, colon, string_to_sign = response.body["Message"].partition(":")
    assert colon and string_to_sign.startswith("POST&%2F&AccessKeyId%3D")


@pytest.mark.parametrize("skew", [timedelta(minutes=-20), timedelta(minutes=20)])
def test_timestamp_outside_fifteen_minutes(sdk: SdkFactory, root_key: Key, skew: timedelta) -> None:
    stale = utc_timestamp(datetime.now(UTC) + skew)
    response = raw_call(sdk.endpoint, signed_v1_query(root_key, "GetPasswordPolicy", timestamp=stale))
    assert_envelope(response)
    assert (response.body["Code"], response.status) == ("InvalidTimeStamp.Expired", 400)


def test_timestamp_inside_the_window_and_badly_formatted(sdk: SdkFactory, root_key: Key) -> None:
    recent = utc_timestamp(datetime.now(UTC) - timedelta(minutes=14))
    assert raw_call(sdk.endpoint, signed_v1_query(root_key, "GetPasswordPolicy", timestamp=recent)).status == 200
    response = raw_call(sdk.endpoint, signed_v1_query(root_key, "GetPasswordPolicy", timestamp="yesterday"))
    assert (response.body["Code"], response.status) == ("InvalidTimeStamp.Format", 400)


def test_replayed_nonce(sdk: SdkFactory, root_key: Key) -> None:
    query = signed_v1_query(root_key, "GetPasswordPolicy")
    first = raw_call(sdk.endpoint, query)
    assert first.status == 200
    assert_envelope(first)
    replay = raw_call(sdk.endpoint, query)
    assert_envelope(replay)
    assert (replay.body["Code"], replay.status) == ("SignatureNonceUsed", 400)
    assert raw_call(sdk.endpoint, signed_v1_query(root_key, "GetPasswordPolicy")).status == 200  # a new nonce


def test_replayed_nonce_through_the_django_test_client(root_key: Key, account: Account) -> None:
    client = Client()
    query = signed_v1_query(root_key, "GetPasswordPolicy")
    assert client.post(f"/?{query}").status_code == 200
    replay = client.post(f"/?{query}")
    assert (replay.json()["Code"], replay.status_code) == ("SignatureNonceUsed", 400)


@pytest.mark.parametrize("version", [RAM_VERSION, IMS_VERSION])
def test_unknown_action(sdk: SdkFactory, root_key: Key, version: str) -> None:
    response = raw_call(sdk.endpoint, signed_v1_query(root_key, "NoSuchAction", version=version))
    assert_envelope(response)
    assert (response.body["Code"], response.status) == ("InvalidAction.NotFound", 404)
    assert response.body["HostId"] == ("ims.aliyuncs.com" if version == IMS_VERSION else "ram.aliyuncs.com")


def test_bad_version(sdk: SdkFactory, root_key: Key) -> None:
    for version in ("2099-01-01", ""):
        response = raw_call(sdk.endpoint, signed_v1_query(root_key, "GetUser", version=version, UserName="x"))
        assert_envelope(response)
        assert (response.body["Code"], response.status) == ("InvalidVersion", 400), version


@pytest.mark.parametrize("kind", ("tea-acs3", "tea-v2"))
def test_routing_errors_through_the_tea_sdk(sdk: SdkFactory, root_key: Key, kind: str) -> None:
    """ACS3 routes on the x-acs-action / x-acs-version headers, v2 on the query parameters."""
    api = sdk.api(kind, root_key)
    with pytest.raises(ApiError) as caught:
        tea_generic_call(api, "NoSuchAction", RAM_VERSION)
    assert (caught.value.code, caught.value.status) == ("InvalidAction.NotFound", 404)
    with pytest.raises(ApiError) as caught:
        tea_generic_call(api, "GetPasswordPolicy", "2099-01-01")
    assert (caught.value.code, caught.value.status) == ("InvalidVersion", 400)
    assert tea_generic_call(api, "GetPasswordPolicy", RAM_VERSION)["statusCode"] == 200


def test_missing_signature_parameters(sdk: SdkFactory, root_key: Key) -> None:
    params = signed_v1_params(root_key, "GetPasswordPolicy")
    for missing in ("Signature", "SignatureNonce", "Timestamp", "AccessKeyId"):
        partial = {name: value for name, value in params.items() if name != missing}
        response = raw_call(sdk.endpoint, encode(partial))
        assert_envelope(response)
        assert (response.body["Code"], response.status) == ("MissingParameter", 400), missing


def test_parameters_in_a_form_body_are_signed_and_read(sdk: SdkFactory, root_key: Key, account: Account) -> None:
    """Other clients POST a form; the signature covers query and body parameters (RAM-API.md §1, §3)."""
    params = signed_v1_params(root_key, "CreateUser", UserName="dave", DisplayName="Dave Form")
    query = {name: params.pop(name) for name in ("Action", "Version", "AccessKeyId", "Signature")}
    response = raw_call(
        sdk.endpoint,
        encode(query),
        data=encode(params).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_envelope(response)
    assert response.status == 200, response.body
    assert response.body["User"]["DisplayName"] == "Dave Form"


def test_get_is_accepted(sdk: SdkFactory, root_key: Key) -> None:
    response = raw_call(sdk.endpoint, signed_v1_query(root_key, "GetPasswordPolicy", method="GET"), method="GET")
    assert_envelope(response)
    assert response.status == 200


def test_every_answer_is_a_json_envelope(sdk: SdkFactory, root_key: Key) -> None:
    answers = [
        raw_call(sdk.endpoint, signed_v1_query(root_key, "GetPasswordPolicy")),
        raw_call(sdk.endpoint, signed_v1_query(root_key, "GetUser", UserName="ghost")),
        raw_call(sdk.endpoint, signed_v1_query(root_key, "GetAccountMFAInfo", version=IMS_VERSION)),
        raw_call(sdk.endpoint, signed_v1_query(Key("LTAI" + "1" * 20, "x" * 30), "GetPasswordPolicy")),
        raw_call(sdk.endpoint, "Action=GetPasswordPolicy&Version=2015-05-01"),
    ]
    assert [answer.status for answer in answers] == [200, 404, 200, 404, 400]
    for answer in answers:
        assert_envelope(answer)
    assert len({answer.body["RequestId"] for answer in answers}) == len(answers)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_sdk_answers_carry_a_request_id(sdk: SdkFactory, root_key: Key, kind: str) -> None:
    api = sdk.api(kind, root_key)
    assert_request_id(api.call("GetPasswordPolicy"))
    params = {"UserPrincipalName": "ghost@acme.onaliyun.com"} if kind == "ims" else {"UserName": "ghost"}
    error = api.error("GetUser", **params)
    assert REQUEST_ID.fullmatch(error.request_id)
