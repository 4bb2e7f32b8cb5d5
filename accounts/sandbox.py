"""Training sandboxes (PRODUCT.md §12): independent accounts seeded through the real services with
the demo's realistic, imperfect state, and reset to exactly that state.

A sandbox keeps its account ID, alias and logins across resets: the seed's passwords and MFA keys
are stored encrypted on its `Sandbox` row, so the logins handed to a trainee keep working.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import timedelta

import pyotp
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accesskeys import services as access_key_services
from accounts import demo, sandbox_idp, selectors
from accounts.actors import Actor
from accounts.models import DEFAULT_DOMAIN_SUFFIX, Account, Principal, Sandbox, TrainingClass
from accounts.services import accounts as account_services
from accounts.services import login_profiles as login_profile_services
from accounts.services import logon as logon_services
from accounts.services import users as user_services
from mfa import services as mfa_services
from ramconsole.kernel import clock, crypto, hashers
from security import events, policy
from security import services as security_services
from security.errors import EntityAlreadyExists, LogonRefused, NoPermission, RamError

DEMO_SANDBOX_NAME = "demo"
SANDBOX_EMAIL_DOMAIN = "sandbox.ramconsole.example"


@dataclass(frozen=True)
class SeedLogins:
    """The secrets a sandbox is seeded with: the root's password, RAM users' console passwords and
    the MFA keys of the users seeded with a bound device (by RAM user name)."""

    root_password: str
    user_passwords: dict[str, str]
    mfa_keys: dict[str, str]

    def passwords(self) -> list[str]:
        """Every password the seed sets, to be hashed before its transaction (hashers.hashed_ahead)."""
        return [self.root_password, *self.user_passwords.values()]

    @classmethod
    def published(cls) -> SeedLogins:
        """The demo account's: the documented demo passwords (shown on the logon page in demo mode)."""
        return cls(
            root_password=demo.DEMO_ROOT_PASSWORD,
            user_passwords={user.name: user.password for user in demo.DEMO_USERS if user.password},
            mfa_keys={user.name: pyotp.random_base32() for user in demo.DEMO_USERS if user.mfa},
        )

    @classmethod
    def generated(cls) -> SeedLogins:
        """A trainee's: every password drawn at random, so no trainee can sign in to another's sandbox."""
        return cls(
            root_password=_training_password(),
            user_passwords={user.name: _training_password() for user in demo.DEMO_USERS if user.password},
            mfa_keys={user.name: pyotp.random_base32() for user in demo.DEMO_USERS if user.mfa},
        )


def _training_password() -> str:
    # Starts with letters (no spreadsheet formula), holds letters, digits and a symbol: it passes the
    # root rule and the seeded password rule.
    return f"Tr{secrets.token_urlsafe(9)}-{secrets.randbelow(90) + 10}"


@dataclass(frozen=True)
class SandboxLogin:
    role: str
    logon_name: str
    password: str
    mfa_key: str = ""


def logins_of(sandbox: Sandbox) -> list[SandboxLogin]:
    """Who can sign in to the sandbox, with the seed's passwords (for the operator who hands them out)."""
    seed = _seed_logins_of(sandbox)
    domain = f"{sandbox.alias}.{DEFAULT_DOMAIN_SUFFIX}"
    logins = [SandboxLogin("Alibaba Cloud account (root)", sandbox.root_email, seed.root_password)]
    for user in demo.DEMO_USERS:
        if user.name in seed.user_passwords:
            logins.append(
                SandboxLogin(
                    user.comments,
                    f"{user.name}@{domain}",
                    seed.user_passwords[user.name],
                    seed.mfa_keys.get(user.name, ""),
                )
            )
    return logins


def demo_panel_logins() -> list[SandboxLogin]:
    """The logon page's demo panel (demo mode only): the demo sandbox's logins, with the MFA key it
    was seeded with; the published ones while it is not seeded yet."""
    found = Sandbox.objects.filter(name=DEMO_SANDBOX_NAME).first()
    if found is None:
        return [SandboxLogin(login.role, login.logon_name, login.password) for login in demo.DEMO_LOGINS]
    return logins_of(found)


@dataclass(frozen=True)
class DemoMfaCode:
    logon_name: str
    key: str
    code: str
    expires_in: int  # seconds until the authenticator shows the next code


def demo_mfa_codes(logins: list[SandboxLogin]) -> list[DemoMfaCode]:
    """The code an authenticator app holding each seeded MFA key shows now (phone time, never the
    sandbox clock, as the logon checks it)."""
    now = clock.phone_now()
    totp_step = 30
    expires_in = totp_step - int(now.timestamp()) % totp_step
    return [
        DemoMfaCode(login.logon_name, login.mfa_key, pyotp.TOTP(login.mfa_key).at(now), expires_in)
        for login in logins
        if login.mfa_key
    ]


