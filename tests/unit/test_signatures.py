"""Signature v1 and ACS3 computed exactly as the SDKs do; the documented known answer."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from ramconsole.gateway import signatures


def test_rpc_known_answer_from_the_documentation() -> None:
    params = {
        "Action": "CreateUser",
        "UserPrincipalName": "test@example.onaliyun.com",
        "DisplayName": "test",
        "SignatureVersion": "1.0",
        "Format": "JSON",
        "Timestamp": "2021-01-15T06:02:28Z",
        "AccessKeyId": "testid",
        "SignatureMethod": "HMAC-SHA1",
        "Version": "2019-08-15",
        "SignatureNonce": "3f6b4e80-56f7-11eb-a256-a9f756ea7e85",
    }
    sts = signatures.rpc_string_to_sign("GET", params)
    assert sts == (
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DCreateUser%26DisplayName%3Dtest%26Format%3DJSON"
        "%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3f6b4e80-56f7-11eb-a256-a9f756ea7e85"
        "%26SignatureVersion%3D1.0%26Timestamp%3D2021-01-15T06%253A02%253A28Z"
        "%26UserPrincipalName%3Dtest%2540example.onaliyun.com%26Version%3D2019-08-15"
    )
    assert signatures.rpc_signature("testsecret", sts) == "02heLegtw4+BFamznl1Ltj+vJ4A="
    assert signatures.rpc_string_to_sign("GET", {**params, "Signature": "ignored"}) == sts


def test_percent_encoding_of_awkward_characters() -> None:
    assert signatures.percent_encode("Bob Smith *~/+=&%é中") == "Bob%20Smith%20%2A~%2F%2B%3D%26%25%C3%A9%E4%B8%AD"


def test_acs3_matches_the_tea_sdk() -> None:
    from alibabacloud_tea_openapi.utils import Utils

    class Request:
        pathname = "/"
        method = "POST"
        query = {"UserName": "Bob Smith *~"}
        headers = {
            "host": "127.0.0.1:8000",
            "x-acs-action": "GetUser",
            "x-acs-version": "2015-05-01",
            "x-acs-date": "2030-01-01T00:00:00Z",
            "x-acs-signature-nonce": "abc",
            "x-acs-content-sha256": signatures.sha256_hex(b""),
        }

    expected = Utils.get_authorization(Request, signatures.ACS3, signatures.sha256_hex(b""), "LTAIid", "sekret")
    parts = signatures.parse_acs3_authorization(expected)
    sts = signatures.acs3_string_to_sign(
        method="POST",
        path="/",
        query=Request.query,
        headers=Request.headers,
        signed_headers=parts["SignedHeaders"].split(";"),
        hashed_body=signatures.sha256_hex(b""),
    )
    assert signatures.acs3_signature("sekret", sts) == parts["Signature"]


def test_authorization_header_parsing() -> None:
    assert signatures.parse_acs3_authorization("Basic abc") is None
    assert signatures.parse_acs3_authorization("ACS3-HMAC-SHA256 Credential=x") is None
    parts = signatures.parse_acs3_authorization("ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host;x,Signature=ff")
    assert parts == {"Credential": "AK", "SignedHeaders": "host;x", "Signature": "ff"}


@given(st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=24), max_size=8))
def test_rpc_string_to_sign_is_the_percent_encoded_canonical_query(params: dict[str, str]) -> None:
    """The shortcuts (values left as they are when unreserved, the whole query encoded again by three
    replacements) give what RFC 3986 encoding of every part gives."""

    def encode(value: str) -> str:
        return quote(value, safe="-_.~")

    signed = {k: v for k, v in params.items() if k != "Signature"}
    query = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(signed.items()))
    assert signatures.rpc_string_to_sign("post", params) == f"POST&%2F&{encode(query)}"
