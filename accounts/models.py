"""Tenants (Alibaba Cloud accounts) and every identity that can sign in."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ramconsole.kernel import hashers

DEFAULT_DOMAIN_SUFFIX = "onaliyun.com"


class Account(models.Model):
    """The tenant: an Alibaba Cloud account ("root")."""

    account_id = models.CharField(max_length=16, unique=True)
    alias = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Sandbox clock: this account's time runs this far ahead of real time.
    clock_offset = models.DurationField(default=timedelta)
    # Login Mask of the root account (PRODUCT.md §5.2): `;`-separated CIDR blocks, empty = any address.
    login_mask = models.CharField(max_length=512, blank=True)
    # Root logon protection (security.policy.passwords): consecutive wrong root passwords, the last
    # one's time (account time), and the lock they caused.
    root_failed_logon_count = models.PositiveSmallIntegerField(default=0)
    root_last_failed_logon_at = models.DateTimeField(null=True, blank=True)
    root_locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["account_id"]

    def __str__(self) -> str:
        return self.account_id

    @property
    def default_domain(self) -> str:
        return f"{self.alias}.{DEFAULT_DOMAIN_SUFFIX}"

    @property
    def logon_domain(self) -> str:
        """The domain of the UPNs shown: the verified domain alias, else the default domain."""
        try:
            alias = self.domain_alias
        except models.ObjectDoesNotExist:
            return self.default_domain
        return alias.domain if alias.verified_at else self.default_domain


class PrincipalManager(BaseUserManager["Principal"]):
    def create_superuser(self, username: str, password: str | None = None, **extra: object) -> Principal:
        """Operators run the installation through Django admin; they belong to no account."""
        operator = self.model(
            username=username, kind=Principal.Kind.OPERATOR, is_staff=True, is_superuser=True, **extra
        )
        operator.set_password(password)
        operator.save(using=self._db)
        return operator


class Principal(AbstractBaseUser, PermissionsMixin):
    """Anything that signs in: an account's root identity, a RAM user, or an installation operator."""

    class Kind(models.TextChoices):
        ROOT = "root", _("Alibaba Cloud account")
        RAM_USER = "ram_user", _("RAM user")
        OPERATOR = "operator", _("Operator")

    # Internal unique key (root: "root/<account id>", RAM user: "<account id>/<user id>").
    username = models.CharField(max_length=150, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.CASCADE, related_name="principals")
    user_id = models.CharField(max_length=16, unique=True, null=True, blank=True)
    name = models.CharField(max_length=64, blank=True)
    display_name = models.CharField(max_length=128, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    mobile_phone = models.CharField(max_length=32, blank=True)
    comments = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    is_staff = models.BooleanField(default=False)
    # The console language this identity last chose (a code of settings.LANGUAGES; empty = never chose):
    # the logon applies it on any browser, and the console's mail to this identity is written in it.
    language = models.CharField(max_length=16, blank=True)

    objects = PrincipalManager()

    USERNAME_FIELD = "username"

    class Meta:
        constraints = [
            # RAM user names are unique per account regardless of case, like RAM's.
            models.UniqueConstraint(
                "account", Lower("name"), condition=models.Q(kind="ram_user"), name="ram_user_name_unique"
            ),
            models.UniqueConstraint("account", condition=models.Q(kind="root"), name="one_root_per_account"),
            # Root logon names (emails) are unique across the installation.
            models.UniqueConstraint(Lower("email"), condition=models.Q(kind="root"), name="root_email_unique"),
            models.CheckConstraint(
                condition=models.Q(kind="operator", account__isnull=True)
                | (~models.Q(kind="operator") & models.Q(account__isnull=False)),
                name="principal_account_matches_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "kind", "name"], name="principal_account_kind_name"),
            # The Users page: an account's RAM users, newest first, one page at a time.
            models.Index(fields=["account", "kind", "-created_at", "-id"], name="principal_account_kind_recent"),
        ]

    def __str__(self) -> str:
        return self.logon_name

    # Through ramconsole.kernel.hashers, so a hash worked out before a transaction (hashed_ahead) is used.
    def set_password(self, raw_password: str | None) -> None:
        self.password = hashers.make_password(raw_password)
        self._password = raw_password

    def check_password(self, raw_password: str) -> bool:
        return hashers.check_password(raw_password, self.password)

    @property
    def is_root(self) -> bool:
        return self.kind == self.Kind.ROOT

    @property
    def is_ram_user(self) -> bool:
        return self.kind == self.Kind.RAM_USER

    @property
    def upn(self) -> str:
        return f"{self.name}@{self.account.logon_domain}"

    @property
    def logon_name(self) -> str:
        if self.is_ram_user:
            return self.upn
        if self.is_root:
            return self.email
        return self.username

    @property
    def arn(self) -> str:
        return f"acs:ram::{self.account.account_id}:user/{self.name}"


class SystemPolicy(models.TextChoices):
    """The system policies that decide console administration (PRODUCT.md §1)."""

    FULL_ACCESS = "AliyunRAMFullAccess", _("Provides full access to Resource Access Management (RAM).")
    READ_ONLY = "AliyunRAMReadOnlyAccess", _("Provides read-only access to Resource Access Management (RAM).")


class PolicyAttachment(models.Model):
    """A system policy attached to a RAM user."""

    principal = models.ForeignKey(Principal, on_delete=models.CASCADE, related_name="policy_attachments")
    policy_name = models.CharField(max_length=64, choices=SystemPolicy.choices)
    attached_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["principal", "policy_name"], name="policy_attached_once"),
        ]

    def __str__(self) -> str:
        return f"{self.policy_name} → {self.principal_id}"


