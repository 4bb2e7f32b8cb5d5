"""Writes of the account's security settings. Each checks the policy, writes, records its event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from cryptography.x509.oid import NameOID
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from lxml import etree

from accounts.actors import Actor
from accounts.models import Account
from ramconsole.kernel import clock, crypto
from security import dns, events, policy, selectors
from security.errors import EntityAlreadyExists, EntityNotExist, check_all
from security.models import DomainAlias, PasswordPolicy, SandboxDnsRecord, SecurityPreference, UserSsoSettings

PASSWORD_POLICY_FIELDS = (
    "minimum_length",
    "require_lowercase",
    "require_uppercase",
    "require_numbers",
    "require_symbols",
    "minimum_different_characters",
    "allow_user_name_in_password",
    "max_password_age_days",
    "hard_expiry",
    "reuse_prevention",
    "max_login_attempts",
)


@events.audited("SetPasswordPolicy")
def password_policy_update(*, actor: Actor, now: datetime | None = None, **values: int | bool) -> PasswordPolicy:
    """SetPasswordPolicy: every field of the account's password rule at once (omitted = default)."""
    policy.check_allowed(actor.principal, "SetPasswordPolicy")
    unknown = set(values) - set(PASSWORD_POLICY_FIELDS)
    if unknown:
        raise TypeError(f"unknown password policy fields: {sorted(unknown)}")
    policy.check_password_policy_values(values)
    account = actor.account
    now = now or clock.now(account)
    defaults = PasswordPolicy(account=account)
    settings = {name: values.get(name, getattr(defaults, name)) for name in PASSWORD_POLICY_FIELDS}
    row, _created = PasswordPolicy.objects.update_or_create(account=account, defaults={**settings, "updated_at": now})
    account._password_policy = row
    events.record_by(actor, "SetPasswordPolicy", account.account_id, now, settings)
    return row


PREFERENCE_FLAGS = (
    "enable_save_mfa_ticket",
    "allow_user_to_change_password",
    "allow_user_to_manage_access_keys",
    "allow_user_to_manage_mfa_devices",
)


@events.audited("SetSecurityPreference")
def security_preference_update(
    *,
    actor: Actor,
    lockout_confirmed: bool = True,
    now: datetime | None = None,
    **values: bool | int | str,
) -> SecurityPreference:
    """SetSecurityPreference: the RAM user security settings. Omitted settings stay as they are.

    The console passes `lockout_confirmed` from its confirmation box; API callers have no such box.
    """
    policy.check_allowed(actor.principal, "SetSecurityPreference")
    unknown = set(values) - {*PREFERENCE_FLAGS, "login_session_duration_hours", "login_network_masks"}
    if unknown:
        raise TypeError(f"unknown security preference fields: {sorted(unknown)}")
    policy.check_security_preference_values(values)
    if "login_network_masks" in values:
        values["login_network_masks"] = policy.normalise_masks(str(values["login_network_masks"]))
        policy.check_not_locking_out(
            values["login_network_masks"],
            actor_address=actor.source_ip,
            confirmed=lockout_confirmed,
            field="login_network_masks",
        )
    account = actor.account
    now = now or clock.now(account)
    row, _created = SecurityPreference.objects.get_or_create(account=account)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = now
    row.full_clean()
    row.save()
    account._security_preference = row
    events.record_by(
        actor, "SetSecurityPreference", account.account_id, now, {name: row.__dict__[name] for name in values}
    )
    return row


@events.audited("SetAccountLoginMask")
def account_login_mask_update(
    *, actor: Actor, login_mask: str, lockout_confirmed: bool = True, now: datetime | None = None
) -> Account:
    """Root Security Settings > Login Mask > Set: the addresses the root may log on from."""
    policy.check_allowed(actor.principal, "SetAccountLoginMask")
    login_mask = policy.normalise_masks(login_mask, field="login_mask")
    policy.check_not_locking_out(
        login_mask, actor_address=actor.source_ip, confirmed=lockout_confirmed, field="login_mask"
    )
    account = Account.objects.select_for_update().get(pk=actor.account.pk)
    now = now or clock.now(account)
    account.login_mask = login_mask
    account.save(update_fields=["login_mask"])
    actor.principal.account.login_mask = login_mask
    events.record_by(actor, "SetAccountLoginMask", account.account_id, now, {"login_mask": login_mask})
    return account


