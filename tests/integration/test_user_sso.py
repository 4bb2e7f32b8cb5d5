"""SSO Management > User SSO: the page, its Edit form at the edges, the SP metadata, who may use them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from lxml import etree

from accounts.models import Account, Principal
from security import policy
from security.models import Event, UserSsoSettings
from tests.sso_metadata import IDP_ENTITY_ID, fingerprint, idp_certificate, idp_metadata_xml

EDIT = "/settings/sso/edit/"
PAGE = "/settings/sso/"
SP_METADATA = "/settings/sso/sp-metadata.xml"
MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"


def _post(client: Client, *, document: bytes | None = None, **fields: Any) -> Any:
    data = {"enabled": "false", "login_with_domain": "true", "authn_sign_algo": "rsa-sha1", "auxiliary_domain": ""}
    data.update(fields)
    if document is not None:
        data["metadata_document"] = SimpleUploadedFile("idp.xml", document, content_type="text/xml")
    return client.post(EDIT, data)


def test_the_page_shows_the_defaults_and_the_sp(root_client: Client, account: Account) -> None:
    page = root_client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "SSO Management" in html and "User SSO" in html and "Not uploaded" in html
    assert policy.sso.sp_entity_id(account) in html
    assert "http://testserver/saml/acs/" in html
    assert 'href="/settings/sso/sp-metadata.xml"' in html


def test_upload_turns_sso_on_and_the_page_shows_the_metadata_facts(root_client: Client, account: Account) -> None:
    response = _post(
        root_client,
        document=idp_metadata_xml(),
        enabled="true",
        auxiliary_domain="Corp.Example.com",
        login_with_domain="false",
        authn_sign_algo="rsa-sha256",
    )
    assert response.status_code == 302 and response["Location"] == PAGE
    row = UserSsoSettings.objects.get(account=account)
    assert (row.enabled, row.auxiliary_domain, row.login_with_domain, row.authn_sign_algo) == (
        True,
        "corp.example.com",
        False,
        "rsa-sha256",
    )
    assert row.idp_entity_id == IDP_ENTITY_ID
    html = root_client.get(PAGE).content.decode()
    assert IDP_ENTITY_ID in html
    assert policy.sso.format_fingerprint(fingerprint(idp_certificate())) in html
    assert "2026-01-01" in html  # the certificate's validity
    assert "Expired" not in html
    assert Event.objects.filter(account=account, action="SetUserSsoSettings", result="Success").count() == 1

    # A second save without a file keeps the metadata; pasted XML replaces it.
    assert _post(root_client, enabled="false").status_code == 302
    assert UserSsoSettings.objects.get(account=account).idp_entity_id == IDP_ENTITY_ID
    pasted = idp_metadata_xml(entity_id="https://other-idp.example.com").decode()
    assert _post(root_client, metadata_text=pasted).status_code == 302
    assert UserSsoSettings.objects.get(account=account).idp_entity_id == "https://other-idp.example.com"


@pytest.mark.parametrize(
    ("fields", "document", "field", "text"),
    [
        ({"enabled": "true"}, None, "metadata_document", "before turning SSO on"),
        ({}, b"<not-xml", "metadata_document", "not well-formed XML"),
        ({}, idp_metadata_xml(with_certificate=False), "metadata_document", "no signing certificate"),
        ({}, b"x" * (policy.sso.MAX_METADATA_DOCUMENT_LENGTH + 1), "metadata_document", "too large"),
        ({"metadata_text": "<x/>"}, idp_metadata_xml(), "metadata_text", "not both"),
        ({"auxiliary_domain": "no_domain"}, None, "auxiliary_domain", "not a valid domain name"),
        ({"auxiliary_domain": "a" * 254}, None, "auxiliary_domain", "at most 253"),
        ({"authn_sign_algo": "rsa-sha512"}, None, "authn_sign_algo", "Select a valid choice"),
        ({"enabled": "maybe"}, None, "enabled", "Select a valid choice"),
    ],
    ids=[
        "on-without-metadata",
        "bad-xml",
        "no-cert",
        "too-large",
        "file-and-paste",
        "domain",
        "domain-254",
        "algo",
        "status",
    ],
)
def test_bad_input_is_shown_on_its_field_and_writes_nothing(
    root_client: Client, account: Account, fields: dict[str, str], document: bytes | None, field: str, text: str
) -> None:
    response = _post(root_client, document=document, **fields)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert text in " ".join(errors[field])
    assert not UserSsoSettings.objects.filter(account=account).exists()


def test_metadata_at_the_size_limit_is_judged_as_xml(root_client: Client) -> None:
    padded = idp_metadata_xml().replace(b"?>", b"?><!--" + b"x" * 10 + b"-->", 1)
    padded = padded.replace(b"-->", b"x" * (policy.sso.MAX_METADATA_DOCUMENT_LENGTH - len(padded)) + b"-->", 1)
    assert len(padded) == policy.sso.MAX_METADATA_DOCUMENT_LENGTH
    assert _post(root_client, document=padded).status_code == 302


def test_sp_metadata_names_the_entity_the_acs_and_a_signing_certificate(root_client: Client, account: Account) -> None:
    response = root_client.get(SP_METADATA)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/samlmetadata+xml"
    entity = etree.fromstring(response.content)
    assert entity.get("entityID") == policy.sso.sp_entity_id(account)
    descriptor = entity.find(f"{MD}SPSSODescriptor")
    assert descriptor.get("AuthnRequestsSigned") == "true"
    assert descriptor.find(f"{MD}AssertionConsumerService").get("Location") == "http://testserver/saml/acs/"
    certificate = descriptor.find(f"{MD}KeyDescriptor").findtext(
        ".//{http://www.w3.org/2000/09/xmldsig#}X509Certificate"
    )
    row = UserSsoSettings.objects.get(account=account)
    assert certificate and certificate in row.sp_certificate.replace("\n", "")
    assert "PRIVATE KEY" not in row.sp_private_key_encrypted  # encrypted at rest
    assert root_client.get(SP_METADATA).content == response.content  # made once, then kept


def test_read_only_user_sees_the_page_but_cannot_edit(
    client_for: Any, readonly_user: Principal, account: Account
) -> None:
    client = client_for(readonly_user)
    page = client.get(PAGE)
    assert page.status_code == 200 and EDIT not in page.content.decode()
    assert client.get(EDIT).status_code == 403
    assert _post(client, enabled="false").status_code == 403
    assert client.get(SP_METADATA).status_code == 404  # no SP certificate yet, and it may not make one
    assert not UserSsoSettings.objects.filter(account=account).exists()


def test_user_without_permission_is_refused_every_page(client_for: Any, plain_user: Principal) -> None:
    client = client_for(plain_user)
    for url in (PAGE, EDIT, SP_METADATA):
        assert client.get(url).status_code == 403, url


def test_an_expired_idp_certificate_is_marked(root_client: Client, account: Account) -> None:
    _post(root_client, document=idp_metadata_xml())
    account.clock_offset = timedelta(days=25 * 365)
    account.save()
    assert "Expired" in root_client.get(PAGE).content.decode()