@dataclass(frozen=True)
class DemoPanel:
    """What the logon pages show of the demo sandbox: its logins and their MFA codes now."""

    logins: list[SandboxLogin]
    mfa_codes: list[DemoMfaCode]


def demo_panel(*, logon_name: str | None = None) -> DemoPanel:
    """The logon pages' demo panel: in demo mode only (the pages ask here, not the setting); for a
    `logon_name` (the MFA step of its logon), only that login's code."""
    if not settings.RAMCONSOLE_DEMO_MODE:
        return DemoPanel(logins=[], mfa_codes=[])
    logins = demo_panel_logins()
    if logon_name is None:
        return DemoPanel(logins=logins, mfa_codes=demo_mfa_codes(logins))
    return DemoPanel(logins=[], mfa_codes=demo_mfa_codes([login for login in logins if login.logon_name == logon_name]))


def _seed_logins_of(sandbox: Sandbox) -> SeedLogins:
    return SeedLogins(**json.loads(crypto.decrypt(sandbox.seed_encrypted)))


def sandbox_create(*, name: str, email: str, alias: str, logins: SeedLogins) -> Sandbox:
    """A new account, registered as a sandbox and seeded."""
    with hashers.hashed_ahead(make=logins.passwords()), transaction.atomic():
        sandbox, locked_out = _sandbox_create(name=name, email=email, alias=alias, logins=logins)
    _lock_out(locked_out)
    return sandbox


def _sandbox_create(*, name: str, email: str, alias: str, logins: SeedLogins) -> tuple[Sandbox, list[Principal]]:
    policy.check_account_alias(alias)
    if Sandbox.objects.filter(name=name).exists() or Account.objects.filter(alias=alias).exists():
        raise EntityAlreadyExists(f"The sandbox {name} already exists.", code="EntityAlreadyExists.Sandbox")
    account = account_services.account_create(email=email, password=logins.root_password, alias=alias)
    sandbox = Sandbox.objects.create(
        name=name,
        account_id=account.account_id,
        alias=alias,
        root_email=email,
        seed_encrypted=crypto.encrypt(json.dumps(asdict(logins))),
    )
    return sandbox, _seed(account, logins)


@transaction.atomic
def demo_sandbox_ensure() -> Sandbox:
    """The demo sandbox (published logins), created when missing; an existing one is left as it is.
    A demo account from before sandboxes existed is rebuilt as one."""
    found = Sandbox.objects.filter(name=DEMO_SANDBOX_NAME).first()
    if found is not None:
        return found
    Account.objects.filter(
        principals__kind=Principal.Kind.ROOT, principals__email__iexact=demo.DEMO_ACCOUNT_EMAIL
    ).delete()
    return sandbox_create(
        name=DEMO_SANDBOX_NAME,
        email=demo.DEMO_ACCOUNT_EMAIL,
        alias=demo.DEMO_ACCOUNT_ALIAS,
        logins=SeedLogins.published(),
    )


def training_class_create(*, name: str, count: int, instructors: Iterable[Principal] = ()) -> TrainingClass:
    """A class of `count` trainee sandboxes <name>-NN (as `sandboxes_create`), all or none."""
    policy.check_training_class(name=name, count=count, name_taken=TrainingClass.objects.filter(name=name).exists())
    return sandboxes_create(prefix=name, count=count, class_name=name, instructors=instructors)[0].training_class


def sandboxes_create(
    *, prefix: str, count: int, class_name: str = "", instructors: Iterable[Principal] = ()
) -> list[Sandbox]:
    """`count` trainee sandboxes <prefix>-NN, numbered on from the highest existing one, each with
    generated logins; with a `class_name`, in a new class of that name. All or none: a refusal (a
    bad prefix) creates nothing."""
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)$")
    taken = [int(m.group(1)) for name in Sandbox.objects.values_list("name", flat=True) if (m := pattern.match(name))]
    first = max(taken, default=0) + 1
    planned = {f"{prefix}-{number:02d}": SeedLogins.generated() for number in range(first, first + count)}
    created, locked_out = [], []
    passwords = [password for logins in planned.values() for password in logins.passwords()]
    with hashers.hashed_ahead(make=passwords), transaction.atomic():
        for name, logins in planned.items():
            try:
                sandbox, locked = _sandbox_create(
                    name=name, email=f"{name}@{SANDBOX_EMAIL_DOMAIN}", alias=name, logins=logins
                )
            except RamError as error:  # say which sandbox: the alias is the one refused
                raise type(error)(f"{name}: {error.message}", code=error.code, field=error.field) from error
            created.append(sandbox)
            locked_out += locked
        if class_name:
            training_class = TrainingClass.objects.create(name=class_name)
            training_class.instructors.set(instructors)
            Sandbox.objects.filter(pk__in=[made.pk for made in created]).update(training_class=training_class)
            for made in created:
                made.training_class = training_class
    _lock_out(locked_out)
    return created


