"""SAML 2.0 mechanics for user-based SSO: reading and verifying an IdP's Response (HTTP-POST binding),
and building the SP's signed AuthnRequest (HTTP-Redirect binding). What a verified assertion must
say to log anyone on is decided in security/policy/saml.py.

The signature is checked by signxml against the certificates uploaded with the IdP's metadata, never
against a certificate the Response carries. Everything the logon trusts (NameID, Audience,
Destination, the time window, the assertion ID, InResponseTo) is read from the element signxml
returns as signed, so an unsigned Assertion injected beside or around the signed one (XML signature
wrapping) is never read; a Response with more than one Assertion is refused outright.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import zlib
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.utils.dateparse import parse_datetime
from lxml import etree
from signxml import SignatureConfiguration, SignatureMethod, XMLVerifier
from signxml.algorithms import DigestAlgorithm
from signxml.exceptions import SignXMLException

PROTOCOL_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
BINDING_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
NAMEID_UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
_NS = {"samlp": PROTOCOL_NS, "saml": ASSERTION_NS, "ds": "http://www.w3.org/2000/09/xmldsig#"}
_RESPONSE = f"{{{PROTOCOL_NS}}}Response"
_ASSERTION = f"{{{ASSERTION_NS}}}Assertion"

# A Response is a few KB; this bounds the work an anonymous POST can cause.
MAX_RESPONSE_BYTES = 256 * 1024

# The redirect binding's SigAlg URIs (SAML bindings §3.4.4.1), by IMS AuthnSignAlgo.
SIG_ALGS = {
    "rsa-sha1": ("http://www.w3.org/2000/09/xmldsig#rsa-sha1", hashes.SHA1),
    "rsa-sha256": ("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", hashes.SHA256),
}


class SamlError(Exception):
    """A Response that cannot be read or whose signature does not verify; `reason` says which."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason


MALFORMED = "malformed"
UNSIGNED = "unsigned"
BAD_SIGNATURE = "bad_signature"
WRAPPED = "wrapped"


@dataclass(frozen=True)
class SignedAssertion:
    """What the IdP signed, read only from the verified element."""

    response_signed: bool
    issuer: str
    status_ok: bool
    assertion_id: str
    name_id: str
    audiences: tuple[str, ...]
    # Response/@Destination when the Response is signed, else SubjectConfirmationData/@Recipient.
    destination: str
    in_response_to: str
    not_before: datetime | None
    not_on_or_after: datetime | None


def _safe_parser() -> etree.XMLParser:
    # No DTD, no entities, no network (XXE, billion laughs); comments are not signed content.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
    )


def decode_response(saml_response: str) -> bytes:
    """The HTTP-POST binding's SAMLResponse: Base64 of the Response XML."""
    if len(saml_response) > MAX_RESPONSE_BYTES * 4 // 3 + 4:
        raise SamlError(MALFORMED, "too large")
    try:
        return base64.b64decode("".join(saml_response.split()), validate=True)
    except (binascii.Error, ValueError) as error:
        raise SamlError(MALFORMED, "not Base64") from error


