"""The logon page's demo panel: the demo logins, and the MFA key of the user seeded with a device
and its current code, in demo mode only."""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts import sandbox

LOGON = reverse("accounts:logon")
CODES = reverse("accounts:demo-mfa-codes")
# 25 seconds into a 30-second TOTP step.
MOMENT = datetime(2030, 1, 1, 9, 0, 25, tzinfo=UTC)


@pytest.fixture
def frank() -> sandbox.SandboxLogin:
    sandbox.demo_sandbox_ensure()
    [login] = [login for login in sandbox.demo_panel_logins() if login.mfa_key]
    assert login.logon_name.startswith("frank@")
    return login


@pytest.mark.django_db
def test_demo_mode_shows_franks_key_and_live_code(settings, frank: sandbox.SandboxLogin) -> None:
    settings.RAMCONSOLE_DEMO_MODE = True
    with time_machine.travel(MOMENT, tick=False):
        page = Client().get(LOGON).content.decode()
        codes = Client().get(CODES).json()["codes"]
    code = pyotp.TOTP(frank.mfa_key).at(MOMENT)
    assert frank.mfa_key in page and f'<code class="fs-6" data-demo-mfa-code>{code}</code>' in page
    assert "<span data-demo-mfa-expires>5</span>" in page  # 5 s left in the step
    assert codes == [{"logon_name": frank.logon_name, "code": code, "expires_in": 5}]
    assert f'data-logon-name="{frank.logon_name}" data-password="{frank.password}"' in page
    assert "js/demo-logins.js" in page


@pytest.mark.django_db
def test_a_codes_step_edge_starts_a_new_code(settings, frank: sandbox.SandboxLogin) -> None:
    settings.RAMCONSOLE_DEMO_MODE = True
    with time_machine.travel(datetime(2030, 1, 1, 9, 0, 30, tzinfo=UTC), tick=False):
        [entry] = Client().get(CODES).json()["codes"]
    assert entry["expires_in"] == 30
    assert entry["code"] == pyotp.TOTP(frank.mfa_key).at(datetime(2030, 1, 1, 9, 0, 30, tzinfo=UTC))


@pytest.mark.django_db
def test_outside_demo_mode_neither_key_nor_code_nor_logins(settings, frank: sandbox.SandboxLogin) -> None:
    settings.RAMCONSOLE_DEMO_MODE = False
    page = Client().get(LOGON).content.decode()
    assert frank.mfa_key not in page
    assert "Demo logins" not in page and "data-demo-mfa" not in page and "demo-logins.js" not in page
    assert frank.password not in page
    assert Client().get(CODES).status_code == 404


@pytest.mark.django_db
def test_demo_mode_before_seeding_shows_the_published_logins_without_mfa(settings) -> None:
    settings.RAMCONSOLE_DEMO_MODE = True
    page = Client().get(LOGON).content.decode()
    assert "demo@ramconsole.example" in page and "data-demo-mfa" not in page
    assert Client().get(CODES).json() == {"codes": []}


@pytest.mark.django_db
@pytest.mark.parametrize("demo_mode", [True, False])
def test_the_mfa_step_shows_the_users_own_code_in_demo_mode_only(
    settings, frank: sandbox.SandboxLogin, demo_mode: bool
) -> None:
    settings.RAMCONSOLE_DEMO_MODE = demo_mode
    client = Client()
    with time_machine.travel(MOMENT, tick=False):
        answer = client.post(LOGON, {"logon_name": frank.logon_name, "password": frank.password})
        assert answer.status_code == 302 and answer["Location"] == reverse("accounts:logon-mfa")
        page = client.get(reverse("accounts:logon-mfa")).content.decode()
    code = pyotp.TOTP(frank.mfa_key).at(MOMENT)
    assert (f"data-demo-mfa-code>{code}</code>" in page) is demo_mode
    assert (frank.mfa_key in page) is demo_mode