@events.audited("SetAccountAlias")
def account_alias_set(*, actor: Actor, alias: str, now: datetime | None = None) -> Account:
    """SetAccountAlias (console: Default Domain > Update > Update Domain). Every UPN follows."""
    policy.check_allowed(actor.principal, "SetAccountAlias")
    policy.check_account_alias(alias)
    account = Account.objects.select_for_update().get(pk=actor.account.pk)
    now = now or clock.now(account)
    if Account.objects.filter(alias=alias).exclude(pk=account.pk).exists():
        raise EntityAlreadyExists(
            _("The account alias does already exist."),
            code="EntityAlreadyExists.AccountAlias",
            field="alias",
            console=_("Another account already uses this default domain. Choose another."),
        )
    old = account.alias
    account.alias = alias
    try:
        with transaction.atomic():
            account.save(update_fields=["alias"])
    except IntegrityError:  # another account took it between the check and the write
        raise EntityAlreadyExists(
            _("The account alias does already exist."),
            code="EntityAlreadyExists.AccountAlias",
            field="alias",
            console=_("Another account already uses this default domain. Choose another."),
        ) from None
    actor.principal.account.alias = alias
    events.record_by(actor, "SetAccountAlias", account.account_id, now, {"old": old, "new": alias})
    return account


@events.audited("ClearAccountAlias")
def account_alias_clear(*, actor: Actor, now: datetime | None = None) -> Account:
    """ClearAccountAlias: the alias returns to the account ID."""
    policy.check_allowed(actor.principal, "ClearAccountAlias")
    account = Account.objects.select_for_update().get(pk=actor.account.pk)
    now = now or clock.now(account)
    old = account.alias
    account.alias = account.account_id
    account.save(update_fields=["alias"])
    actor.principal.account.alias = account.alias
    events.record_by(actor, "ClearAccountAlias", account.account_id, now, {"old": old})
    return account


@events.audited("CreateDomainAlias")
def domain_alias_create(*, actor: Actor, domain: str, now: datetime | None = None) -> DomainAlias:
    """Create Domain Alias: unverified until DNS proves ownership. One alias per account."""
    policy.check_allowed(actor.principal, "CreateDomainAlias")
    domain = policy.normalise_domain_name(domain)
    policy.check_domain_name(domain)
    now = now or clock.now(actor.account)
    if DomainAlias.objects.filter(account=actor.account).exists():
        raise EntityAlreadyExists(
            _("The account already has a domain alias; delete it first."),
            code="EntityAlreadyExists.DomainAlias",
            field="domain",
        )
    if DomainAlias.objects.filter(domain=domain).exists():
        raise EntityAlreadyExists(
            _("This domain is already used by another account."), code="EntityAlreadyExists.DomainName", field="domain"
        )
    alias = DomainAlias.objects.create(account=actor.account, domain=domain, created_at=now)
    events.record_by(actor, "CreateDomainAlias", domain, now, {})
    return alias


def domain_alias_verify(*, actor: Actor) -> policy.TxtVerdict:
    """Domain Ownership Verification: a real TXT query; the verdict says what was found.
    Each attempt is an event with its outcome (recorded even when the check fails)."""
    policy.check_allowed(actor.principal, "VerifyDomainAlias")
    alias = DomainAlias.objects.filter(account=actor.account).first()
    if alias is None:
        raise EntityNotExist(_("The account has no domain alias."), code="EntityNotExist.DomainAlias")
    lookup = dns.lookup_txt(alias.domain)
    verdict = policy.judge_txt(alias.verification_value, lookup.values, lookup.error)
    now = clock.now(actor.account)
    with transaction.atomic():
        if verdict.verified and alias.verified_at is None:
            DomainAlias.objects.filter(pk=alias.pk).update(verified_at=now)
        events.record(
            action="VerifyDomainAlias",
            account=actor.account,
            actor=actor.principal,
            actor_name=actor.display_name,
            source_ip=actor.source_ip,
            target=alias.domain,
            result=verdict.reason,
            detail={"found": lookup.values[:5]},
            account_time=now,
        )
    return verdict


