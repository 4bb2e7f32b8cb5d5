"""Security settings of an account, and the event trail."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from accounts.models import Account, Principal
from security.ranges import PASSWORD_POLICY_RANGES, SECURITY_PREFERENCE_RANGES

RESULT_SUCCESS = "Success"


class Event(models.Model):
    """One recorded change or logon attempt (PRODUCT.md §11). Never holds a secret or password."""

    occurred_at = models.DateTimeField(default=timezone.now)
    # The account's sandbox time when its clock is moved; equal to occurred_at otherwise.
    account_time = models.DateTimeField(default=timezone.now)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(Principal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Who, as shown: UPN, account email or AccessKey ID — kept when the principal is deleted.
    actor_name = models.CharField(max_length=255, blank=True)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=255, blank=True)
    result = models.CharField(max_length=128, default=RESULT_SUCCESS)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["account", "-occurred_at", "-id"], name="event_account_time"),
            models.Index(fields=["account", "action"], name="event_account_action"),
            # The newest event of an account: the version of its cached Security Check.
            models.Index(fields=["account", "-id"], name="event_account_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target} {self.result}"

    @property
    def succeeded(self) -> bool:
        return self.result == RESULT_SUCCESS


class PasswordPolicy(models.Model):
    """The password rule for every RAM user of an account (PRODUCT.md §3.2). No row = the defaults."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="password_policy")
    minimum_length = models.PositiveSmallIntegerField(default=8)
    require_lowercase = models.BooleanField(default=False)
    require_uppercase = models.BooleanField(default=False)
    require_numbers = models.BooleanField(default=False)
    require_symbols = models.BooleanField(default=False)
    minimum_different_characters = models.PositiveSmallIntegerField(default=0)
    allow_user_name_in_password = models.BooleanField(default=True)
    max_password_age_days = models.PositiveSmallIntegerField(default=0)
    # Action After Password Expires: True = Deny Logon (an administrator must reset it).
    hard_expiry = models.BooleanField(default=False)
    reuse_prevention = models.PositiveSmallIntegerField(default=0)
    max_login_attempts = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(**{f"{name}__range": (lo, hi)}), name=f"pp_{name}_range")
            for name, (lo, hi, _parameter) in PASSWORD_POLICY_RANGES.items()
        ]

    def __str__(self) -> str:
        return f"password policy of {self.account_id}"

    @property
    def required_elements(self) -> list[str]:
        flags = {
            "lowercase": self.require_lowercase,
            "uppercase": self.require_uppercase,
            "digits": self.require_numbers,
            "symbols": self.require_symbols,
        }
        return [name for name, required in flags.items() if required]


class SecurityPreference(models.Model):
    """RAM user security settings of an account (PRODUCT.md §5.1). No row = the defaults."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="security_preference")
    enable_save_mfa_ticket = models.BooleanField(default=False)
    allow_user_to_change_password = models.BooleanField(default=True)
    allow_user_to_manage_access_keys = models.BooleanField(default=False)
    allow_user_to_manage_mfa_devices = models.BooleanField(default=True)
    login_session_duration_hours = models.PositiveSmallIntegerField(default=6)
    login_network_masks = models.CharField(max_length=512, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(**{f"{name}__range": (lo, hi)}), name=f"sp_{name}_range")
            for name, (lo, hi, _parameter) in SECURITY_PREFERENCE_RANGES.items()
        ]

    def __str__(self) -> str:
        return f"security preference of {self.account_id}"


class ApiNonce(models.Model):
    """A signature nonce seen from a key; a second use within the timestamp window is refused.

    In the database, so every worker of the installation sees every nonce.
    """

    access_key_id = models.CharField(max_length=64)
    nonce = models.CharField(max_length=128)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["access_key_id", "nonce"], name="api_nonce_once")]

    def __str__(self) -> str:
        return f"{self.access_key_id}/{self.nonce}"


class DomainAlias(models.Model):
    """An account's domain alias (PRODUCT.md §6.2): usable for logon once DNS proves ownership."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="domain_alias")
    domain = models.CharField(max_length=253, unique=True)
    verification_token = models.UUIDField(default=uuid.uuid4)
    created_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.domain

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def verification_value(self) -> str:
        return f"aliyun-site-verification={self.verification_token}"


class SandboxDnsRecord(models.Model):
    """A TXT record the sandbox DNS server publishes, edited by a trainee who owns no real domain."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="sandbox_dns_records")
    name = models.CharField(max_length=253)
    value = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["name"], name="sandbox_dns_name")]

    def __str__(self) -> str:
        return f"{self.name} TXT {self.value}"


class UserSsoSettings(models.Model):
    """The account's user-based SSO (SAML 2.0) settings; one per account, created on first save."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="user_sso")
    enabled = models.BooleanField(default=False)
    # The IdP metadata XML as uploaded (decoded from Base64).
    metadata_document = models.TextField(blank=True)
    idp_entity_id = models.CharField(max_length=1024, blank=True)
    # SingleSignOnService Location (HTTP-Redirect or HTTP-POST binding).
    idp_sso_url = models.CharField(max_length=2048, blank=True)
    # PEM strings of the IdP's signing certificates.
    idp_certificates = models.JSONField(default=list)
    auxiliary_domain = models.CharField(max_length=253, blank=True)
    login_with_domain = models.BooleanField(default=True)
    authn_sign_algo = models.CharField(
        max_length=16, choices=[("rsa-sha1", "rsa-sha1"), ("rsa-sha256", "rsa-sha256")], default="rsa-sha1"
    )
    # The account's SP key (ramconsole.kernel.crypto), made on first use.
    sp_private_key_encrypted = models.TextField(blank=True)
    # PEM, self-signed, published in the SP metadata.
    sp_certificate = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"user SSO of {self.account_id}"


class SamlAssertionSeen(models.Model):
    """A SAML assertion ID already used for logon: the replay guard, across workers (the constraint decides)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    assertion_id = models.CharField(max_length=256)
    not_on_or_after = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "assertion_id"], name="saml_assertion_once")]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.assertion_id}"