def sandbox_reset(*, sandbox: Sandbox, actor: Actor | None = None, operator: str = "") -> Account:
    """Rebuild the sandbox's account from its seed, under the same ID, alias and logins.

    Everything the account holds goes (users, keys, devices, settings, events, outbox, reports,
    the clock offset) and everyone in it is signed out. Called by the account's root from the
    console (`actor`), or by an operator (`operator`, a name for the event).
    """
    if actor is not None and not policy.can_reset_sandbox(actor.principal, sandbox):
        raise NoPermission()
    logins = _seed_logins_of(sandbox)
    with hashers.hashed_ahead(make=logins.passwords()), transaction.atomic():
        account, locked_out = _sandbox_rebuild(sandbox=sandbox, logins=logins, actor=actor, operator=operator)
    _lock_out(locked_out)
    return account


def _sandbox_rebuild(
    *, sandbox: Sandbox, logins: SeedLogins, actor: Actor | None, operator: str
) -> tuple[Account, list[Principal]]:
    sandbox = Sandbox.objects.select_for_update().get(pk=sandbox.pk)
    Account.objects.filter(account_id=sandbox.account_id).delete()
    account = account_services.account_create(
        email=sandbox.root_email, password=logins.root_password, alias=sandbox.alias, account_id=sandbox.account_id
    )
    locked_out = _seed(account, logins)
    sandbox.reset_at = timezone.now()
    sandbox.save(update_fields=["reset_at"])
    events.record(
        action="ResetSandbox",
        account=account,
        actor_name=actor.principal.logon_name if actor else operator,
        source_ip=actor.source_ip if actor else None,
        target=sandbox.name,
        account_time=clock.now(account),
    )
    return account, locked_out


def _seed(account: Account, logins: SeedLogins) -> list[Principal]:
    """The demo's state (accounts.demo), produced by the real services so every state is one the
    rules allow: a weak rule, users with and without MFA, old and unused keys, an expired and a
    locked user. User SSO starts off, with the sandbox's identity provider ready to be trusted.
    Returns the users to lock out, once the seed is committed (`_lock_out`)."""
    locked_out = []
    sandbox_idp.identity_provider_of(account)
    actor = Actor(principal=selectors.root_of(account))
    security_services.password_policy_update(actor=actor, **demo.DEMO_PASSWORD_POLICY)
    now = clock.now(account)
    for spec in demo.DEMO_USERS:
        user = user_services.ram_user_create(
            actor=actor,
            name=spec.name,
            display_name=spec.display_name,
            comments=spec.comments,
            now=now - timedelta(days=demo.DEMO_USER_AGE_DAYS),
        )
        if spec.password:
            login_profile_services.login_profile_create(
                actor=actor,
                user=user,
                password=logins.user_passwords[spec.name],
                mfa_required=spec.mfa_required,
                now=now - timedelta(days=spec.password_age_days),
            )
        if spec.mfa:
            _bind_mfa(actor, user, logins.mfa_keys[spec.name])
        if spec.policy:
            user_services.policy_attach(actor=actor, user=user, policy_name=spec.policy)
        if spec.locked:
            locked_out.append(user)
        for created_days_ago, used_days_ago in spec.access_keys:
            created = access_key_services.access_key_create(
                actor=actor, user=user, now=now - timedelta(days=created_days_ago)
            )
            if used_days_ago is not None:
                # The same service the API calls when a key signs a request.
                access_key_services.access_key_mark_used(
                    access_key=created.access_key, now=now - timedelta(days=used_days_ago)
                )
    return locked_out


def _lock_out(users: list[Principal]) -> None:
    """Wrong passwords through the real logon pipeline until the retry limit locks each user.
    After the seed's transaction, because the pipeline checks each password before it takes a lock."""
    for user in users:
        for _attempt in range(demo.DEMO_PASSWORD_POLICY["max_login_attempts"]):
            with contextlib.suppress(LogonRefused):
                logon_services.console_logon(
                    logon_name=user.upn, password=demo.DEMO_WRONG_PASSWORD, source_ip=demo.DEMO_ATTACKER_IP
                )


def _bind_mfa(actor: Actor, user: Principal, key: str) -> None:
    """Enrol and bind a device with the seed's key, through the real services (two consecutive codes)."""
    enrolment = mfa_services.mfa_enrolment_start(actor=actor, user=user, seed=key)
    totp = pyotp.TOTP(enrolment.seed)
    moment = clock.phone_now()
    mfa_services.mfa_device_bind(
        actor=actor,
        user=user,
        device=enrolment.device,
        code1=totp.at(moment - timedelta(seconds=30)),
        code2=totp.at(moment),
    )
