"""Every console form, submitted with several bad fields, shows every error at once, each next to
its field (inside the form) and in plain language; the API keeps RAM's exact code and message for
the same values (the first refusal, as RAM answers)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accesskeys import services as key_services
from accounts import selectors
from accounts.actors import Actor
from accounts.models import Account, Principal
from accounts.services import login_profiles as login_profile_services
from security import services as security_services
from security.errors import InvalidParameter
from tests.conftest import POLICY_FORM, PREFERENCE_FORM, ROOT_PASSWORD, USER_PASSWORD, at, bind_device

START = datetime(2030, 5, 1, 10, 0, 5, tzinfo=UTC)  # 5 s into a TOTP step
# RAM's API wording, which a console form never shows.
API_WORDING = re.compile(r'The parameter - "|MUST be|CAN NOT|inccorrect|beyond the length|does already EXIST')
FIELD_ERROR = re.compile(r'id="error_\d+_id_(\w+)"[^>]*>\s*<strong>(.*?)</strong>', re.S)
NON_FIELD_ERROR = re.compile(r'class="alert alert-block alert-danger".*?<ul[^>]*>(.*?)</ul>', re.S)


def shown_errors(page: str, form_id: str) -> dict[str, list[str]]:
    """The errors rendered beside each field of the form `form_id`, read from inside that <form>."""
    start = page.index(f'id="{form_id}"')
    form = page[start : page.index("</form>", start)]
    errors: dict[str, list[str]] = {}
    for field, message in FIELD_ERROR.findall(form):
        errors.setdefault(field, []).append(html.unescape(message).strip())
    return errors


def expect_errors(response, form_id: str, expected: dict[str, list[str]]) -> None:
    assert response.status_code == 200
    page = response.content.decode()
    assert shown_errors(page, form_id) == expected
    assert not API_WORDING.search(page)


def test_edit_password_rule_shows_every_range_at_once(root_client: Client, root: Principal) -> None:
    bad = {
        "minimum_length": 7,
        "minimum_different_characters": 9,
        "max_password_age_days": 1096,
        "reuse_prevention": 25,
        "max_login_attempts": 33,
    }
    response = root_client.post(reverse("security:password-policy"), {**POLICY_FORM, **bad, "save": "OK"})
    expect_errors(
        response,
        "password-policy-form",
        {
            "minimum_length": ["Enter a whole number from 8 to 32."],
            "minimum_different_characters": ["Enter a whole number from 0 to 8."],
            "max_password_age_days": ["Enter a whole number from 0 to 1095."],
            "reuse_prevention": ["Enter a whole number from 0 to 24."],
            "max_login_attempts": ["Enter a whole number from 0 to 32."],
        },
    )
    # The same values through the service the API calls: RAM's first refusal, word for word.
    with pytest.raises(InvalidParameter) as refused:
        security_services.password_policy_update(actor=Actor(root), **bad)
    assert refused.value.code == "InvalidParameter.MinimumPasswordLength.Range"
    assert refused.value.message == 'The parameter - "MinimumPasswordLength" MUST be in the range of 8 and 32.'
    assert [r.code for r in refused.value.refusals][1:] == [
        "InvalidParameter.MinimumPasswordDifferentCharacter.Range",
        "InvalidParameter.MaxPasswordAge.Range",
        "InvalidParameter.PasswordReusePrevention.Range",
        "InvalidParameter.MaxLoginAttemps.Range",
    ]


def test_security_preference_shows_the_duration_and_every_bad_mask(root_client: Client) -> None:
    form = {**PREFERENCE_FORM, "login_session_duration_hours": 25, "login_network_masks": "10.0.0.1/8;nonsense"}
    response = root_client.post(reverse("security:security-preference"), form)
    expect_errors(
        response,
        "security-preference-form",
        {
            "login_session_duration_hours": ["Enter a whole number from 1 to 24."],
            "login_network_masks": [
                '"10.0.0.1/8" has host bits set; did you mean 10.0.0.0/8?',
                '"nonsense" is not an IPv4 or IPv6 address or CIDR block.',
            ],
        },
    )


def test_login_mask_names_every_bad_mask(root_client: Client) -> None:
    response = root_client.post(reverse("security:root-login-mask"), {"login_mask": "1.2.3.4/33;192.168.1.1/16"})
    errors = shown_errors(response.content.decode(), "login-mask-form")
    assert list(errors) == ["login_mask"] and len(errors["login_mask"]) == 2


def test_create_user_shows_every_field_at_once(root_client: Client, account: Account) -> None:
    form = {
        "name": "bad name",
        "display_name": "tab\there",
        "email": "not-an-email",
        "mobile_phone": "18600008888",
        "comments": "x" * 129,
    }
    response = root_client.post(reverse("accounts:user-create"), form)
    expect_errors(
        response,
        "user-create-form",
        {
            "name": ["Use only letters, digits, periods (.), underscores (_) and hyphens (-)."],
            "display_name": ["Use printable characters only (no tabs or line breaks)."],
            "email": ["Enter an email address such as name@example.com."],
            "mobile_phone": ["Enter the country code, a hyphen and the number, such as 86-18600008888."],
            "comments": ["Enter at most 128 characters."],
        },
    )
    assert selectors.ram_user_count(account=account) == 0


def test_create_user_reports_a_taken_name_with_the_other_fields(
    root_client: Client, account: Account, ram_user_factory
) -> None:
    ram_user_factory(account, "taken", password=None)
    form = {"name": "TAKEN", "display_name": "x" * 129, "email": "", "mobile_phone": "", "comments": ""}
    response = root_client.post(reverse("accounts:user-create"), form)
    expect_errors(
        response,
        "user-create-form",
        {
            "name": ["A RAM user with this logon name already exists."],
            "display_name": ["Enter 1 to 128 characters."],
        },
    )


def test_update_user_shows_every_field_at_once(root_client: Client, account: Account, ram_user_factory) -> None:
    user = ram_user_factory(account, "erin", password=None)
    form = {"display_name": "x" * 129, "email": "erin@", "mobile_phone": "86-1", "comments": "y" * 200}
    response = root_client.post(reverse("accounts:user-update", args=[user.user_id]), form)
    expect_errors(
        response,
        "user-update-form",
        {
            "display_name": ["Enter 1 to 128 characters."],
            "email": ["Enter an email address such as name@example.com."],
            "mobile_phone": ["Enter the country code, a hyphen and the number, such as 86-18600008888."],
            "comments": ["Enter at most 128 characters."],
        },
    )


def test_login_profile_lists_every_rule_the_password_breaks(
    root_client: Client, account: Account, root: Principal, ram_user_factory
) -> None:
    security_services.password_policy_update(
        actor=Actor(root),
        minimum_length=12,
        require_uppercase=True,
        require_numbers=True,
        minimum_different_characters=0,
    )
    user = ram_user_factory(account, "frank", password=None)
    form = {"console_password_enabled": "true", "password_mode": "custom", "password": "short"}
    response = root_client.post(reverse("accounts:login-profile-create", args=[user.user_id]), form)
    errors = shown_errors(response.content.decode(), "login-profile-form")
    assert list(errors) == ["password"] and len(errors["password"]) >= 2  # length and elements
    assert any("12" in message for message in errors["password"])
    assert not API_WORDING.search(response.content.decode())


def test_self_service_password_shows_a_wrong_old_and_a_weak_new_password_at_once(
    account: Account, ram_user_factory, client_for
) -> None:
    user = ram_user_factory(account, "gail")
    form = {"old_password": "not-my-password", "new_password": "abc", "confirm_password": "abc"}
    response = client_for(user).post(reverse("security:self-password"), form)
    errors = shown_errors(response.content.decode(), "self-password-form")
    assert errors["old_password"] == ["The old password is incorrect."]
    assert errors["new_password"]
    assert user.check_password(USER_PASSWORD)


def test_mfa_enable_shows_both_code_errors(account: Account, ram_user_factory, root_client: Client) -> None:
    user = ram_user_factory(account, "hugo")
    url = reverse("mfa:user-enable", args=[user.user_id])
    root_client.post(url, {"start": "1"})
    response = root_client.post(url, {"code1": "12345", "code2": "abcdef"})
    expect_errors(
        response,
        "mfa-bind-form",
        {"code1": ["Enter the 6 digits your MFA app shows."], "code2": ["Enter the 6 digits your MFA app shows."]},
    )


def test_a_wrong_code_at_logon_is_said_plainly(account: Account, ram_user_factory) -> None:
    user = ram_user_factory(account, "ivy")
    with time_machine.travel(START, tick=False):
        seed = bind_device(user, START)
    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        client = Client()
        client.post(reverse("accounts:logon"), {"logon_name": user.upn, "password": USER_PASSWORD})
        current = at(seed, START + timedelta(minutes=5))
        response = client.post(reverse("accounts:logon-mfa"), {"code": "000000" if current != "000000" else "111111"})
    expect_errors(
        response,
        "logon-mfa-form",
        {"code": ["The code is incorrect or was already used. Enter the code your MFA app shows now."]},
    )


def test_delete_user_lists_what_it_still_has_and_asks_plainly(
    root_client: Client, account: Account, ram_user_factory
) -> None:
    user = ram_user_factory(account, "jack", policy="AliyunRAMReadOnlyAccess")
    response = root_client.post(reverse("accounts:user-delete", args=[user.user_id]), {})
    page = response.content.decode()
    assert "<li>Console logon settings</li>" in page and "<li>Permissions (attached policies)</li>" in page
    expect_errors(
        response, "user-delete-form", {"confirm": ["Tick this box to delete the user together with what it still has."]}
    )


def test_default_domain_names_what_is_wrong(root_client: Client) -> None:
    response = root_client.post(reverse("security:default-domain"), {"alias": "ab"})
    expect_errors(response, "account-alias-form", {"alias": ["Enter 3 to 32 characters."]})
    response = root_client.post(reverse("security:default-domain"), {"alias": "-a_b--"})
    errors = shown_errors(response.content.decode(), "account-alias-form")
    assert len(errors["alias"]) == 3  # characters, leading/trailing hyphen, doubled hyphen


def test_domain_alias_names_what_is_wrong(root_client: Client) -> None:
    response = root_client.post(reverse("security:domain-alias-create"), {"domain": "not a domain"})
    expect_errors(
        response,
        "domain-alias-form",
        {"domain": ['"not a domain" is not a valid domain name (for example example.com).']},
    )


def test_forced_change_at_logon_says_the_password_expired(account: Account, root: Principal, ram_user_factory) -> None:
    with time_machine.travel(START, tick=False):
        user = ram_user_factory(account, "kim")
        security_services.password_policy_update(actor=Actor(root), max_password_age_days=30, hard_expiry=False)
    with time_machine.travel(START + timedelta(days=30), tick=False):
        client = Client()
        client.post(reverse("accounts:logon"), {"logon_name": user.upn, "password": USER_PASSWORD})
        page = client.get(reverse("accounts:logon-password")).content.decode()
        assert "Your password expired on" in page and "valid for 30 days" in page
        response = client.post(reverse("accounts:logon-password"), {"new_password": "a", "confirm_password": "a"})
    errors = shown_errors(response.content.decode(), "logon-password-form")
    assert len(errors["new_password"]) >= 2  # every rule the new password breaks, at once


def test_forced_change_after_a_reset_says_so(account: Account, root: Principal, ram_user_factory) -> None:
    user = ram_user_factory(account, "lee")
    login_profile_services.login_profile_update(actor=Actor(root), user=user, password_reset_required=True)
    client = Client()
    client.post(reverse("accounts:logon"), {"logon_name": user.upn, "password": USER_PASSWORD})
    page = client.get(reverse("accounts:logon-password")).content.decode()
    assert "An administrator requires you to set a new password" in page and "expired" not in page


def test_logon_refusals_stay_generic(account: Account, ram_user_factory) -> None:
    user = ram_user_factory(account, "max")
    refused = Client().post(reverse("accounts:logon"), {"logon_name": user.upn, "password": "wrong"}).content.decode()
    unknown = Client().post(reverse("accounts:logon"), {"logon_name": "nobody@x.onaliyun.com", "password": "x"})
    assert "The logon name or password is incorrect." in refused
    assert unknown.content.decode().count("The logon name or password is incorrect.") == refused.count(
        "The logon name or password is incorrect."
    )


def test_a_shape_error_does_not_hide_the_other_fields_rules(root_client: Client, account: Account) -> None:
    """A value that is not a number (or a required field left empty) stops the service, yet the
    policy still judges every field that passed, so nothing waits for a second submit."""
    form = {**POLICY_FORM, "minimum_length": "twelve", "reuse_prevention": 25, "max_login_attempts": 33}
    response = root_client.post(reverse("security:password-policy"), form)
    expect_errors(
        response,
        "password-policy-form",
        {
            "minimum_length": ["Enter a whole number."],
            "reuse_prevention": ["Enter a whole number from 0 to 24."],
            "max_login_attempts": ["Enter a whole number from 0 to 32."],
        },
    )
    user = {"name": "", "display_name": "ok", "email": "nope", "mobile_phone": "1", "comments": ""}
    response = root_client.post(reverse("accounts:user-create"), user)
    expect_errors(
        response,
        "user-create-form",
        {
            "name": ["This field is required."],
            "email": ["Enter an email address such as name@example.com."],
            "mobile_phone": ["Enter the country code, a hyphen and the number, such as 86-18600008888."],
        },
    )
    preference = {**PREFERENCE_FORM, "allow_user_to_change_password": "maybe", "login_session_duration_hours": 0}
    errors = shown_errors(
        root_client.post(reverse("security:security-preference"), preference).content.decode(),
        "security-preference-form",
    )
    assert set(errors) == {"allow_user_to_change_password", "login_session_duration_hours"}
    assert selectors.ram_user_count(account=account) == 0


def test_a_taken_default_domain_is_said_plainly(root_client: Client, account_factory) -> None:
    account_factory(alias="taken-alias")
    response = root_client.post(reverse("security:default-domain"), {"alias": "taken-alias"})
    expect_errors(
        response, "account-alias-form", {"alias": ["Another account already uses this default domain. Choose another."]}
    )


def test_accesskey_delete_asks_for_the_confirmation_plainly(
    root_client: Client, root: Principal, account: Account, ram_user_factory
) -> None:
    user = ram_user_factory(account, "nora", password=None)
    key = key_services.access_key_create(actor=Actor(root), user=user).access_key
    url = reverse("accesskeys:user-delete", args=[user.user_id, key.access_key_id])
    response = root_client.post(url, {})
    expect_errors(
        response, "accesskey-delete-form", {"confirm": ["Tick this box to confirm that the key may be deleted."]}
    )


def test_sandbox_dns_record_shows_both_fields(root_client: Client, settings) -> None:
    settings.RAMCONSOLE_SANDBOX_DNS = True
    response = root_client.post(reverse("security:dns-record-create"), {"name": "bad name", "value": ""})
    expect_errors(
        response,
        "dns-record-form",
        {
            "name": ['"bad name" is not a valid domain name (for example example.com).'],
            "value": ["This field is required."],
        },
    )


def test_root_verify_and_password_change_say_plainly_what_is_wrong(root_client: Client) -> None:
    verify = reverse("security:root-password-verify")
    response = root_client.post(verify, {"method": "password", "password": "not-it", "verify": "1"})
    expect_errors(response, "verify-identity-form", {"password": ["The password is incorrect."]})
    root_client.post(verify, {"method": "password", "password": ROOT_PASSWORD, "verify": "1"})
    change = reverse("security:root-password-change")
    response = root_client.post(change, {"new_password": "a", "confirm_password": "a"})
    expect_errors(
        response,
        "root-password-form",
        {
            "new_password": [
                "The password must contain at least 6 characters.",
                "The password must contain at least two of: letters, digits, special characters.",
            ]
        },
    )


def test_turning_off_account_protection_says_plainly_what_is_wrong(root: Principal, client_for) -> None:
    with time_machine.travel(START, tick=False):
        bind_device(root, START)
        response = client_for(root).post(reverse("mfa:account-protection-off"), {"code": "12ab"})
    expect_errors(response, "mfa-code-form", {"code": ["Enter the 6 digits your MFA app shows."]})


def test_a_mismatched_confirmation_does_not_hide_the_new_passwords_rules(
    account: Account, ram_user_factory, client_for, root_client: Client
) -> None:
    """The confirmation stops the change, and the new password's broken rules show beside it."""
    user = ram_user_factory(account, "hank")
    form = {"old_password": USER_PASSWORD, "new_password": "abc", "confirm_password": "abd"}
    errors = shown_errors(
        client_for(user).post(reverse("security:self-password"), form).content.decode(), "self-password-form"
    )
    assert errors["confirm_password"] == ["The passwords do not match."]
    assert len(errors["new_password"]) >= 2  # too short, and the elements the rule requires
    assert "old_password" not in errors

    verified = root_client.post(
        reverse("security:root-password-verify"), {"method": "password", "password": ROOT_PASSWORD}
    )
    assert verified.status_code == 302
    form = {"new_password": "abc", "confirm_password": "abd"}
    response = root_client.post(reverse("security:root-password-change"), form)
    errors = shown_errors(response.content.decode(), "root-password-form")
    assert errors["confirm_password"] == ["The passwords do not match."]
    assert errors["new_password"]
    # A matching pair of good passwords would have changed them; a mismatch changed nothing.
    assert selectors.root_of(account).check_password(ROOT_PASSWORD)
    user.refresh_from_db()
    assert user.check_password(USER_PASSWORD)