def parse_response(xml_bytes: bytes) -> etree._Element:
    try:
        root = etree.fromstring(xml_bytes, parser=_safe_parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        raise SamlError(MALFORMED, "not XML") from error
    if root.getroottree().docinfo.doctype or root.tag != _RESPONSE:
        raise SamlError(MALFORMED, "not a samlp:Response")
    return root


def unverified_audience(root: etree._Element) -> str:
    """Only to choose whose certificates to verify with; never trusted for the logon itself."""
    audience = root.find("saml:Assertion/saml:Conditions/saml:AudienceRestriction/saml:Audience", _NS)
    return (audience.text or "").strip() if audience is not None else ""


def _config(location: str, *, allow_sha1: bool) -> SignatureConfiguration:
    methods = {SignatureMethod.RSA_SHA256, SignatureMethod.RSA_SHA384, SignatureMethod.RSA_SHA512}
    digests = {DigestAlgorithm.SHA256, DigestAlgorithm.SHA384, DigestAlgorithm.SHA512}
    if allow_sha1:
        methods.add(SignatureMethod.RSA_SHA1)
        digests.add(DigestAlgorithm.SHA1)
    return SignatureConfiguration(
        location=location,
        expect_references=1,
        signature_methods=frozenset(methods),
        digest_algorithms=frozenset(digests),
    )


def _verified_element(
    root: etree._Element, certificates: list[str], *, allow_sha1: bool
) -> tuple[etree._Element, bool]:
    """The element a trusted certificate signed: the Response (its own ds:Signature) or else its Assertion."""
    if root.find("ds:Signature", _NS) is not None:
        location, response_signed = "./", True
    elif root.find("saml:Assertion/ds:Signature", _NS) is not None:
        location, response_signed = f"./{_ASSERTION}/", False
    else:
        raise SamlError(UNSIGNED)
    config = _config(location, allow_sha1=allow_sha1)
    for certificate in certificates:
        try:
            result = XMLVerifier().verify(
                etree.tostring(root), x509_cert=certificate, parser=_safe_parser(), expect_config=config
            )
        except (SignXMLException, ValueError):
            continue
        signed = result.signed_xml
        expected = _RESPONSE if response_signed else _ASSERTION
        if signed is None or signed.tag != expected:
            raise SamlError(WRAPPED, "the signature covers another element")
        return signed, response_signed
    raise SamlError(BAD_SIGNATURE)


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:  # well formatted but no such date (month 13)
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise SamlError(MALFORMED, "bad time")
    return parsed


def _earliest(*times: datetime | None) -> datetime | None:
    known = [t for t in times if t is not None]
    return min(known) if known else None


def verify_response(root: etree._Element, certificates: list[str], *, allow_sha1: bool) -> SignedAssertion:
    """Verify the signature and read the assertion from what was signed (SamlError otherwise)."""
    if len(root.findall(f".//{_ASSERTION}")) != 1 or root.find(f".//{{{ASSERTION_NS}}}EncryptedAssertion") is not None:
        raise SamlError(WRAPPED, "not exactly one Assertion")
    signed, response_signed = _verified_element(root, certificates, allow_sha1=allow_sha1)
    if response_signed:
        assertions = signed.findall("saml:Assertion", _NS)
        if len(assertions) != 1:
            raise SamlError(WRAPPED, "the signed Response holds not exactly one Assertion")
        assertion = assertions[0]
        status = signed.find("samlp:Status/samlp:StatusCode", _NS)
        status_ok = status is not None and status.get("Value") == STATUS_SUCCESS
    else:
        assertion = signed
        # The unsigned Response's status can only refuse, never admit.
        status = root.find("samlp:Status/samlp:StatusCode", _NS)
        status_ok = status is None or status.get("Value") == STATUS_SUCCESS
    confirmation = assertion.find("saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData", _NS)
    conditions = assertion.find("saml:Conditions", _NS)
    name_id = assertion.find("saml:Subject/saml:NameID", _NS)
    issuer = assertion.find("saml:Issuer", _NS)
    recipient = confirmation.get("Recipient", "") if confirmation is not None else ""
    in_response_to = confirmation.get("InResponseTo", "") if confirmation is not None else ""
    if response_signed:
        destination = signed.get("Destination") or recipient
        in_response_to = signed.get("InResponseTo") or in_response_to
    else:
        destination = recipient
    return SignedAssertion(
        response_signed=response_signed,
        issuer=(issuer.text or "").strip() if issuer is not None else "",
        status_ok=status_ok,
        assertion_id=assertion.get("ID", ""),
        name_id=(name_id.text or "").strip() if name_id is not None else "",
        audiences=tuple(
            (a.text or "").strip()
            for a in assertion.iterfind("saml:Conditions/saml:AudienceRestriction/saml:Audience", _NS)
        ),
        destination=destination,
        in_response_to=in_response_to,
        not_before=_time(conditions.get("NotBefore")) if conditions is not None else None,
        not_on_or_after=_earliest(
            _time(conditions.get("NotOnOrAfter")) if conditions is not None else None,
            _time(confirmation.get("NotOnOrAfter")) if confirmation is not None else None,
        ),
    )


def new_request_id() -> str:
    """An xs:ID (must not start with a digit)."""
    return f"_{secrets.token_hex(20)}"


def authn_request_xml(
    *, request_id: str, issued_at: datetime, sp_entity_id: str, acs_url: str, destination: str
) -> bytes:
    root = etree.Element(
        f"{{{PROTOCOL_NS}}}AuthnRequest",
        nsmap={"samlp": PROTOCOL_NS, "saml": ASSERTION_NS},
        ID=request_id,
        Version="2.0",
        IssueInstant=issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        Destination=destination,
        AssertionConsumerServiceURL=acs_url,
        ProtocolBinding=BINDING_POST,
    )
    etree.SubElement(root, f"{{{ASSERTION_NS}}}Issuer").text = sp_entity_id
    etree.SubElement(root, f"{{{PROTOCOL_NS}}}NameIDPolicy", Format=NAMEID_UNSPECIFIED, AllowCreate="false")
    return etree.tostring(root)


def redirect_query(*, request_xml: bytes, relay_state: str, private_key_pem: str | None, sign_algo: str) -> str:
    """The HTTP-Redirect binding's query (SAML bindings §3.4.4.1): the request DEFLATEd and Base64'd,
    RelayState, and, with a key, SigAlg and the signature over exactly those encoded parameters."""
    compressor = zlib.compressobj(wbits=-15)  # raw DEFLATE, no zlib header
    deflated = compressor.compress(request_xml) + compressor.flush()
    params = [("SAMLRequest", base64.b64encode(deflated).decode())]
    if relay_state:
        params.append(("RelayState", relay_state))
    if private_key_pem:
        sig_alg, digest = SIG_ALGS[sign_algo]
        params.append(("SigAlg", sig_alg))
        key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        signature = key.sign(urlencode(params).encode(), padding.PKCS1v15(), digest())
        params.append(("Signature", base64.b64encode(signature).decode()))
    return urlencode(params)
