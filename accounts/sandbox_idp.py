"""The sandbox's own SAML 2.0 identity provider (demo mode, issue 22): so `make run` can show
user-based SSO end to end offline. Each account has one, with its own key pair and self-signed
certificate, made on first use and kept (accounts.models.SandboxIdentityProvider).

It "authenticates" nobody: whoever reaches its page picks the NameID. That is why its URLs carry
the account's unguessable token (shown only on the account's Sandbox page), why it signs only for
its own account's SP entity ID, and why it answers only to this server's ACS.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.db import IntegrityError, transaction
from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod, XMLSigner

from accounts.models import Account, SandboxIdentityProvider
from ramconsole.kernel import clock, crypto
from security import policy

SAML_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML_ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion"
SAML_METADATA = "urn:oasis:names:tc:SAML:2.0:metadata"
XMLDSIG = "http://www.w3.org/2000/09/xmldsig#"
BINDING_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
BINDING_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
NAMEID_UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
AUTHN_CONTEXT_CLASS = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"

KEY_SIZE = 2048
CERTIFICATE_VALID_FOR = timedelta(days=3650)
RESPONSE_VALID_FOR = timedelta(minutes=5)
MAX_NAME_ID_LENGTH = 128
MAX_AUTHN_REQUEST_BYTES = 64 * 1024  # inflated: a deflate bomb stops here

# Untrusted XML (an SP's AuthnRequest): no DTDs, no entities, no network.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class SandboxIdpRefusal(ValueError):
    """A request the sandbox IdP will not answer (a malformed AuthnRequest, a foreign SP or ACS)."""


@dataclass(frozen=True)
class AuthnRequest:
    request_id: str
    issuer: str
    acs_url: str


def identity_provider_of(account: Account) -> SandboxIdentityProvider:
    """The account's sandbox IdP, with its key pair generated on first use."""
    found = SandboxIdentityProvider.objects.filter(account=account).first()
    if found is not None:
        return found
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    try:
        with transaction.atomic():
            return SandboxIdentityProvider.objects.create(
                account=account,
                token=secrets.token_urlsafe(24),
                private_key_encrypted=crypto.encrypt(_private_pem(key)),
                certificate=_self_signed_certificate(key, account),
            )
    except IntegrityError:  # another request made it first: use that one
        return SandboxIdentityProvider.objects.get(account=account)


def identity_provider_by_token(token: str) -> SandboxIdentityProvider | None:
    return SandboxIdentityProvider.objects.select_related("account").filter(token=token).first()


def entity_id(idp: SandboxIdentityProvider) -> str:
    """Stable whatever host serves it, so uploaded metadata keeps matching the Responses' Issuer."""
    return f"urn:ramconsole:sandbox-idp:{idp.account.account_id}"


def _private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _self_signed_certificate(key: rsa.RSAPrivateKey, account: Account) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"RAM console sandbox IdP {account.account_id}")])
    now = clock.now(account)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + CERTIFICATE_VALID_FOR)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _certificate_base64(idp: SandboxIdentityProvider) -> str:
    der = x509.load_pem_x509_certificate(idp.certificate.encode()).public_bytes(serialization.Encoding.DER)
    return base64.b64encode(der).decode()


