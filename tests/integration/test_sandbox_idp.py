"""The sandbox identity provider (issue 22, item 4): its metadata, its signed Responses, its pages
(demo mode only, through the account's token) and the SP-initiated answer."""

from __future__ import annotations

import base64
import json
import re
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from lxml import etree
from signxml import XMLVerifier
from signxml.exceptions import InvalidSignature

from accounts import sandbox, sandbox_idp, selectors
from accounts.models import SandboxIdentityProvider
from ramconsole.kernel import clock
from security import policy
from security.selectors import user_sso_settings_of

pytestmark = pytest.mark.django_db

NS = {
    "md": sandbox_idp.SAML_METADATA,
    "ds": sandbox_idp.XMLDSIG,
    "samlp": sandbox_idp.SAML_PROTOCOL,
    "saml": sandbox_idp.SAML_ASSERTION,
}
ACS = "http://testserver/saml/acs/"


@pytest.fixture(autouse=True)
def _demo_mode(settings) -> None:
    settings.RAMCONSOLE_DEMO_MODE = True


@pytest.fixture
def idp(account) -> SandboxIdentityProvider:
    return sandbox_idp.identity_provider_of(account)


def _pem_body(pem: str) -> str:
    return "".join(line for line in pem.splitlines() if "-----" not in line)


def _authn_request(account, *, acs: str = ACS, issuer: str | None = None) -> str:
    xml = (
        f'<samlp:AuthnRequest xmlns:samlp="{sandbox_idp.SAML_PROTOCOL}" xmlns:saml="{sandbox_idp.SAML_ASSERTION}"'
        f' ID="_req1" Version="2.0" IssueInstant="2030-01-01T00:00:00Z" AssertionConsumerServiceURL="{acs}">'
        f"<saml:Issuer>{issuer or policy.sso.sp_entity_id(account)}</saml:Issuer></samlp:AuthnRequest>"
    ).encode()
    deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return base64.b64encode(deflater.compress(xml) + deflater.flush()).decode()


def _posted_response(answer) -> etree._Element:
    match = re.search(r'name="SAMLResponse" value="([^"]+)"', answer.content.decode())
    assert match, answer.content.decode()
    return etree.fromstring(base64.b64decode(match.group(1)))


def test_the_key_pair_is_made_once_and_kept(account, idp) -> None:
    assert sandbox_idp.identity_provider_of(account).pk == idp.pk
    assert "BEGIN PRIVATE KEY" not in idp.private_key_encrypted  # encrypted at rest
    assert len(idp.token) >= 32


def test_metadata_parses_as_the_user_sso_settings_read_it(idp) -> None:
    sso_url = "http://testserver" + reverse("accounts:sandbox-idp-sso", args=[idp.token])
    xml = sandbox_idp.metadata_xml(idp, sso_url=sso_url)
    root = etree.fromstring(xml)
    assert root.get("entityID") == sandbox_idp.entity_id(idp)
    locations = root.xpath("md:IDPSSODescriptor/md:SingleSignOnService/@Location", namespaces=NS)
    assert locations == [sso_url, sso_url]
    certificate = root.xpath("//md:KeyDescriptor[@use='signing']//ds:X509Certificate/text()", namespaces=NS)
    assert certificate == [_pem_body(idp.certificate)]
    parsed = policy.sso.parse_idp_metadata(xml)
    assert (parsed.entity_id, parsed.sso_url) == (sandbox_idp.entity_id(idp), sso_url)
    assert len(parsed.certificates) == 1


