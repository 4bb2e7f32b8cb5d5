"""SAML Responses built and signed by the tests themselves (signxml), with a trusted IdP key pair and
a second one for forgeries."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLSigner

PROTOCOL_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
IDP_ENTITY_ID = "https://idp.test.example/saml"
IDP_SSO_URL = "https://idp.test.example/saml/sso"
ACS_URL = "http://testserver/saml/acs/"


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    certificate_pem: str


@cache
def key_pair(common_name: str = "Trusted test IdP") -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = datetime.now(UTC) - timedelta(days=1)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return KeyPair(
        private_pem=key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode(),
        certificate_pem=certificate.public_bytes(Encoding.PEM).decode(),
    )


def trusted() -> KeyPair:
    return key_pair()


def forger() -> KeyPair:
    return key_pair("Forger")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def response_xml(
    *,
    name_id: str,
    audience: str,
    destination: str = ACS_URL,
    issuer: str = IDP_ENTITY_ID,
    now: datetime | None = None,
    lifetime: timedelta = timedelta(minutes=5),
    assertion_id: str | None = None,
    in_response_to: str = "",
) -> etree._Element:
    """An unsigned Response with one Assertion (the elements RAM's 'SAML response for user-based SSO' lists)."""
    now = now or datetime.now(UTC)
    answer = f' InResponseTo="{in_response_to}"' if in_response_to else ""
    text = f"""<samlp:Response xmlns:samlp="{PROTOCOL_NS}" xmlns:saml="{ASSERTION_NS}" ID="_r{uuid.uuid4().hex}"
 Version="2.0" IssueInstant="{_stamp(now)}" Destination="{destination}"{answer}>
<saml:Issuer>{issuer}</saml:Issuer>
<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
<saml:Assertion ID="{assertion_id or "_a" + uuid.uuid4().hex}" Version="2.0" IssueInstant="{_stamp(now)}">
<saml:Issuer>{issuer}</saml:Issuer>
<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">{name_id}</saml:NameID>
<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
<saml:SubjectConfirmationData Recipient="{destination}" NotOnOrAfter="{_stamp(now + lifetime)}"{answer}/>
</saml:SubjectConfirmation></saml:Subject>
<saml:Conditions NotBefore="{_stamp(now - timedelta(seconds=30))}" NotOnOrAfter="{_stamp(now + lifetime)}">
<saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>
<saml:AuthnStatement AuthnInstant="{_stamp(now)}"><saml:AuthnContext>
<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>
</saml:AuthnContext></saml:AuthnStatement>
</saml:Assertion></samlp:Response>"""
    return etree.fromstring(text.encode())


def assertion_of(response: etree._Element) -> etree._Element:
    return response.find(f"{{{ASSERTION_NS}}}Assertion")


class _SignerAllowingSha1(XMLSigner):
    """signxml refuses SHA-1 unless told (its documented way); many IdPs still sign with it."""

    def check_deprecated_methods(self) -> None:
        pass


def _signer(algorithm: str) -> XMLSigner:
    return _SignerAllowingSha1(signature_algorithm=algorithm, digest_algorithm=algorithm.removeprefix("rsa-"))


def sign_response(response: etree._Element, keys: KeyPair, *, algorithm: str = "rsa-sha256") -> etree._Element:
    return _signer(algorithm).sign(
        response, key=keys.private_pem, cert=keys.certificate_pem, reference_uri=response.get("ID")
    )


def sign_assertion(response: etree._Element, keys: KeyPair, *, algorithm: str = "rsa-sha256") -> etree._Element:
    assertion = assertion_of(response)
    signed = _signer(algorithm).sign(
        assertion, key=keys.private_pem, cert=keys.certificate_pem, reference_uri=assertion.get("ID")
    )
    response.replace(assertion, signed)
    return response


def encode(response: etree._Element) -> str:
    return base64.b64encode(etree.tostring(response)).decode()