def test_a_wrong_old_password_does_not_let_the_history_confirm_a_guess(
    account: Account, ram_user_factory, client_for
) -> None:
    """The history holds the current password: judged beside a wrong old password, "must differ
    from the last 5 passwords" would tell a guesser that the new one is the current password."""
    security_services.password_policy_update(actor=Actor(selectors.root_of(account)), reuse_prevention=5)
    user = ram_user_factory(account, "ivan")
    for guess in (USER_PASSWORD, "Another-guess-2030"):
        form = {"old_password": "not-my-password", "new_password": guess, "confirm_password": guess}
        response = client_for(user).post(reverse("security:self-password"), form)
        assert shown_errors(response.content.decode(), "self-password-form") == {
            "old_password": ["The old password is incorrect."]
        }


def test_the_events_filter_shows_every_bad_field_at_once(root_client: Client) -> None:
    query = {
        "action": "NoSuchAction",
        "result": "maybe",
        "since": "01/02/2030 10:00",  # a locale's ambiguous date: only ISO 8601 is read
        "until": "2030-13-01T10:00",
        "zone": "Mars/Olympus_Mons",
    }
    response = root_client.get(reverse("security:event-list"), query)
    assert response.status_code == 200
    errors = shown_errors(response.content.decode(), "event-filter-form")
    assert set(errors) == set(query)
    assert not API_WORDING.search(response.content.decode())