class UserTag(models.Model):
    """A tag of a RAM user (IMS CreateUser / TagResources): one value per key."""

    principal = models.ForeignKey(Principal, on_delete=models.CASCADE, related_name="tags")
    key = models.CharField(max_length=128)
    value = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["principal", "key"]
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="user_tag_key_once")]
        # ListUsers' Tag filter looks users up by key and value.
        indexes = [models.Index(fields=["key", "value"], name="user_tag_key_value")]

    def __str__(self) -> str:
        return f"{self.key}={self.value} on {self.principal_id}"


class LoginProfile(models.Model):
    """Whether and how a RAM user may log on to the console with a password (PRODUCT.md §4).

    The password hash itself is the principal's; without a profile the password is unusable.
    """

    principal = models.OneToOneField(Principal, on_delete=models.CASCADE, related_name="login_profile")
    console_password_enabled = models.BooleanField(default=True)
    password_reset_required = models.BooleanField(default=False)
    mfa_required = models.BooleanField(default=False)
    password_changed_at = models.DateTimeField(default=timezone.now)
    # Password Retry Constraint Policy: consecutive wrong passwords, and the lock they caused.
    failed_logon_count = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # When "your password expires in N days" was sent (account time); cleared by a new password.
    expiry_notice_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"login profile of {self.principal_id}"


class PasswordHistory(models.Model):
    """Hashes (never passwords) of the passwords a RAM user has had, for Password History Check Policy."""

    principal = models.ForeignKey(Principal, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["principal", "-created_at"], name="password_history_recent")]

    def __str__(self) -> str:
        return f"password of {self.principal_id} set {self.created_at:%Y-%m-%d}"


class TrainingClass(models.Model):
    """A named group of sandboxes one instructor (an operator) teaches together (issue 23)."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    instructors = models.ManyToManyField(
        Principal, blank=True, related_name="taught_classes", limit_choices_to={"kind": "operator"}
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("class")
        verbose_name_plural = _("classes")

    def __str__(self) -> str:
        return self.name


class Sandbox(models.Model):
    """A training or demo account that can be reset to its seed state (PRODUCT.md §12).

    Keyed by the account's ID rather than a foreign key: a reset rebuilds the account under the
    same ID, and this row (with the seed's logins, encrypted) is what it is rebuilt from.
    """

    name = models.CharField(max_length=64, unique=True)
    account_id = models.CharField(max_length=16, unique=True)
    alias = models.CharField(max_length=32)
    root_email = models.EmailField(max_length=254)
    # The seed's passwords and MFA keys, Fernet-encrypted JSON, so a reset hands back the same logins.
    seed_encrypted = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    reset_at = models.DateTimeField(null=True, blank=True)
    training_class = models.ForeignKey(
        TrainingClass, null=True, blank=True, on_delete=models.SET_NULL, related_name="sandboxes"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OutboxMessage(models.Model):
    """Mail the console sent (verification codes, notices), kept for the account's Outbox page."""

    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.CASCADE, related_name="outbox")
    recipients = models.CharField(max_length=1024)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    sent_at = models.DateTimeField(default=timezone.now)  # real time, when the message was sent
    account_time = models.DateTimeField(default=timezone.now)  # the account's time of what it reports

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["account", "-sent_at"], name="outbox_account_recent")]

    def __str__(self) -> str:
        return self.subject


class VerificationCode(models.Model):
    """A one-time code sent by email (to the Outbox in the sandbox) to verify an identity.
    Only a keyed hash of the code is kept."""

    principal = models.ForeignKey(Principal, on_delete=models.CASCADE, related_name="verification_codes")
    purpose = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    sent_at = models.DateTimeField()  # account time
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["principal", "purpose", "-sent_at"], name="verification_code_latest")]

    def __str__(self) -> str:
        return f"{self.purpose} code of {self.principal_id}"


class SandboxIdentityProvider(models.Model):
    """The sandbox's own SAML 2.0 identity provider (demo mode, accounts.sandbox_idp): one per
    account, made on first use. Its key pair is generated once and kept: a key derived from
    SECRET_KEY would need home-made RSA key generation, and an uploaded certificate must stay valid."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="sandbox_idp")
    # In the IdP's URLs: only who was shown the account's Sandbox page can reach its sign-in page,
    # so no trainee signs in to another's sandbox through it.
    token = models.CharField(max_length=64, unique=True)
    private_key_encrypted = models.TextField()  # PEM (PKCS#8), ramconsole.kernel.crypto
    certificate = models.TextField()  # PEM, self-signed, in the IdP metadata
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"sandbox IdP of {self.account_id}"
