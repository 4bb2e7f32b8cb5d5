"""Many sandboxes (issue #10): create them with their logins, keep them apart, reset one to its seed."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accesskeys import services as access_key_services
from accounts import sandbox, selectors
from accounts.actors import Actor
from accounts.models import Account, LoginProfile, OutboxMessage, Principal, Sandbox
from accounts.services import accounts as account_services
from accounts.services import login_profiles as login_profile_services
from accounts.services import logon as logon_services
from accounts.services import passwords as password_services
from accounts.services import users as user_services
from accounts.services import verification as verification_services
from mfa import selectors as mfa_selectors
from mfa.models import VirtualMFADevice
from ramconsole.kernel import clock
from reports import services as report_services
from reports.models import CredentialReport
from security import services as security_services
from security.errors import LogonRefused, NoPermission
from security.models import Event, PasswordPolicy, SandboxDnsRecord, SecurityPreference
from security.selectors import password_policy_of, security_preference_of

pytestmark = pytest.mark.django_db


def _days(then: datetime | None, now: datetime) -> int | None:
    return None if then is None else round((now - then) / timedelta(days=1))


def _fields(instance: Any, *, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    skip = {"id", "account", "updated_at", *leave_out}
    return {f.name: getattr(instance, f.name) for f in instance._meta.concrete_fields if f.name not in skip}


def seed_state(account_id: str) -> dict[str, Any]:
    """Everything a trainee could change in a sandbox, as ages and values rather than IDs."""
    account = Account.objects.get(account_id=account_id)
    now = clock.now(account)
    users = []
    for user in Principal.objects.filter(account=account, kind=Principal.Kind.RAM_USER).order_by("name"):
        profile = getattr(user, "login_profile", None)
        users.append(
            (
                user.name,
                user.display_name,
                user.comments,
                user.email,
                _days(user.created_at, now),
                None
                if profile is None
                else (
                    profile.console_password_enabled,
                    profile.password_reset_required,
                    profile.mfa_required,
                    _days(profile.password_changed_at, now),
                    profile.failed_logon_count,
                    profile.locked_until is not None,
                ),
                sorted(user.policy_attachments.values_list("policy_name", flat=True)),
                sorted(
                    (key.status, _days(key.created_at, now), _days(key.last_used_at, now))
                    for key in user.access_keys.all()
                ),
                VirtualMFADevice.objects.filter(principal=user).exists(),
            )
        )
    root = selectors.root_of(account)
    return {
        "account": (account.alias, account.clock_offset, account.login_mask),
        "root": (root.email, root.access_keys.count(), VirtualMFADevice.objects.filter(principal=root).exists()),
        "users": users,
        "password_policy": _fields(password_policy_of(account)),
        "security_preference": _fields(security_preference_of(account)),
        "domain_alias": hasattr(account, "domain_alias"),
        "unbound_mfa_devices": VirtualMFADevice.objects.filter(account=account, principal__isnull=True).count(),
        "dns_records": SandboxDnsRecord.objects.filter(account=account).count(),
        "credential_reports": CredentialReport.objects.filter(account=account).count(),
        "events": sorted(
            Event.objects.filter(account=account).exclude(action="ResetSandbox").values_list("action", "result")
        ),
        "outbox": sorted(OutboxMessage.objects.filter(account=account).values_list("subject", flat=True)),
    }


@pytest.fixture
def trainee() -> Sandbox:
    return sandbox.sandbox_create(
        name="trainee-01", email="trainee-01@sandbox.example", alias="trainee-01", logins=sandbox.SeedLogins.generated()
    )


def _login(found: Sandbox, role_prefix: str) -> sandbox.SandboxLogin:
    return next(login for login in sandbox.logins_of(found) if login.role.startswith(role_prefix))


def test_create_sandboxes_writes_working_logins_as_csv() -> None:
    out = io.StringIO()
    call_command("create_sandboxes", "--count", "2", "--prefix", "class", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert {row["sandbox"] for row in rows} == {"class-01", "class-02"}
    assert len({row["account_id"] for row in rows}) == 2
    by_sandbox = {name: [row for row in rows if row["sandbox"] == name] for name in ("class-01", "class-02")}
    for name, logins in by_sandbox.items():
        assert logins[0]["logon_name"] == f"{name}@sandbox.ramconsole.example"
        assert {row["logon_name"] for row in logins} >= {f"alice@{name}.onaliyun.com", f"frank@{name}.onaliyun.com"}
        assert next(row["mfa_key"] for row in logins if row["logon_name"].startswith("frank@"))
        for row in logins:
            if row["logon_name"].startswith(("dave@", "erin@")):
                continue  # seeded expired and locked: their logons are refused on purpose
            outcome = logon_services.console_logon(
                logon_name=row["logon_name"], password=row["password"], source_ip=None
            )
            assert outcome.principal.account.account_id == row["account_id"]
    # No two logins share a password: one trainee's CSV line opens nobody else's sandbox.
    assert len({row["password"] for row in rows}) == len(rows)


def test_create_sandboxes_continues_the_numbering_and_checks_the_count() -> None:
    call_command("create_sandboxes", "--count", "1", "--prefix", "lab", stdout=io.StringIO())
    call_command("create_sandboxes", "--count", "1", "--prefix", "lab", stdout=io.StringIO())
    assert list(Sandbox.objects.values_list("name", flat=True)) == ["lab-01", "lab-02"]
    for bad in ("0", "501"):
        with pytest.raises(CommandError, match="between 1 and 500"):
            call_command("create_sandboxes", "--count", bad, stdout=io.StringIO())
    with pytest.raises(CommandError, match="Bad_Prefix-01: Use only lowercase letters"):
        call_command("create_sandboxes", "--count", "1", "--prefix", "Bad_Prefix", stdout=io.StringIO())
    assert Sandbox.objects.count() == 2


def test_create_sandboxes_writes_the_csv_to_a_file(tmp_path: Any) -> None:
    target = tmp_path / "logins.csv"
    call_command("create_sandboxes", "--count", "1", "--prefix", "file", "--output", str(target), stderr=io.StringIO())
    raw = target.read_bytes()
    assert raw.startswith("\ufeffsandbox,".encode()) and raw.count(b"\n") == raw.count(b"\r\n")  # for a spreadsheet
    rows = list(csv.DictReader(target.open(encoding="utf-8-sig", newline="")))
    assert rows[0]["sandbox"] == "file-01"
    assert [row["logon_name"] for row in rows] == [
        login.logon_name for login in sandbox.logins_of(Sandbox.objects.get())
    ]


def test_two_sandboxes_never_see_each_other() -> None:
    first = sandbox.sandbox_create(
        name="a-01", email="a@sandbox.example", alias="a-01", logins=sandbox.SeedLogins.generated()
    )
    second = sandbox.sandbox_create(
        name="b-01", email="b@sandbox.example", alias="b-01", logins=sandbox.SeedLogins.generated()
    )
    first_alice = _login(first, "Console administrator")
    second_alice = _login(second, "Console administrator")
    # Same user names, different accounts: a password of one opens nothing in the other.
    with pytest.raises(LogonRefused):
        logon_services.console_logon(logon_name=second_alice.logon_name, password=first_alice.password, source_ip=None)
    alice = logon_services.console_logon(
        logon_name=first_alice.logon_name, password=first_alice.password, source_ip=None
    ).principal
    client = Client()
    client.force_login(alice, backend="accounts.backends.LogonNameBackend")
    users_page = client.get(reverse("accounts:user-list")).content.decode()
    assert "a-01.onaliyun.com" in users_page and "b-01" not in users_page
    other_bob = Principal.objects.get(account__account_id=second.account_id, name="bob")
    assert client.get(reverse("accounts:user-detail", args=[other_bob.user_id])).status_code == 404
    # Resetting one leaves the other exactly as it was.
    before = seed_state(second.account_id)
    sandbox.sandbox_reset(sandbox=first, operator="test")
    assert seed_state(second.account_id) == before


def test_reset_restores_exactly_the_seed(trainee: Sandbox) -> None:
    seeded = seed_state(trainee.account_id)
    account = Account.objects.get(account_id=trainee.account_id)
    root = selectors.root_of(account)
    actor = Actor(principal=root)
    root_login = _login(trainee, "Alibaba Cloud account")
    # A trainee's afternoon: every kind of change the console offers.
    verified_at = verification_services.root_identity_verify(actor=actor, password=root_login.password)
    password_services.root_password_change(actor=actor, new_password="Changed-root-2026", verified_at=verified_at)
    bob = selectors.ram_user_get_by_name(account=account, name="bob")
    user_services.ram_user_delete(actor=actor, user=bob, force=True)
    user_services.ram_user_create(actor=actor, name="mallory", display_name="Mallory")
    carol = selectors.ram_user_get_by_name(account=account, name="carol")
    access_key_services.access_key_create(actor=actor, user=carol)
    login_profile_services.login_profile_unlock(
        actor=actor, user=selectors.ram_user_get_by_name(account=account, name="erin")
    )
    security_services.password_policy_update(actor=actor, minimum_length=14, require_symbols=True)
    security_services.security_preference_update(actor=actor, login_network_masks="10.0.0.0/8")
    security_services.account_login_mask_update(actor=actor, login_mask="192.0.2.0/24")
    security_services.domain_alias_create(actor=actor, domain="trainee.example")
    security_services.sandbox_dns_record_create(actor=actor, name="trainee.example", value="x")
    report_services.credential_report_generate(actor=actor)
    account_services.account_clock_move(actor=actor, step="30d")
    assert seed_state(trainee.account_id) != seeded

    rebuilt = sandbox.sandbox_reset(sandbox=trainee, operator="test")

    assert rebuilt.account_id == trainee.account_id
    assert seed_state(trainee.account_id) == seeded
    # The seed's logins work again, the changed root password does not.
    logon_services.console_logon(logon_name=root_login.logon_name, password=root_login.password, source_ip=None)
    with pytest.raises(LogonRefused):
        logon_services.console_logon(logon_name=root_login.logon_name, password="Changed-root-2026", source_ip=None)
    # The seed keeps its MFA key: the trainee's authenticator still works for frank.
    frank = _login(trainee, "MFA bound")
    assert VirtualMFADevice.objects.get(principal__account=rebuilt, principal__name="frank").seed_encrypted
    device = mfa_selectors.device_of(Principal.objects.get(account=rebuilt, name="frank"))
    assert mfa_selectors.seed_of(device) == frank.mfa_key
    reset_event = Event.objects.get(account=rebuilt, action="ResetSandbox")
    assert (reset_event.actor_name, reset_event.target) == ("test", "trainee-01")
    # Nothing of the old account is left behind.
    assert Account.objects.filter(account_id=trainee.account_id).count() == 1
    assert PasswordPolicy.objects.filter(account__account_id=trainee.account_id).count() == 1
    assert SecurityPreference.objects.filter(account__isnull=True).count() == 0


def test_reset_sandbox_command(trainee: Sandbox) -> None:
    out = io.StringIO()
    call_command("reset_sandbox", trainee.alias, stdout=out)
    assert "back to its seed state" in out.getvalue()
    assert Event.objects.filter(account__account_id=trainee.account_id, action="ResetSandbox").count() == 1
    with pytest.raises(CommandError, match="No sandbox"):
        call_command("reset_sandbox", "nobody")


def test_only_the_root_of_the_sandbox_may_reset_it(trainee: Sandbox, account: Account) -> None:
    alice = Principal.objects.get(account__account_id=trainee.account_id, name="alice")
    with pytest.raises(NoPermission):
        sandbox.sandbox_reset(sandbox=trainee, actor=Actor(principal=alice))
    with pytest.raises(NoPermission):  # another account's root
        sandbox.sandbox_reset(sandbox=trainee, actor=Actor(principal=selectors.root_of(account)))
    assert not Event.objects.filter(action="ResetSandbox").exists()


def test_the_root_resets_from_the_console_and_everyone_signs_in_again(trainee: Sandbox, settings: Any) -> None:
    settings.RAMCONSOLE_DEMO_MODE = True
    account = Account.objects.get(account_id=trainee.account_id)
    root_client, alice_client = Client(), Client()
    root_client.force_login(selectors.root_of(account), backend="accounts.backends.LogonNameBackend")
    alice_client.force_login(
        Principal.objects.get(account=account, name="alice"), backend="accounts.backends.LogonNameBackend"
    )
    assert b"Reset sandbox" in root_client.get(reverse("accounts:sandbox-clock")).content
    assert b"Reset sandbox" not in alice_client.get(reverse("accounts:sandbox-clock")).content
    assert alice_client.post(reverse("accounts:sandbox-reset")).status_code == 403
    user_services.ram_user_create(actor=Actor(principal=selectors.root_of(account)), name="extra", display_name="Extra")

    response = root_client.post(reverse("accounts:sandbox-reset"))

    assert response.status_code == 302 and response.url == reverse("accounts:logon")
    assert not Principal.objects.filter(account__account_id=trainee.account_id, name="extra").exists()
    for client in (root_client, alice_client):  # both sessions belonged to the old account
        assert client.get(reverse("accounts:overview")).status_code == 302


def test_reset_page_says_so_when_the_account_is_no_sandbox(root_client: Client, settings: Any) -> None:
    settings.RAMCONSOLE_DEMO_MODE = True
    page = root_client.get(reverse("accounts:sandbox-reset"))
    assert b"not a sandbox" in page.content
    assert root_client.post(reverse("accounts:sandbox-reset")).status_code == 200
    assert not Event.objects.filter(action="ResetSandbox").exists()


def test_sandbox_pages_do_not_exist_outside_demo_mode(root_client: Client, settings: Any) -> None:
    settings.RAMCONSOLE_DEMO_MODE = False
    for name in ("accounts:sandbox-clock", "accounts:sandbox-reset", "accounts:outbox", "reports:training"):
        assert root_client.get(reverse(name)).status_code == 404, name


def test_seed_demo_creates_the_demo_sandbox_once() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    demo_sandbox = Sandbox.objects.get(name=sandbox.DEMO_SANDBOX_NAME)
    assert Account.objects.filter(account_id=demo_sandbox.account_id).count() == 1
    assert _login(demo_sandbox, "Alibaba Cloud account").password == "Demo-root-2026"


def test_operators_list_and_reset_sandboxes_in_the_admin(trainee: Sandbox) -> None:
    operator = Principal.objects.create_superuser("operator", "Operator-pass-2026")
    client = Client()
    client.force_login(operator, backend="accounts.backends.LogonNameBackend")
    listing = client.get(reverse("admin:accounts_sandbox_changelist")).content.decode()
    assert "trainee-01" in listing and trainee.account_id in listing
    assert trainee.seed_encrypted not in listing
    account = Account.objects.get(account_id=trainee.account_id)
    account_services.account_clock_move(actor=Actor(selectors.root_of(account)), step="30d")

    response = client.post(
        reverse("admin:accounts_sandbox_changelist"),
        {"action": "reset_to_seed", "_selected_action": [trainee.pk]},
    )

    assert response.status_code == 302
    assert Account.objects.get(account_id=trainee.account_id).clock_offset == timedelta(0)
    assert Event.objects.get(action="ResetSandbox").actor_name == "operator"


@pytest.mark.django_db(transaction=True)  # no test transaction around it: the services' own are watched
def test_create_and_reset_hash_no_password_inside_their_transaction(hashes_in_transactions: list[str]) -> None:
    """A reset holds SQLite's one write lock only for its writes: 15 trainees resetting at once on
    make run ran out the busy timeout while each reset hashed a dozen passwords inside it."""
    (created,) = sandbox.sandboxes_create(prefix="hash", count=1)
    sandbox.sandbox_reset(sandbox=created, operator="instructor")
    assert hashes_in_transactions == []
    account = Account.objects.get(account_id=created.account_id)
    hashes = list(Principal.objects.filter(account=account).values_list("password", flat=True))
    assert len(set(hashes)) == len(hashes)  # every identity its own salt, though hashed ahead
    # The seed's locked user is still locked: by the real pipeline, after the commit.
    assert LoginProfile.objects.filter(principal__account=account, locked_until__isnull=False).count() == 1
