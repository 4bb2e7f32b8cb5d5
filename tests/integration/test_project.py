"""Project-wide promises: secure headers, production checks, the shell, operator commands."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from accounts import demo
from accounts.models import Account, PolicyAttachment, Principal
from security.models import Event, PasswordPolicy

ROOT = Path(__file__).resolve().parents[2]


def test_security_headers_on_every_page(root_client: Client) -> None:
    response = root_client.get(reverse("accounts:overview"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert Client().get(reverse("accounts:logon"))["Content-Security-Policy"] == csp


def test_argon2id_is_the_production_hasher() -> None:
    from ramconsole import settings as production_settings

    assert production_settings.PASSWORD_HASHERS[0] == "ramconsole.kernel.hashers.BoundedArgon2PasswordHasher"


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ramconsole.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 40 + "production-like-secret-key-with-enough-entropy-0123456789",
        "DJANGO_ALLOWED_HOSTS": "ram.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the test process sets it for Playwright; production never does
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key() -> None:
    env = {**os.environ, "DJANGO_DEBUG": "0", "DJANGO_SETTINGS_MODULE": "ramconsole.settings"}
    env.pop("DJANGO_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_static_assets_are_vendored_not_cdn(root_client: Client) -> None:
    page = root_client.get(reverse("accounts:user-list")).content.decode()
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in page
    # Every script, stylesheet, image and font comes from this server (no scheme, no other host).
    assert re.findall(r'(?:src|href)="(?:[a-z]+:)?//', page) == []
    for asset in (
        "vendor/bootstrap/css/bootstrap.min.css",
        "vendor/bootstrap/js/bootstrap.bundle.min.js",
        "vendor/bootstrap-icons/icons.css",
        "css/console.css",
        "js/console.js",
    ):
        assert (Path(settings.BASE_DIR) / "static" / asset).is_file()


def test_shell_navigation_and_profile_menu(root_client: Client) -> None:
    page = root_client.get(reverse("accounts:overview")).content.decode()
    for label in ("Overview", "Identities", "Users", "Settings", "Events", "Security Settings", "Log out"):
        assert label in page


def test_seed_demo_is_idempotent_and_prints_logins(db, capsys) -> None:
    call_command("seed_demo", "--json")
    first = json.loads(capsys.readouterr().out)
    call_command("seed_demo", "--json")
    second = json.loads(capsys.readouterr().out)
    assert [k["logon_name"] for k in first["mfa_keys"]] == ["frank@ramconsole-demo.onaliyun.com"]
    # The demo's MFA key is one of its published logins (a reset re-binds it), so it is printed each time.
    assert first == second
    assert Account.objects.count() == 1
    assert Principal.objects.filter(kind="ram_user").count() == len(demo.DEMO_USERS)
    logon_names = [login["logon_name"] for login in first["logins"]]
    assert logon_names[0] == demo.DEMO_ACCOUNT_EMAIL
    assert "alice@ramconsole-demo.onaliyun.com" in logon_names
    assert PolicyAttachment.objects.filter(policy_name="AliyunRAMFullAccess").count() == 1
    expected = {
        "erin@ramconsole-demo.onaliyun.com": None,  # locked out by the seeded wrong passwords
        "dave@ramconsole-demo.onaliyun.com": reverse("accounts:logon-password"),  # expired: must change
        "frank@ramconsole-demo.onaliyun.com": reverse("accounts:logon-mfa"),
        "grace@ramconsole-demo.onaliyun.com": reverse("accounts:logon-mfa-enrol"),
    }
    for login in first["logins"]:
        response = Client().post(
            reverse("accounts:logon"), {"logon_name": login["logon_name"], "password": login["password"]}
        )
        location = expected.get(login["logon_name"], reverse("accounts:overview"))
        assert response.get("Location") == location, login["logon_name"]
    assert Event.objects.filter(action="ConsoleLogon", result="LoginLocked").count() == 1
    assert PasswordPolicy.objects.get(account__account_id=first["account_id"]).max_login_attempts == 5


def test_create_account_and_ram_user_commands(db, capsys) -> None:
    call_command("create_account", "ops@corp.example", "--password", "Corp-2026", "--alias", "corp", "--json")
    made = json.loads(capsys.readouterr().out)
    assert made["default_domain"] == "corp.onaliyun.com" and len(made["account_id"]) == 16
    call_command(
        "create_ram_user",
        "corp",
        "deploy",
        "--password",
        "Deploy-2026",
        "--policy",
        "AliyunRAMReadOnlyAccess",
        "--json",
    )
    user = json.loads(capsys.readouterr().out)
    assert user["logon_name"] == "deploy@corp.onaliyun.com"
    response = Client().post(reverse("accounts:logon"), {"logon_name": user["logon_name"], "password": "Deploy-2026"})
    assert response.status_code == 302


def test_commands_report_refusals_and_write_nothing(db) -> None:
    with pytest.raises(CommandError, match=r"InvalidParameter\.Password\.TooWeak"):
        call_command("create_account", "weak@corp.example", "--password", "abcdef")
    assert not Account.objects.exists()
    call_command("create_account", "ok@corp.example", "--password", "Corp-2026", "--alias", "corp")
    with pytest.raises(CommandError, match=r"InvalidParameter\.UserName\.InvalidChars"):
        call_command("create_ram_user", "corp", "bad name")
    with pytest.raises(CommandError, match="No account"):
        call_command("create_ram_user", "nope", "x")
    assert not Principal.objects.filter(kind="ram_user").exists()