def _instant(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def test_the_response_verifies_against_the_idp_certificate(account, idp, account_factory) -> None:
    account.clock_offset = timedelta(days=40)
    account.save()
    xml = sandbox_idp.signed_response(idp, name_id="alice@x.onaliyun.com", acs_url=ACS, in_response_to="_req1")
    root = etree.fromstring(xml)
    assert root.get("Destination") == ACS and root.get("InResponseTo") == "_req1"
    signed = XMLVerifier().verify(xml, x509_cert=idp.certificate).signed_xml
    # What is signed is the Assertion, with everything the SP decides on.
    assert signed.tag == f"{{{sandbox_idp.SAML_ASSERTION}}}Assertion"
    assert signed.findtext("saml:Subject/saml:NameID", namespaces=NS) == "alice@x.onaliyun.com"
    audience = signed.findtext("saml:Conditions/saml:AudienceRestriction/saml:Audience", namespaces=NS)
    assert audience == policy.sso.sp_entity_id(account)
    assert signed.findtext("saml:Issuer", namespaces=NS) == sandbox_idp.entity_id(idp)
    recipient = signed.find("saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData", namespaces=NS)
    assert recipient.get("Recipient") == ACS
    # Valid from the account's time (40 days ahead of real time), for five minutes.
    conditions = signed.find("saml:Conditions", namespaces=NS)
    not_before, not_on_or_after = _instant(conditions.get("NotBefore")), _instant(conditions.get("NotOnOrAfter"))
    assert abs(not_before - clock.now(account)) < timedelta(minutes=1)
    assert not_on_or_after - not_before == sandbox_idp.RESPONSE_VALID_FOR
    # Another sandbox IdP's certificate does not verify it.
    other = sandbox_idp.identity_provider_of(account_factory(email="other-root@example.com", alias="other"))
    with pytest.raises(InvalidSignature):
        XMLVerifier().verify(xml, x509_cert=other.certificate)


def test_every_response_is_fresh(idp) -> None:
    first, second = (etree.fromstring(sandbox_idp.signed_response(idp, name_id="alice", acs_url=ACS)) for _ in range(2))
    assertion_ids = {r.find("saml:Assertion", namespaces=NS).get("ID") for r in (first, second)}
    assert len(assertion_ids) == 2 and first.get("ID") != second.get("ID")


def _pages(idp: SandboxIdentityProvider) -> list[str]:
    return [
        reverse("accounts:sandbox-idp", args=[idp.token]),
        reverse("accounts:sandbox-idp-metadata", args=[idp.token]),
        reverse("accounts:sandbox-idp-sso", args=[idp.token]),
    ]


def test_the_pages_are_404_outside_demo_mode(settings, idp, root_client) -> None:
    settings.RAMCONSOLE_DEMO_MODE = False
    for url in _pages(idp):
        assert Client().get(url).status_code == 404
        assert Client().post(url, {"name_id": "alice"}).status_code == 404
    assert root_client.get(reverse("accounts:sandbox-identity-provider")).status_code == 404


def test_an_unknown_token_is_404(idp) -> None:
    sign_in, metadata, sso = (url.replace(idp.token, "x" + idp.token[1:]) for url in _pages(idp))
    for url in (sign_in, metadata, sso):
        assert Client().get(url).status_code == 404
    for url in (sign_in, sso):
        assert Client().post(url, {"name_id": "alice"}).status_code == 404


def test_the_picker_lists_the_users_and_refuses_bad_names_cleanly(account, idp, ram_user_factory) -> None:
    ram_user_factory(account, "alice")
    page = Client().get(reverse("accounts:sandbox-idp", args=[idp.token]))
    assert page.status_code == 200
    assert f"alice@{account.default_domain}" in page.content.decode()
    for bad in ["", "   ", "a" * 200, "alice\x00"]:
        answer = Client().post(reverse("accounts:sandbox-idp", args=[idp.token]), {"name_id": bad})
        assert answer.status_code == 400
        assert "SAMLResponse" not in answer.content.decode()


def test_the_picker_leaves_the_domain_out_when_the_settings_do(account, idp, ram_user_factory) -> None:
    ram_user_factory(account, "dora")
    settings_row = user_sso_settings_of(account)
    settings_row.login_with_domain = False
    settings_row.save()
    page = Client().get(reverse("accounts:sandbox-idp", args=[idp.token])).content.decode()
    assert 'value="dora"' in page and f"dora@{account.default_domain}" not in page


def test_idp_initiated_sign_in_posts_a_signed_response_to_the_acs(account, idp) -> None:
    answer = Client().post(reverse("accounts:sandbox-idp", args=[idp.token]), {"name_id": "alice"})
    assert answer.status_code == 200
    page = answer.content.decode()
    assert f'action="http://testserver{reverse("accounts:saml-acs")}"' in page
    assert "data-auto-submit" in page and "auto-submit.js" in page and "<script>" not in page
    response = _posted_response(answer)
    assert response.get("InResponseTo") is None
    signed = XMLVerifier().verify(etree.tostring(response), x509_cert=idp.certificate).signed_xml
    assert signed.findtext("saml:Subject/saml:NameID", namespaces=NS) == "alice"


def test_sp_initiated_sign_in_answers_the_request_with_its_relay_state(account, idp) -> None:
    acs = "http://testserver" + reverse("accounts:saml-acs")
    request = _authn_request(account, acs=acs)
    client = Client()
    picker = client.get(
        reverse("accounts:sandbox-idp-sso", args=[idp.token]), {"SAMLRequest": request, "RelayState": "/users/"}
    )
    assert picker.status_code == 200
    answer = client.post(
        reverse("accounts:sandbox-idp", args=[idp.token]),
        {"name_id": "alice", "saml_request": request, "binding": "redirect", "relay_state": "/users/"},
    )
    assert answer.status_code == 200
    assert 'name="RelayState" value="/users/"' in answer.content.decode()
    assert _posted_response(answer).get("InResponseTo") == "_req1"


def test_the_http_post_binding_is_answered_too(account, idp) -> None:
    acs = "http://testserver" + reverse("accounts:saml-acs")
    deflated = base64.b64decode(_authn_request(account, acs=acs))
    request = base64.b64encode(zlib.decompress(deflated, -zlib.MAX_WBITS)).decode()  # POST: not deflated
    picker = Client().post(reverse("accounts:sandbox-idp-sso", args=[idp.token]), {"SAMLRequest": request})
    assert picker.status_code == 200 and 'name="binding" value="post"' in picker.content.decode()
    answer = Client().post(
        reverse("accounts:sandbox-idp", args=[idp.token]),
        {"name_id": "alice", "saml_request": request, "binding": "post"},
    )
    assert _posted_response(answer).get("InResponseTo") == "_req1"


@pytest.mark.parametrize(
    "kind", ["foreign acs", "foreign sp", "not base64 deflate", "not xml", "deflate bomb", "too long relay state"]
)
def test_the_sso_endpoint_refuses_what_is_not_this_accounts_sp_cleanly(account, idp, kind) -> None:
    acs = "http://testserver" + reverse("accounts:saml-acs")
    query = {
        "foreign acs": {"SAMLRequest": _authn_request(account, acs="https://attacker.example/acs")},
        "foreign sp": {"SAMLRequest": _authn_request(account, acs=acs, issuer="https://signin.aliyun.com/1/saml/SSO")},
        "not base64 deflate": {"SAMLRequest": "%%%not-base64"},
        "not xml": {"SAMLRequest": base64.b64encode(zlib.compress(b"<<<")[2:-4]).decode()},
        "deflate bomb": {"SAMLRequest": base64.b64encode(zlib.compress(b" " * 10_000_000)[2:-4]).decode()},
        "too long relay state": {"SAMLRequest": _authn_request(account, acs=acs), "RelayState": "x" * 600},
    }[kind]
    answer = Client().get(reverse("accounts:sandbox-idp-sso", args=[idp.token]), query)
    assert answer.status_code == 400
    assert "not from this sandbox" in answer.content.decode()
    # Nor does a forged request slipped into the picker's form get answered.
    posted = Client().post(
        reverse("accounts:sandbox-idp", args=[idp.token]),
        {
            "name_id": "alice",
            "saml_request": query["SAMLRequest"],
            "binding": "redirect",
            "relay_state": query.get("RelayState", ""),
        },
    )
    assert posted.status_code == 400 and "SAMLResponse" not in posted.content.decode()


def test_the_sandbox_page_shows_its_own_accounts_metadata(account, idp, root_client, account_factory) -> None:
    other = sandbox_idp.identity_provider_of(account_factory(email="other-root@example.com", alias="other"))
    page = root_client.get(reverse("accounts:sandbox-identity-provider"))
    assert page.status_code == 200
    text = page.content.decode()
    assert sandbox_idp.entity_id(idp) in text and idp.token in text
    assert other.token not in text and sandbox_idp.entity_id(other) not in text
    download = root_client.get(reverse("accounts:sandbox-idp-metadata", args=[idp.token]))
    assert download["Content-Type"] == "application/xml"
    assert "attachment" in download["Content-Disposition"]
    assert policy.sso.parse_idp_metadata(download.content).entity_id == sandbox_idp.entity_id(idp)


def test_a_seeded_sandbox_starts_with_sso_off_and_its_idp_ready(capsys) -> None:
    demo = sandbox.demo_sandbox_ensure()
    account = selectors.account_find(demo.account_id)
    idp = SandboxIdentityProvider.objects.get(account=account)
    assert not user_sso_settings_of(account).enabled
    call_command("seed_demo", "--json")  # prints the IdP's sign-in page among the logins
    printed = json.loads(capsys.readouterr().out)
    assert printed["sso_identity_provider"] == reverse("accounts:sandbox-idp", args=[idp.token])
