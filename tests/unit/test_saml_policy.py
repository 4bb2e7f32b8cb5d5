"""The SAML logon rules of security/policy/saml.py on their own: NameID mapping, the audience's
account, and what a verified assertion must say (time window with its skew, on a given clock)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from security.errors import LogonRefused
from security.models import UserSsoSettings
from security.policy import saml as rules
from security.saml import SignedAssertion

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SP = "https://signin.aliyun.com/1234567890123456/saml/SSO"
ACS = "https://console.example/saml/acs/"
GOOD = SignedAssertion(
    response_signed=True,
    issuer="https://idp.example/",
    status_ok=True,
    assertion_id="_a1",
    name_id="alice@acme.onaliyun.com",
    audiences=(SP,),
    destination=ACS,
    in_response_to="",
    not_before=NOW - timedelta(minutes=1),
    not_on_or_after=NOW + timedelta(minutes=5),
)


def _check(assertion: SignedAssertion, *, now: datetime = NOW, request_ids: tuple[str, ...] = ()) -> None:
    settings = UserSsoSettings(idp_entity_id="https://idp.example/", enabled=True)
    rules.check_assertion(assertion, settings=settings, sp_entity_id=SP, acs_url=ACS, request_ids=request_ids, now=now)


@pytest.mark.parametrize(
    ("name_id", "with_domain", "expected"),
    [
        ("alice@acme.onaliyun.com", True, "alice"),
        ("alice@ACME.ONALIYUN.COM", True, "alice"),
        ("alice@corp.example", True, "alice"),
        ("alice@evil.example", True, None),
        ("alice", True, None),
        ("@acme.onaliyun.com", True, None),
        ("alice", False, "alice"),
        ("alice@acme.onaliyun.com", False, None),
        ("", False, None),
    ],
)
def test_name_id_names_a_user_by_sso_login_with_domain(name_id: str, with_domain: bool, expected: str | None) -> None:
    domains = ("acme.onaliyun.com", "corp.example")
    assert rules.user_name_of_name_id(name_id, login_with_domain=with_domain, domains=domains) == expected


@pytest.mark.parametrize(
    ("audience", "account_id"),
    [
        (SP, "1234567890123456"),
        ("https://signin.aliyun.com/saml/SSO", ""),
        ("https://signin.aliyun.com/abc/saml/SSO", ""),
        ("https://evil.example/1234567890123456/saml/SSO", ""),
        ("", ""),
    ],
)
def test_the_audience_names_an_account(audience: str, account_id: str) -> None:
    assert rules.account_id_of_audience(audience) == account_id


def test_a_good_assertion_passes() -> None:
    _check(GOOD)
    _check(replace(GOOD, in_response_to="_req"), request_ids=("_req",))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"issuer": "https://other-idp.example/"}, "SamlIssuerMismatch"),
        ({"status_ok": False}, "SamlStatusNotSuccess"),
        ({"audiences": ("https://signin.aliyun.com/1/saml/SSO",)}, "SamlAudienceMismatch"),
        ({"audiences": ()}, "SamlAudienceMismatch"),
        ({"destination": "https://elsewhere.example/saml/acs/"}, "SamlDestinationMismatch"),
        ({"destination": ""}, "SamlDestinationMismatch"),
        ({"in_response_to": "_not_ours"}, "SamlInResponseToMismatch"),
        ({"not_on_or_after": None}, "SamlExpired"),
        ({"assertion_id": ""}, "SamlSignatureInvalid"),
    ],
)
def test_each_rule_refuses_with_its_reason(change: dict, reason: str) -> None:
    with pytest.raises(LogonRefused) as refused:
        _check(replace(GOOD, **change))
    assert refused.value.code == reason


@pytest.mark.parametrize(
    ("offset", "refused"),
    [
        (-rules.CLOCK_SKEW - timedelta(minutes=1, seconds=1), True),
        (-rules.CLOCK_SKEW - timedelta(minutes=1), False),
        (timedelta(minutes=5) + rules.CLOCK_SKEW - timedelta(seconds=1), False),
        (timedelta(minutes=5) + rules.CLOCK_SKEW, True),
    ],
)
def test_the_time_window_allows_the_skew_and_no_more(offset: timedelta, refused: bool) -> None:
    if refused:
        with pytest.raises(LogonRefused) as error:
            _check(GOOD, now=NOW + offset)
        assert error.value.code == "SamlExpired"
    else:
        _check(GOOD, now=NOW + offset)
