"""User-based SSO (SAML 2.0) rules: the settings an administrator may save (IMS SetUserSsoSettings,
help.aliyun.com/zh/ram/developer-reference/api-ims-2019-08-15-setuserssosettings) and what the
account's service provider is called.

While SSO Status is on, RAM users cannot log on with their passwords and must log on through the
IdP; turning it off restores password logon. It never affects the root, nor AccessKey calls
(www.alibabacloud.com/help/doc-detail/93685.htm).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.utils.translation import gettext as _
from lxml import etree

from accounts.models import Account
from security.errors import InvalidParameter
from security.policy.domains import check_domain_name, normalise_domain_name
from security.policy.inputs import MAX_METADATA_DOCUMENT_LENGTH, has_invalid_chars

METADATA_NS = "urn:oasis:names:tc:SAML:2.0:metadata"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
SAML2_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
BINDING_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
BINDING_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
_NS = {"md": METADATA_NS, "ds": DSIG_NS}


class AuthnSignAlgo(StrEnum):
    """The algorithm the SP signs its AuthnRequests with (IMS AuthnSignAlgo)."""

    RSA_SHA1 = "rsa-sha1"
    RSA_SHA256 = "rsa-sha256"


AUTHN_SIGN_ALGOS = tuple(algo.value for algo in AuthnSignAlgo)


@dataclass(frozen=True)
class IdpMetadata:
    """What an IdP's SAML 2.0 metadata says about it. `not_before`/`not_after`: the first signing
    certificate's validity, as shown on the User SSO page."""

    entity_id: str
    sso_url: str
    certificates: tuple[str, ...]  # PEM
    fingerprints: tuple[str, ...]  # SHA-256 of each certificate's DER, lowercase hex
    not_before: datetime
    not_after: datetime


def sp_entity_id(account: Account) -> str:
    """The account's SP entity ID, as RAM names it: the Audience every Response must carry."""
    return f"https://signin.aliyun.com/{account.account_id}/saml/SSO"


def _metadata_error(message: str) -> InvalidParameter:
    return InvalidParameter(message, code="InvalidParameter.MetadataDocument", field="metadata_document")


def decode_metadata_document(encoded: str) -> bytes:
    """IMS MetadataDocument is the metadata XML in Base64."""
    if len(encoded) > MAX_METADATA_DOCUMENT_LENGTH:
        raise _metadata_error(_("The metadata document is too large."))
    try:
        return base64.b64decode("".join(encoded.split()), validate=True)
    except (binascii.Error, ValueError) as error:
        raise _metadata_error(_('The parameter - "MetadataDocument" is not valid Base64.')) from error


def _parse_xml(xml_bytes: bytes) -> etree._Element:
    # No DTD, no entities, no network: metadata needs none, and each is an XML attack (XXE, billion laughs).
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        root = etree.fromstring(xml_bytes, parser=parser)
    except (etree.XMLSyntaxError, ValueError) as error:
        raise _metadata_error(_("The metadata document is not well-formed XML.")) from error
    if root.getroottree().docinfo.doctype:
        raise _metadata_error(_("The metadata document must not contain a DOCTYPE declaration."))
    return root


def _entity_descriptor(root: etree._Element) -> etree._Element:
    if root.tag == f"{{{METADATA_NS}}}EntityDescriptor":
        return root
    if root.tag == f"{{{METADATA_NS}}}EntitiesDescriptor":
        for entity in root.iterfind("md:EntityDescriptor", _NS):
            if entity.find("md:IDPSSODescriptor", _NS) is not None:
                return entity
    raise _metadata_error(_("The metadata document is not SAML 2.0 metadata (no md:EntityDescriptor)."))


def _idp_descriptor(entity: etree._Element) -> etree._Element:
    for descriptor in entity.iterfind("md:IDPSSODescriptor", _NS):
        if SAML2_PROTOCOL in descriptor.get("protocolSupportEnumeration", "").split():
            return descriptor
    raise _metadata_error(_("The metadata document describes no SAML 2.0 identity provider (IDPSSODescriptor)."))


