"""User SSO rules: the IdP metadata parser (safe against XML attacks), the auxiliary domain, the algorithm."""

from __future__ import annotations

import base64

import pytest

from accounts.models import Account
from security import policy
from security.errors import InvalidParameter
from tests.sso_metadata import IDP_ENTITY_ID, IDP_SSO_URL, fingerprint, idp_certificate, idp_metadata_xml


def test_metadata_gives_entity_id_sso_url_certificate_fingerprint_and_validity() -> None:
    metadata = policy.sso.parse_idp_metadata(idp_metadata_xml())
    certificate = idp_certificate()
    assert metadata.entity_id == IDP_ENTITY_ID
    assert metadata.sso_url == IDP_SSO_URL
    assert metadata.fingerprints == (fingerprint(certificate),)
    assert metadata.certificates[0].startswith("-----BEGIN CERTIFICATE-----")
    assert metadata.not_before == certificate.not_valid_before_utc
    assert metadata.not_after == certificate.not_valid_after_utc


def test_metadata_in_an_entities_descriptor_is_found() -> None:
    inner = idp_metadata_xml().split(b"?>", 1)[1]
    wrapped = b'<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">' + inner
    wrapped += b"</md:EntitiesDescriptor>"
    assert policy.sso.parse_idp_metadata(wrapped).entity_id == IDP_ENTITY_ID


@pytest.mark.parametrize(
    "document",
    [
        b"",
        b"not xml",
        b"<a>unclosed",
        b"<root/>",
        idp_metadata_xml(with_certificate=False),
        idp_metadata_xml(entity_id=""),
        idp_metadata_xml(sso_url="ftp://idp.example.com/"),
        idp_metadata_xml().replace(b"urn:oasis:names:tc:SAML:2.0:protocol", b"urn:other"),
        idp_metadata_xml().replace(b"<ds:X509Certificate>", b"<ds:X509Certificate>AAAA"),
        "<md:EntityDescriptor/>".encode("utf-16"),
    ],
)
def test_bad_metadata_is_refused_as_invalid_metadata_document(document: bytes) -> None:
    with pytest.raises(InvalidParameter) as refused:
        policy.sso.parse_idp_metadata(document)
    assert refused.value.code == "InvalidParameter.MetadataDocument"


def test_entities_are_neither_expanded_nor_fetched(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    for doctype in (
        f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>',
        '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    ):
        document = idp_metadata_xml().replace(b"?>", b"?>" + doctype.encode(), 1)
        with pytest.raises(InvalidParameter) as refused:
            policy.sso.parse_idp_metadata(document)
        assert refused.value.code == "InvalidParameter.MetadataDocument"


def test_metadata_document_must_be_base64() -> None:
    assert policy.sso.decode_metadata_document(base64.b64encode(b"<x/>").decode()) == b"<x/>"
    with pytest.raises(InvalidParameter, match="Base64"):
        policy.sso.decode_metadata_document("<x/>")


@pytest.mark.parametrize("domain", ["", "example.com", "sso.example.co.uk"])
def test_auxiliary_domain_accepted(domain: str) -> None:
    policy.sso.check_auxiliary_domain(domain)


@pytest.mark.parametrize("domain", ["example", "-a.example.com", "a..com", "x.onaliyun.com", "a" * 250 + ".com"])
def test_auxiliary_domain_refused(domain: str) -> None:
    with pytest.raises(InvalidParameter) as refused:
        policy.sso.check_auxiliary_domain(domain)
    assert refused.value.code == "InvalidParameter.AuxiliaryDomain"


def test_authn_sign_algo_and_enabling_without_metadata() -> None:
    policy.sso.check_authn_sign_algo("rsa-sha256")
    with pytest.raises(InvalidParameter, match="AuthnSignAlgo"):
        policy.sso.check_authn_sign_algo("rsa-sha512")
    policy.sso.check_can_enable_sso(enabled=False, has_metadata=False)
    with pytest.raises(InvalidParameter) as refused:
        policy.sso.check_can_enable_sso(enabled=True, has_metadata=False)
    assert refused.value.code == "InvalidParameter.MetadataDocument"


def test_sp_entity_id_is_rams() -> None:
    assert policy.sso.sp_entity_id(Account(account_id="1234567890")) == "https://signin.aliyun.com/1234567890/saml/SSO"


def test_metadata_document_may_be_longer_than_other_parameters() -> None:
    policy.check_api_parameter("MetadataDocument", "A" * policy.sso.MAX_METADATA_DOCUMENT_LENGTH)
    with pytest.raises(InvalidParameter) as refused:
        policy.check_api_parameter("MetadataDocument", "A" * (policy.sso.MAX_METADATA_DOCUMENT_LENGTH + 1))
    assert refused.value.code == "InvalidParameter.MetadataDocument.Length"
    with pytest.raises(InvalidParameter, match="too large"):
        policy.sso.decode_metadata_document("A" * (policy.sso.MAX_METADATA_DOCUMENT_LENGTH + 4))
