"""Password policy page, logon profiles, password changes, and a logon that enforces them."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts import selectors
from accounts.actors import Actor
from accounts.models import Account, LoginProfile, PasswordHistory, Principal
from accounts.services import login_profiles as login_profile_services
from accounts.services import passwords as password_services
from security import services as security_services
from security.errors import NoPermission, RamError
from security.models import Event, PasswordPolicy, SecurityPreference
from security.selectors import password_policy_of
from tests.conftest import POLICY_FORM, ROOT_PASSWORD, USER_PASSWORD

LOGON = reverse("accounts:logon")
LOGON_PASSWORD = reverse("accounts:logon-password")
GENERIC = "The logon name or password is incorrect."
START = datetime(2030, 1, 1, 9, tzinfo=UTC)


def _set_policy(account: Account, **values: object) -> PasswordPolicy:
    return security_services.password_policy_update(actor=Actor(selectors.root_of(account)), **values)


def _logon(name: str, password: str, client: Client | None = None):
    client = client or Client()
    return client.post(LOGON, {"logon_name": name, "password": password})


def _last_logon_result() -> str:
    return Event.objects.filter(action="ConsoleLogon").latest("id").result


# --- Edit Password Rule --------------------------------------------------------------------------


def test_edit_password_rule_saves_every_field(root_client: Client, account: Account) -> None:
    form = {
        **POLICY_FORM,
        "minimum_length": 12,
        "required_elements": ["uppercase", "symbols"],
        "minimum_different_characters": 6,
        "allow_user_name_in_password": "false",
        "max_password_age_days": 90,
        "hard_expiry": "true",
        "reuse_prevention": 5,
        "max_login_attempts": 4,
    }
    response = root_client.post(reverse("security:password-policy"), form)
    assert response["Location"] == reverse("security:settings")
    saved = PasswordPolicy.objects.get(account=account)
    assert (saved.minimum_length, saved.require_uppercase, saved.require_symbols, saved.require_lowercase) == (
        12,
        True,
        True,
        False,
    )
    assert (saved.minimum_different_characters, saved.allow_user_name_in_password, saved.hard_expiry) == (
        6,
        False,
        True,
    )
    assert (saved.max_password_age_days, saved.reuse_prevention, saved.max_login_attempts) == (90, 5, 4)
    assert Event.objects.get(action="SetPasswordPolicy", result="Success").detail["minimum_length"] == 12
    page = root_client.get(reverse("security:settings")).content.decode()
    assert "Deny Logon" in page and "Do Not Allow" in page


@pytest.mark.parametrize(
    ("field", "value", "range_text"),
    [
        ("minimum_length", 7, "8 to 32"),
        ("minimum_length", 33, "8 to 32"),
        ("minimum_different_characters", 9, "0 to 8"),
        ("max_password_age_days", 1096, "0 to 1095"),
        ("reuse_prevention", 25, "0 to 24"),
        ("max_login_attempts", 33, "0 to 32"),
        ("max_login_attempts", -1, "0 to 32"),
    ],
)
def test_out_of_range_is_a_form_error_naming_the_range(
    root_client: Client, account: Account, field: str, value: int, range_text: str
) -> None:
    response = root_client.post(reverse("security:password-policy"), {**POLICY_FORM, field: value})
    form = response.context["form"]
    assert form.errors[field] == [f"Enter a whole number from {range_text}."]
    assert not PasswordPolicy.objects.filter(account=account).exists()


def test_preview_counts_passwords_a_new_validity_would_expire(root: Principal, client_for, ram_user_factory):
    with time_machine.travel(START, tick=False):
        ram_user_factory(root.account, "old1")
        ram_user_factory(root.account, "old2")
    with time_machine.travel(START + timedelta(days=40), tick=False):
        ram_user_factory(root.account, "fresh")
        response = client_for(root).post(
            reverse("security:password-policy"), {**POLICY_FORM, "max_password_age_days": 30, "preview": "1"}
        )
    assert response.context["impact"] == 2
    assert not PasswordPolicy.objects.filter(account=root.account).exists()


def test_read_only_user_cannot_edit_the_rule(readonly_user: Principal, client_for) -> None:
    client = client_for(readonly_user)
    assert client.get(reverse("security:settings")).status_code == 200
    assert client.post(reverse("security:password-policy"), POLICY_FORM).status_code == 403


# --- Logon profiles ------------------------------------------------------------------------------


def test_enable_console_logon_with_generated_password_shown_once(root_client: Client, account, ram_user_factory):
    _set_policy(account, minimum_length=20, require_symbols=True)
    user = ram_user_factory(account, "gen", password=None)
    response = root_client.post(
        reverse("accounts:login-profile-create", args=[user.user_id]),
        {"console_password_enabled": "true", "password_mode": "generate", "password_reset_required": "on"},
    )
    generated = response.context["generated_password"]
    assert len(generated) >= 20 and html.escape(generated) in response.content.decode()
    assert generated not in str(list(Event.objects.values()))
    profile = LoginProfile.objects.get(principal=user)
    assert profile.password_reset_required
    detail = root_client.get(reverse("accounts:user-detail", args=[user.user_id])).content.decode()
    assert html.escape(generated) not in detail
    # The user logs on with it and must change it first (Password Reset).
    assert _logon("gen@acme.onaliyun.com", generated)["Location"] == LOGON_PASSWORD


def test_custom_password_is_checked_against_the_policy(root_client: Client, account, ram_user_factory) -> None:
    _set_policy(account, minimum_length=10)
    user = ram_user_factory(account, "cus", password=None)
    url = reverse("accounts:login-profile-create", args=[user.user_id])
    response = root_client.post(
        url, {"console_password_enabled": "true", "password_mode": "custom", "password": "Short-1"}
    )
    assert response.context["form"].has_error("password", code="InvalidParameter.Password.TooWeak")
    assert not LoginProfile.objects.filter(principal=user).exists()
    response = root_client.post(url, {"console_password_enabled": "true", "password_mode": "custom", "password": ""})
    assert response.context["form"].has_error("password", code="required")
    response = root_client.post(
        url, {"console_password_enabled": "true", "password_mode": "custom", "password": "Long-enough-7"}
    )
    assert response.status_code == 302
    assert _logon("cus@acme.onaliyun.com", "Long-enough-7").status_code == 302


def test_modify_logon_settings_disables_console_logon(root_client: Client, account, ram_user_factory) -> None:
    user = ram_user_factory(account, "dis")
    url = reverse("accounts:login-profile-update", args=[user.user_id])
    assert root_client.post(url, {"console_password_enabled": "false", "password_mode": "keep"}).status_code == 302
    assert _logon("dis@acme.onaliyun.com", USER_PASSWORD).context["form"].non_field_errors() == [GENERIC]
    assert _last_logon_result() == "ConsoleLogonDisabled"
    user.refresh_from_db()
    assert user.check_password(USER_PASSWORD)  # Disabled keeps the password
    root_client.post(url, {"console_password_enabled": "true", "password_mode": "keep"})
    assert _logon("dis@acme.onaliyun.com", USER_PASSWORD).status_code == 302


def test_remove_logon_settings(root_client: Client, account, ram_user_factory) -> None:
    user = ram_user_factory(account, "rem")
    url = reverse("accounts:login-profile-delete", args=[user.user_id])
    assert "cannot be undone" in root_client.get(url).content.decode()
    assert root_client.post(url)["Location"] == reverse("accounts:user-detail", args=[user.user_id])
    assert not LoginProfile.objects.filter(principal=user).exists()
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert _logon("rem@acme.onaliyun.com", USER_PASSWORD).context["form"].non_field_errors() == [GENERIC]


def test_history_keeps_only_hashes_and_at_most_24(account, ram_user_factory) -> None:
    _set_policy(account, reuse_prevention=24)
    user = ram_user_factory(account, "hist")
    actor = Actor(selectors.root_of(account))
    for i in range(30):
        login_profile_services.login_profile_update(actor=actor, user=user, password=f"Rotation-{i:02d}-x")
    hashes = list(PasswordHistory.objects.filter(principal=user).values_list("password", flat=True))
    assert len(hashes) == 24
    assert all(h.startswith("md5$") for h in hashes)  # the test hasher; never the password itself
    with pytest.raises(RamError) as refused:
        login_profile_services.login_profile_update(actor=actor, user=user, password="Rotation-10-x")
    assert refused.value.code == "InvalidParameter.Password.ReusePrevention"
    login_profile_services.login_profile_update(
        actor=actor, user=user, password="Rotation-05-x"
    )  # 25 ago: allowed again


# --- Logon enforcement ---------------------------------------------------------------------------


def test_lockout_after_n_failures_for_one_hour(account, ram_user_factory) -> None:
    _set_policy(account, max_login_attempts=3)
    ram_user_factory(account, "lock")
    name = "lock@acme.onaliyun.com"
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(2):
            _logon(name, "wrong-password")
        assert _logon(name, USER_PASSWORD).status_code == 302  # a success resets the counter
        for _ in range(3):
            _logon(name, "wrong-password")
        response = _logon(name, USER_PASSWORD)
        assert response.context["form"].non_field_errors() == [GENERIC]
        assert _last_logon_result() == "LoginLocked"
        traveller.shift(timedelta(minutes=59))
        assert _logon(name, USER_PASSWORD).status_code == 200
        traveller.shift(timedelta(minutes=1))
        assert _logon(name, USER_PASSWORD).status_code == 302
    results = list(Event.objects.filter(action="ConsoleLogon").values_list("result", flat=True).order_by("id"))
    assert results == [
        "WrongPassword",
        "WrongPassword",
        "Success",
        "WrongPassword",
        "WrongPassword",
        "WrongPassword",
        "LoginLocked",
        "LoginLocked",
        "Success",
    ]


def test_unlock_and_password_reset_clear_the_lock(root_client: Client, account, ram_user_factory) -> None:
    _set_policy(account, max_login_attempts=1)
    user = ram_user_factory(account, "unl")
    _logon("unl@acme.onaliyun.com", "wrong-password")
    detail = root_client.get(reverse("accounts:user-detail", args=[user.user_id])).content.decode()
    assert "Locked until" in detail
    root_client.post(reverse("accounts:login-profile-unlock", args=[user.user_id]))
    assert _logon("unl@acme.onaliyun.com", USER_PASSWORD).status_code == 302
    _logon("unl@acme.onaliyun.com", "wrong-password")
    login_profile_services.login_profile_update(
        actor=Actor(selectors.root_of(account)), user=user, password="Brand-new-pass-1"
    )
    assert _logon("unl@acme.onaliyun.com", "Brand-new-pass-1").status_code == 302


def test_expired_password_with_deny_logon_is_refused(account, ram_user_factory) -> None:
    _set_policy(account, max_password_age_days=30, hard_expiry=True)
    with time_machine.travel(START, tick=False):
        ram_user_factory(account, "deny")
    with time_machine.travel(START + timedelta(days=30), tick=False):
        assert _logon("deny@acme.onaliyun.com", USER_PASSWORD).context["form"].non_field_errors() == [GENERIC]
    assert _last_logon_result() == "PasswordExpired"


def test_expired_password_with_allow_logon_forces_a_change(account, ram_user_factory) -> None:
    _set_policy(account, max_password_age_days=30, reuse_prevention=1)
    with time_machine.travel(START, tick=False):
        ram_user_factory(account, "allow")
    client = Client()
    with time_machine.travel(START + timedelta(days=31), tick=False):
        response = _logon("allow@acme.onaliyun.com", USER_PASSWORD, client)
        assert response["Location"] == LOGON_PASSWORD
        # Pending: still anonymous, nothing else reachable.
        assert client.get(reverse("security:self-service")).status_code == 302
        same = client.post(LOGON_PASSWORD, {"new_password": USER_PASSWORD, "confirm_password": USER_PASSWORD})
        assert same.context["form"].has_error("new_password", code="InvalidParameter.NewPassword.ReusePrevention")
        mismatch = client.post(LOGON_PASSWORD, {"new_password": "Fresh-pass-31", "confirm_password": "other"})
        assert mismatch.context["form"].has_error("confirm_password", code="mismatch")
        done = client.post(LOGON_PASSWORD, {"new_password": "Fresh-pass-31", "confirm_password": "Fresh-pass-31"})
        assert done["Location"] == reverse("accounts:overview")
        assert client.get(reverse("security:self-service")).status_code == 200
        assert _logon("allow@acme.onaliyun.com", "Fresh-pass-31").status_code == 302
        assert _logon("allow@acme.onaliyun.com", "Fresh-pass-31")["Location"] == reverse("accounts:overview")


def test_password_reset_flag_forces_a_change_then_clears(account, ram_user_factory) -> None:
    user = ram_user_factory(account, "reset")
    login_profile_services.login_profile_update(
        actor=Actor(selectors.root_of(account)), user=user, password_reset_required=True
    )
    client = Client()
    assert _logon("reset@acme.onaliyun.com", USER_PASSWORD, client)["Location"] == LOGON_PASSWORD
    client.post(LOGON_PASSWORD, {"new_password": "After-reset-9", "confirm_password": "After-reset-9"})
    assert not LoginProfile.objects.get(principal=user).password_reset_required
    assert _logon("reset@acme.onaliyun.com", "After-reset-9")["Location"] == reverse("accounts:overview")


def test_pending_logon_page_needs_a_pending_logon(db) -> None:
    assert Client().get(LOGON_PASSWORD)["Location"] == LOGON


def test_pending_logon_lapses(account, ram_user_factory) -> None:
    user = ram_user_factory(account, "lapse")
    login_profile_services.login_profile_update(
        actor=Actor(selectors.root_of(account)), user=user, password_reset_required=True
    )
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        _logon("lapse@acme.onaliyun.com", USER_PASSWORD, client)
        traveller.shift(timedelta(minutes=11))
        assert client.get(LOGON_PASSWORD)["Location"] == LOGON


# --- Password changes ----------------------------------------------------------------------------


def test_self_service_change(plain_user: Principal, client_for) -> None:
    client = client_for(plain_user)
    url = reverse("security:self-password")
    wrong = client.post(
        url, {"old_password": "nope", "new_password": "New-pass-123", "confirm_password": "New-pass-123"}
    )
    assert wrong.context["form"].has_error("old_password", code="InvalidParameter.OldPassword.Incorrect")
    ok = client.post(
        url, {"old_password": USER_PASSWORD, "new_password": "New-pass-123", "confirm_password": "New-pass-123"}
    )
    assert ok["Location"] == reverse("security:self-service")
    assert client.get(reverse("security:self-service")).status_code == 200  # session survives the change
    assert _logon("carol@acme.onaliyun.com", "New-pass-123").status_code == 302


def test_self_service_change_needs_manage_passwords(plain_user: Principal, client_for) -> None:
    SecurityPreference.objects.create(account=plain_user.account, allow_user_to_change_password=False)
    client = client_for(plain_user)
    assert client.get(reverse("security:self-password")).status_code == 403
    assert "Change Password" not in client.get(reverse("security:self-service")).content.decode()
    with pytest.raises(NoPermission):
        password_services.password_change(
            actor=Actor(plain_user), old_password=USER_PASSWORD, new_password="New-pass-123"
        )


def test_root_cannot_use_change_password(root: Principal) -> None:
    with pytest.raises(RamError) as refused:
        password_services.password_change(actor=Actor(root), old_password=ROOT_PASSWORD, new_password="New-pass-123")
    assert refused.value.code == "NotSupport.Account"


def test_root_password_change_needs_fresh_identity_verification(root: Principal, client_for) -> None:
    change = reverse("security:root-password-change")
    verify = reverse("security:root-password-verify")
    assert client_for(root).get(change)["Location"] == verify
    wrong = client_for(root).post(verify, {"method": "password", "password": "wrong"})
    assert wrong.context["form"].has_error("password", code="InvalidParameter.Password.Incorrect")
    with time_machine.travel(START, tick=False) as traveller:
        root_client = client_for(root)
        assert root_client.post(verify, {"method": "password", "password": ROOT_PASSWORD})["Location"] == change
        weak = root_client.post(change, {"new_password": "abcdef", "confirm_password": "abcdef"})
        assert weak.context["form"].has_error("new_password", code="InvalidParameter.Password.TooWeak")
        traveller.shift(timedelta(minutes=6))
        assert root_client.get(change)["Location"] == reverse("security:root-password-verify")
        root_client.post(verify, {"method": "password", "password": ROOT_PASSWORD})
        done = root_client.post(change, {"new_password": "abc123", "confirm_password": "abc123"})
        assert done["Location"] == reverse("security:root-security-settings")
    assert _logon(root.email, "abc123").status_code == 302
    actions = set(Event.objects.values_list("action", flat=True))
    assert {"VerifyIdentity", "ChangeAccountPassword"} <= actions


def test_events_never_hold_passwords_or_hashes(account, ram_user_factory, root_client: Client) -> None:
    user = ram_user_factory(account, "sec")
    _logon("sec@acme.onaliyun.com", "Typo-password-1")
    everything = str(list(Event.objects.values()))
    user.refresh_from_db()
    for secret in (USER_PASSWORD, "Typo-password-1", user.password, ROOT_PASSWORD):
        assert secret not in everything


def test_policy_row_defaults_when_never_set(account) -> None:
    assert password_policy_of(account).pk is None
    assert password_policy_of(account).minimum_length == 8


@pytest.mark.django_db(transaction=True)  # no test transaction around it: the services' own are watched
def test_password_services_hash_nothing_inside_their_transaction(
    account, ram_user_factory, hashes_in_transactions
) -> None:
    """On SQLite a transaction holds the one write lock: a password change checking 24 old hashes
    inside it would hold every other writer back for seconds."""
    _set_policy(account, reuse_prevention=24)
    user = ram_user_factory(account, "quick")
    root = Actor(selectors.root_of(account))
    for i in range(3):
        login_profile_services.login_profile_update(actor=root, user=user, password=f"Rotation-{i:02d}-x")
    with pytest.raises(RamError) as reused:
        login_profile_services.login_profile_update(actor=root, user=user, password="Rotation-01-x")
    assert reused.value.code == "InvalidParameter.Password.ReusePrevention"
    password_services.password_change(actor=Actor(user), old_password="Rotation-02-x", new_password="Rotation-03-x")
    with pytest.raises(RamError) as wrong:
        password_services.password_change(actor=Actor(user), old_password="Rotation-02-x", new_password="Rotation-04-x")
    assert wrong.value.code == "InvalidParameter.OldPassword.Incorrect"
    password_services.logon_password_change(principal=user, new_password="Rotation-05-x", source_ip=None)
    assert hashes_in_transactions == []
    user.refresh_from_db()
    assert user.check_password("Rotation-05-x")
    assert PasswordHistory.objects.filter(principal=user).count() == 6


@pytest.mark.parametrize("refusal", ["wrong old password", "not allowed"])
def test_a_refused_password_change_costs_one_hash_at_most(
    account, ram_user_factory, monkeypatch: pytest.MonkeyPatch, refusal: str
) -> None:
    """Hashing ahead of the transaction must not make a refused request cost the whole history."""
    from django.contrib.auth import hashers as django_hashers

    _set_policy(account, reuse_prevention=24)
    user = ram_user_factory(account, "kim")
    root = Actor(selectors.root_of(account))
    for i in range(5):
        login_profile_services.login_profile_update(actor=root, user=user, password=f"Rotation-{i:02d}-x")
    hashes = []
    for operation in ("make_password", "check_password"):  # what ramconsole.kernel.hashers calls to hash
        original = getattr(django_hashers, operation)
        monkeypatch.setattr(django_hashers, operation, lambda *a, _o=original: hashes.append(1) or _o(*a))
    if refusal == "not allowed":
        reader = ram_user_factory(account, "reader", policy="AliyunRAMReadOnlyAccess")
        hashes.clear()
        with pytest.raises(NoPermission):
            login_profile_services.login_profile_update(actor=Actor(reader), user=user, password="Brand-new-2030-x")
        assert hashes == []
    else:
        with pytest.raises(RamError) as refused:
            password_services.password_change(actor=Actor(user), old_password="wrong", new_password="Brand-new-2030-x")
        assert refused.value.code == "InvalidParameter.OldPassword.Incorrect"
        assert len(hashes) == 1