def _sso_url(descriptor: etree._Element) -> str:
    services = {s.get("Binding"): s.get("Location", "") for s in descriptor.iterfind("md:SingleSignOnService", _NS)}
    url = services.get(BINDING_REDIRECT) or services.get(BINDING_POST) or ""
    if not url.startswith(("https://", "http://")) or len(url) > 2048:
        raise _metadata_error(_("The metadata document has no HTTP-Redirect or HTTP-POST SingleSignOnService URL."))
    return url


def _signing_certificates(descriptor: etree._Element) -> list[x509.Certificate]:
    certificates = []
    for key in descriptor.iterfind("md:KeyDescriptor", _NS):
        if key.get("use", "signing") != "signing":
            continue  # an encryption key signs nothing
        for element in key.iterfind("ds:KeyInfo/ds:X509Data/ds:X509Certificate", _NS):
            try:
                der = base64.b64decode("".join((element.text or "").split()), validate=True)
                certificates.append(x509.load_der_x509_certificate(der))
            except (binascii.Error, ValueError) as error:
                raise _metadata_error(_("A signing certificate in the metadata document is not valid.")) from error
    if not certificates:
        raise _metadata_error(_("The metadata document has no signing certificate (X509Certificate)."))
    return certificates


def parse_idp_metadata(xml_bytes: bytes) -> IdpMetadata:
    """The IdP's entity ID, SSO URL and signing certificates, or InvalidParameter.MetadataDocument."""
    try:
        text = xml_bytes.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _metadata_error(_("The metadata document must be UTF-8 encoded.")) from error
    if has_invalid_chars(text):
        raise _metadata_error(_("The metadata document contains control characters."))
    entity = _entity_descriptor(_parse_xml(xml_bytes))
    entity_id = (entity.get("entityID") or "").strip()
    if not entity_id or len(entity_id) > 1024:
        raise _metadata_error(_("The metadata document has no entityID."))
    descriptor = _idp_descriptor(entity)
    sso_url = _sso_url(descriptor)
    certificates = _signing_certificates(descriptor)
    first = certificates[0]
    return IdpMetadata(
        entity_id=entity_id,
        sso_url=sso_url,
        certificates=tuple(c.public_bytes(Encoding.PEM).decode() for c in certificates),
        fingerprints=tuple(hashlib.sha256(c.public_bytes(Encoding.DER)).hexdigest() for c in certificates),
        not_before=first.not_valid_before_utc,
        not_after=first.not_valid_after_utc,
    )


def is_certificate_expired(metadata: IdpMetadata, now: datetime) -> bool:
    """The shown certificate is past its validity at `now` (the account's clock): the IdP must renew it."""
    return now >= metadata.not_after


def format_fingerprint(fingerprint: str) -> str:
    """AA:BB:... as certificate viewers show a SHA-256 fingerprint."""
    return ":".join(fingerprint[i : i + 2] for i in range(0, len(fingerprint), 2)).upper()


def normalise_auxiliary_domain(domain: str) -> str:
    return normalise_domain_name(domain)


def check_auxiliary_domain(domain: str) -> None:
    """A domain name by the domain alias's rules (empty: none). RAM ignores it while a domain alias is
    set: NameID then uses the default domain or the alias (configure-alibaba-cloud-saml-settings-for-role-based-sso)."""
    if not domain:
        return
    try:
        check_domain_name(domain, field="auxiliary_domain")
    except InvalidParameter as error:
        raise InvalidParameter(
            error.message, code="InvalidParameter.AuxiliaryDomain", field="auxiliary_domain"
        ) from error


def check_authn_sign_algo(value: str) -> None:
    if value not in AUTHN_SIGN_ALGOS:
        raise InvalidParameter(
            _('The parameter - "AuthnSignAlgo" must be one of %(v)s.') % {"v": ", ".join(AUTHN_SIGN_ALGOS)},
            code="InvalidParameter.AuthnSignAlgo",
            field="authn_sign_algo",
        )


def check_can_enable_sso(*, enabled: bool, has_metadata: bool) -> None:
    """SSO Status on needs the IdP's metadata: without its certificate no Response can be verified."""
    if enabled and not has_metadata:
        raise InvalidParameter(
            _("Upload the IdP's metadata document before turning SSO on."),
            code="InvalidParameter.MetadataDocument",
            field="metadata_document",
        )