@events.audited("DeleteDomainAlias")
def domain_alias_delete(*, actor: Actor, now: datetime | None = None) -> None:
    policy.check_allowed(actor.principal, "DeleteDomainAlias")
    now = now or clock.now(actor.account)
    deleted = DomainAlias.objects.filter(account=actor.account).first()
    if deleted is None:
        raise EntityNotExist(_("The account has no domain alias."), code="EntityNotExist.DomainAlias")
    deleted.delete()
    events.record_by(actor, "DeleteDomainAlias", deleted.domain, now, {})


@events.audited("SetSandboxDnsRecord")
def sandbox_dns_record_create(*, actor: Actor, name: str, value: str, now: datetime | None = None) -> SandboxDnsRecord:
    """DNS records (sandbox): publish a TXT record the sandbox DNS server answers with."""
    policy.check_allowed(actor.principal, "SetSandboxDnsRecord")
    name = policy.normalise_domain_name(name)
    policy.check_domain_name(name, field="name")
    now = now or clock.now(actor.account)
    if SandboxDnsRecord.objects.filter(name=name).exclude(account=actor.account).exists():
        raise EntityAlreadyExists(
            _("Another sandbox account publishes this name."), code="EntityAlreadyExists.DnsName", field="name"
        )
    record = SandboxDnsRecord.objects.create(
        account=actor.account, name=name, value=value.strip()[:255], created_at=now
    )
    events.record_by(actor, "SetSandboxDnsRecord", name, now, {"value": record.value})
    return record


@events.audited("DeleteSandboxDnsRecord")
def sandbox_dns_record_delete(*, actor: Actor, record_id: int, now: datetime | None = None) -> None:
    policy.check_allowed(actor.principal, "DeleteSandboxDnsRecord")
    record = SandboxDnsRecord.objects.filter(account=actor.account, pk=record_id).first()
    if record is None:
        raise EntityNotExist(_("The record does not exist."), code="EntityNotExist.DnsRecord")
    now = now or clock.now(actor.account)
    record.delete()
    events.record_by(actor, "DeleteSandboxDnsRecord", record.name, now, {})


SP_KEY_SIZE = 2048
SP_CERTIFICATE_VALIDITY = timedelta(days=3650)
_MD = policy.sso.METADATA_NS
_DS = policy.sso.DSIG_NS


def _new_sp_key_pair(account: Account) -> tuple[str, str]:
    """An RSA key and a self-signed certificate for the account's SP (PEM private key, PEM certificate).
    Dated by real time, not the sandbox clock: a real IdP checks it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=SP_KEY_SIZE)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"ramconsole SP {account.account_id}")])
    issued = datetime.now(UTC) - timedelta(days=1)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(issued)
        .not_valid_after(issued + SP_CERTIFICATE_VALIDITY)
        .sign(key, hashes.SHA256())
    )
    private_pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    return private_pem, certificate.public_bytes(Encoding.PEM).decode()


def user_sso_sp_key_pair(account: Account, *, actor: Actor | None = None) -> tuple[str, str]:
    """The account's SP signing key and certificate (PEM), made on first use; the row is locked so
    two workers never make two. Through the console (`actor`), only who may change the settings
    makes it: a read-only user's visit writes nothing."""
    with transaction.atomic():
        if actor is not None and not policy.can(actor.principal, "SetUserSsoSettings"):
            row = UserSsoSettings.objects.filter(account=account).exclude(sp_certificate="").first()
            if row is None:
                raise EntityNotExist(_("The SP certificate is made when an administrator first opens the SP metadata."))
        else:
            row, _created = UserSsoSettings.objects.select_for_update().get_or_create(account=account)
        if not row.sp_certificate:
            private_pem, row.sp_certificate = _new_sp_key_pair(account)
            row.sp_private_key_encrypted = crypto.encrypt(private_pem)
            row.save(update_fields=["sp_certificate", "sp_private_key_encrypted", "updated_at"])
    return crypto.decrypt(row.sp_private_key_encrypted), row.sp_certificate


