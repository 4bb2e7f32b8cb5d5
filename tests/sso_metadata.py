"""IdP metadata documents for the user SSO tests: a real key pair and self-signed certificate."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

IDP_ENTITY_ID = "https://idp.example.com/saml"
IDP_SSO_URL = "https://idp.example.com/saml/sso"
# From a fixed day, long enough for any clock the tests run at (the browser tests' is 2030).
CERTIFICATE_VALIDITY = timedelta(days=20 * 365)


@cache
def idp_certificate(common_name: str = "Test IdP") -> x509.Certificate:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + CERTIFICATE_VALIDITY)
        .sign(key, hashes.SHA256())
    )


def fingerprint(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()


def idp_metadata_xml(
    *,
    entity_id: str = IDP_ENTITY_ID,
    sso_url: str = IDP_SSO_URL,
    certificate: x509.Certificate | None = None,
    with_certificate: bool = True,
) -> bytes:
    certificate = certificate or idp_certificate()
    der = base64.b64encode(certificate.public_bytes(Encoding.DER)).decode()
    key = (
        '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>'
        f"<ds:X509Certificate>{der}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        if with_certificate
        else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}">'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f"{key}"
        '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        f'Location="{sso_url}"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    ).encode()


def idp_metadata_b64(**kwargs: object) -> str:
    return base64.b64encode(idp_metadata_xml(**kwargs)).decode()  # type: ignore[arg-type]