def metadata_xml(idp: SandboxIdentityProvider, *, sso_url: str) -> bytes:
    """The IdP's SAML 2.0 metadata: entity ID, signing certificate, SingleSignOnService (both bindings)."""
    md = f"{{{SAML_METADATA}}}"
    ds = f"{{{XMLDSIG}}}"
    root = etree.Element(f"{md}EntityDescriptor", nsmap={"md": SAML_METADATA, "ds": XMLDSIG}, entityID=entity_id(idp))
    descriptor = etree.SubElement(
        root, f"{md}IDPSSODescriptor", WantAuthnRequestsSigned="false", protocolSupportEnumeration=SAML_PROTOCOL
    )
    key_descriptor = etree.SubElement(descriptor, f"{md}KeyDescriptor", use="signing")
    x509_data = etree.SubElement(etree.SubElement(key_descriptor, f"{ds}KeyInfo"), f"{ds}X509Data")
    etree.SubElement(x509_data, f"{ds}X509Certificate").text = _certificate_base64(idp)
    etree.SubElement(descriptor, f"{md}NameIDFormat").text = NAMEID_UNSPECIFIED
    for binding in (BINDING_REDIRECT, BINDING_POST):
        etree.SubElement(descriptor, f"{md}SingleSignOnService", Binding=binding, Location=sso_url)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _instant(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _saml_id() -> str:
    return "_" + secrets.token_hex(20)  # an xs:ID starts with a letter or "_"


def signed_response(
    idp: SandboxIdentityProvider, *, name_id: str, acs_url: str, in_response_to: str | None = None
) -> bytes:
    """A SAML Response for `name_id`, its Assertion signed (RSA-SHA256) with the IdP's key: Audience
    the account's SP entity ID, Destination and Recipient `acs_url`, valid for five minutes of the
    account's clock. The elements are those RAM requires of an IdP's Response
    (https://help.aliyun.com/en/ram/saml-response-for-user-based-sso)."""
    account = idp.account
    now = clock.now(account)
    issue_instant, valid_until = _instant(now), _instant(now + RESPONSE_VALID_FOR)
    samlp, saml = f"{{{SAML_PROTOCOL}}}", f"{{{SAML_ASSERTION}}}"
    extra = {"InResponseTo": in_response_to} if in_response_to else {}

    response = etree.Element(
        f"{samlp}Response",
        nsmap={"samlp": SAML_PROTOCOL, "saml": SAML_ASSERTION},
        ID=_saml_id(),
        Version="2.0",
        IssueInstant=issue_instant,
        Destination=acs_url,
        **extra,
    )
    etree.SubElement(response, f"{saml}Issuer").text = entity_id(idp)
    status = etree.SubElement(response, f"{samlp}Status")
    etree.SubElement(status, f"{samlp}StatusCode", Value=STATUS_SUCCESS)

    assertion_id = _saml_id()
    assertion = etree.SubElement(
        response, f"{saml}Assertion", ID=assertion_id, Version="2.0", IssueInstant=issue_instant
    )
    etree.SubElement(assertion, f"{saml}Issuer").text = entity_id(idp)
    # Where signxml puts the signature: after the Issuer, as the SAML schema orders it.
    etree.SubElement(assertion, f"{{{XMLDSIG}}}Signature", Id="placeholder")
    subject = etree.SubElement(assertion, f"{saml}Subject")
    etree.SubElement(subject, f"{saml}NameID", Format=NAMEID_UNSPECIFIED).text = name_id
    confirmation = etree.SubElement(subject, f"{saml}SubjectConfirmation", Method=BEARER)
    etree.SubElement(
        confirmation, f"{saml}SubjectConfirmationData", NotOnOrAfter=valid_until, Recipient=acs_url, **extra
    )
    conditions = etree.SubElement(assertion, f"{saml}Conditions", NotBefore=issue_instant, NotOnOrAfter=valid_until)
    restriction = etree.SubElement(conditions, f"{saml}AudienceRestriction")
    etree.SubElement(restriction, f"{saml}Audience").text = policy.sso.sp_entity_id(account)
    statement = etree.SubElement(
        assertion, f"{saml}AuthnStatement", AuthnInstant=issue_instant, SessionIndex=assertion_id
    )
    context = etree.SubElement(statement, f"{saml}AuthnContext")
    etree.SubElement(context, f"{saml}AuthnContextClassRef").text = AUTHN_CONTEXT_CLASS

    signer = XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    signed = signer.sign(
        response,
        key=crypto.decrypt(idp.private_key_encrypted).encode(),
        cert=idp.certificate,
        reference_uri=assertion_id,
    )
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def check_name_id(name_id: str) -> str:
    """What the picker sends as NameID: any printable name (the SP decides whether it is a user)."""
    name_id = name_id.strip()
    if not name_id or len(name_id) > MAX_NAME_ID_LENGTH or not name_id.isprintable():
        raise SandboxIdpRefusal(name_id)
    return name_id


def _request_xml(saml_request: str, *, deflated: bool) -> bytes:
    try:
        raw = base64.b64decode(saml_request)
        if not deflated:
            return raw[: MAX_AUTHN_REQUEST_BYTES + 1]
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        return inflater.decompress(raw, MAX_AUTHN_REQUEST_BYTES + 1)
    except (binascii.Error, zlib.error) as error:
        raise SandboxIdpRefusal("not Base64 (of DEFLATE)") from error


def parse_authn_request(
    idp: SandboxIdentityProvider, saml_request: str, *, deflated: bool, acs_url: str
) -> AuthnRequest:
    """An SP-initiated AuthnRequest (HTTP-Redirect: deflated; HTTP-POST: not), answered only when it
    comes from this account's SP and asks for this server's ACS: otherwise the IdP would post a
    signed Response wherever a crafted request pointed."""
    xml = _request_xml(saml_request, deflated=deflated)
    if len(xml) > MAX_AUTHN_REQUEST_BYTES:
        raise SandboxIdpRefusal("too large")
    try:
        root = etree.fromstring(xml, parser=_PARSER)
    except (etree.XMLSyntaxError, ValueError) as error:
        raise SandboxIdpRefusal("not XML") from error
    if root.tag != f"{{{SAML_PROTOCOL}}}AuthnRequest" or not root.get("ID"):
        raise SandboxIdpRefusal("not an AuthnRequest")
    issuer = root.findtext(f"{{{SAML_ASSERTION}}}Issuer", default="").strip()
    requested_acs = root.get("AssertionConsumerServiceURL") or acs_url
    if issuer != policy.sso.sp_entity_id(idp.account) or requested_acs != acs_url:
        raise SandboxIdpRefusal("foreign SP or ACS")
    return AuthnRequest(request_id=root.get("ID", ""), issuer=issuer, acs_url=requested_acs)