def user_sso_sp_metadata(*, actor: Actor, acs_url: str) -> bytes:
    """The account's SAML 2.0 SP metadata: entity ID, ACS URL (HTTP-POST), signing certificate, and
    that AuthnRequests are signed and assertions must be."""
    account = actor.account
    _private, certificate_pem = user_sso_sp_key_pair(account, actor=actor)
    certificate_b64 = "".join(line for line in certificate_pem.splitlines() if not line.startswith("-----"))
    entity = etree.Element(f"{{{_MD}}}EntityDescriptor", nsmap={"md": _MD, "ds": _DS})
    entity.set("entityID", policy.sso.sp_entity_id(account))
    descriptor = etree.SubElement(entity, f"{{{_MD}}}SPSSODescriptor")
    descriptor.set("AuthnRequestsSigned", "true")
    descriptor.set("WantAssertionsSigned", "true")
    descriptor.set("protocolSupportEnumeration", policy.sso.SAML2_PROTOCOL)
    key = etree.SubElement(descriptor, f"{{{_MD}}}KeyDescriptor", use="signing")
    x509_data = etree.SubElement(etree.SubElement(key, f"{{{_DS}}}KeyInfo"), f"{{{_DS}}}X509Data")
    etree.SubElement(x509_data, f"{{{_DS}}}X509Certificate").text = certificate_b64
    name_id = etree.SubElement(descriptor, f"{{{_MD}}}NameIDFormat")
    name_id.text = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
    acs = etree.SubElement(descriptor, f"{{{_MD}}}AssertionConsumerService")
    acs.set("Binding", policy.sso.BINDING_POST)
    acs.set("Location", acs_url)
    acs.set("index", "1")
    return etree.tostring(entity, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@events.audited("SetUserSsoSettings")
def user_sso_settings_update(
    *,
    actor: Actor,
    metadata_xml: bytes | None = None,
    enabled: bool | None = None,
    auxiliary_domain: str | None = None,
    login_with_domain: bool | None = None,
    authn_sign_algo: str | None = None,
    now: datetime | None = None,
) -> UserSsoSettings:
    """SetUserSsoSettings: what is given (None: kept as it is). Empty `metadata_xml` removes the
    metadata. Every refusal is judged before anything is written."""
    policy.check_allowed(actor.principal, "SetUserSsoSettings")
    account = actor.account
    current = selectors.user_sso_settings_of(account)
    parsed: list[policy.sso.IdpMetadata] = []
    if auxiliary_domain is not None:
        auxiliary_domain = policy.sso.normalise_auxiliary_domain(auxiliary_domain)

    def check_metadata() -> None:
        if metadata_xml:
            parsed.append(policy.sso.parse_idp_metadata(metadata_xml))

    has_metadata = bool(metadata_xml) if metadata_xml is not None else bool(current.metadata_document)
    check_all(
        check_metadata,
        lambda: auxiliary_domain is None or policy.sso.check_auxiliary_domain(auxiliary_domain),
        lambda: authn_sign_algo is None or policy.sso.check_authn_sign_algo(authn_sign_algo),
        lambda: policy.sso.check_can_enable_sso(
            enabled=current.enabled if enabled is None else enabled, has_metadata=has_metadata
        ),
    )
    now = now or clock.now(account)
    row, _created = UserSsoSettings.objects.select_for_update().get_or_create(account=account)
    if metadata_xml is not None:
        metadata = parsed[0] if parsed else None
        row.metadata_document = metadata_xml.decode() if metadata else ""
        row.idp_entity_id = metadata.entity_id if metadata else ""
        row.idp_sso_url = metadata.sso_url if metadata else ""
        row.idp_certificates = list(metadata.certificates) if metadata else []
    for name, value in (
        ("enabled", enabled),
        ("auxiliary_domain", auxiliary_domain),
        ("login_with_domain", login_with_domain),
        ("authn_sign_algo", authn_sign_algo),
    ):
        if value is not None:
            setattr(row, name, value)
    row.save()
    detail = {
        "enabled": row.enabled,
        "idp_entity_id": row.idp_entity_id,
        "auxiliary_domain": row.auxiliary_domain,
        "login_with_domain": row.login_with_domain,
        "authn_sign_algo": row.authn_sign_algo,
    }
    if parsed:
        detail["fingerprints"] = list(parsed[0].fingerprints)
    events.record_by(actor, "SetUserSsoSettings", account.account_id, now, detail)
    return row
