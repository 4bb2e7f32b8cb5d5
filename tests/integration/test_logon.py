"""Console logon: one page for roots and RAM users, one generic refusal, every attempt recorded."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse

from accounts.models import Principal
from security.models import Event
from tests.conftest import ROOT_PASSWORD, USER_PASSWORD

LOGON = reverse("accounts:logon")
GENERIC = "The logon name or password is incorrect."


def _logon(client: Client, name: str, password: str, **extra: str):
    return client.post(LOGON, {"logon_name": name, "password": password}, **extra)


def test_root_logs_on_with_email_and_session_rotates(root: Principal) -> None:
    client = Client()
    before = SessionStore()
    before["planted"] = True
    before.save()
    client.cookies["sessionid"] = before.session_key
    response = _logon(client, root.email.upper(), ROOT_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:overview")
    assert client.cookies["sessionid"].value != before.session_key
    assert not SessionStore().exists(before.session_key)
    assert client.get(reverse("accounts:overview")).status_code == 200
    event = Event.objects.get(action="ConsoleLogon")
    assert event.succeeded and event.actor == root and event.source_ip == "127.0.0.1"
    root.refresh_from_db()
    assert root.last_login is not None


def test_ram_user_logs_on_with_upn(admin_user: Principal) -> None:
    client = Client()
    response = _logon(client, "ALICE@acme.onaliyun.com", USER_PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("accounts:user-list")).status_code == 200


@pytest.mark.parametrize(
    ("logon_name", "password", "reason"),
    [
        ("alice@acme.onaliyun.com", "wrong-password", "WrongPassword"),
        ("nobody@acme.onaliyun.com", USER_PASSWORD, "InvalidLogonName"),
        ("alice@other.onaliyun.com", USER_PASSWORD, "InvalidLogonName"),
        ("alice", USER_PASSWORD, "InvalidLogonName"),
        ("ghost@example.com", ROOT_PASSWORD, "InvalidLogonName"),
    ],
)
def test_refusals_share_one_generic_message(admin_user: Principal, logon_name: str, password: str, reason: str) -> None:
    response = _logon(Client(), logon_name, password)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [GENERIC]
    assert "_auth_user_id" not in response.client.session
    event = Event.objects.filter(action="ConsoleLogon").latest("id")
    assert event.result == reason
    assert set(event.detail) <= {"failed_logon_count", "locked"}
    assert password not in str(Event.objects.values())


def test_user_without_logon_profile_cannot_log_on(account, ram_user_factory) -> None:
    ram_user_factory(account, "robot", password=None)
    response = _logon(Client(), "robot@acme.onaliyun.com", "")
    assert response.status_code == 200  # empty password is a form error, not an attempt
    response = _logon(Client(), "robot@acme.onaliyun.com", "anything-at-all")
    assert response.context["form"].non_field_errors() == [GENERIC]
    assert Event.objects.filter(action="ConsoleLogon").latest("id").result == "ConsoleLogonDisabled"


def test_next_parameter_cannot_redirect_off_site(root: Principal) -> None:
    response = Client().post(
        f"{LOGON}?next=https://evil.example/", {"logon_name": root.email, "password": ROOT_PASSWORD}
    )
    assert response["Location"] == reverse("accounts:overview")
    response = Client().post(f"{LOGON}?next=/users/", {"logon_name": root.email, "password": ROOT_PASSWORD})
    assert response["Location"] == "/users/"


def test_logout_needs_post_and_ends_session(root_client: Client) -> None:
    assert root_client.get(reverse("accounts:logout")).status_code == 405
    response = root_client.post(reverse("accounts:logout"))
    assert response["Location"] == LOGON
    assert root_client.get(reverse("accounts:overview")).status_code == 302
    assert Event.objects.filter(action="ConsoleLogout").count() == 1


def test_logon_form_has_csrf_protection(root: Principal) -> None:
    client = Client(enforce_csrf_checks=True)
    assert _logon(client, root.email, ROOT_PASSWORD).status_code == 403
    page = client.get(LOGON)
    token = page.context["csrf_token"]
    response = client.post(LOGON, {"logon_name": root.email, "password": ROOT_PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_operator_cannot_use_console_logon(db) -> None:
    Principal.objects.create_superuser("ops", "Ops-password-1")
    response = _logon(Client(), "ops", "Ops-password-1")
    assert response.context["form"].non_field_errors() == [GENERIC]


def test_demo_logins_shown_only_in_demo_mode(db, settings) -> None:
    settings.RAMCONSOLE_DEMO_MODE = False
    assert b"Demo logins" not in Client().get(LOGON).content
    settings.RAMCONSOLE_DEMO_MODE = True
    page = Client().get(LOGON).content.decode()
    assert "Demo logins" in page and "demo@ramconsole.example" in page and "Sandbox environment" in page
