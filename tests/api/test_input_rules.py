"""What any API parameter may hold (security/policy/inputs.py), at the gateway: every class of
input the fuzzer (test_fuzz.py) found failing, as a regression test. On PostgreSQL a NUL reached
the database and answered 500 in every action naming a user; SQLite stored it."""

from __future__ import annotations

import base64

import pytest

from accounts import selectors
from accounts.models import Account, Principal
from security import policy
from security.models import ApiNonce, Event
from tests.api.actions import params_of, registered_actions
from tests.api.conftest import IMS_VERSION, RAM_VERSION, Key
from tests.api.wire import acs3_call, v1_call

REFUSED_CHARACTERS = {
    "NUL": "a\x00b",
    "control character": "a\x01b",
    "DEL": "a\x7f",
    "C1 control": "a\x85",
    "escape": "\x1b[31m",
    "lone surrogate (invalid UTF-8 on the wire)": "a\ud800",
    "U+FFFD": "a\ufffd",
}


@pytest.fixture(scope="session", autouse=True)
def _close_kept_alive_connections() -> None:
    """Replaces tests/api/conftest.py's: no SDK and no live server here, so each test runs in a
    transaction that is rolled back instead of a database flushed after it (seconds on PostgreSQL)."""


def code_of(response) -> tuple[str, int]:
    return response.json().get("Code", "Success"), response.status_code


def _user_parameter_pairs() -> list[tuple[str, str, str]]:
    user_params = {"UserName", "UserId", "UserAccessKeyId", "UserPrincipalName"}
    return [
        (version, action, name)
        for version, action in registered_actions()
        for name in params_of(version, action)
        if name in user_params
    ]


@pytest.mark.parametrize(("version", "action", "name"), _user_parameter_pairs())
def test_a_nul_in_any_user_parameter_is_refused(
    root_key: Key, account: Account, version: str, action: str, name: str
) -> None:
    response = v1_call(root_key, action, {name: "alice\x00"}, version=version)
    assert code_of(response) == (f"InvalidParameter.{name}.InvalidChars", 400)
    event = Event.objects.filter(account=account).latest("pk")  # the key is known: the owner sees it
    assert (event.action, event.result) == (action, f"InvalidParameter.{name}.InvalidChars")


@pytest.mark.parametrize("value", REFUSED_CHARACTERS.values(), ids=REFUSED_CHARACTERS.keys())
@pytest.mark.parametrize("in_body", [False, True], ids=["query", "form body"])
def test_refused_characters_in_any_parameter(root_key: Key, account: Account, value: str, in_body: bool) -> None:
    response = v1_call(root_key, "CreateUser", {"UserName": "dave", "Comments": value}, in_body=in_body)
    assert code_of(response) == ("InvalidParameter.Comments.InvalidChars", 400)
    assert not selectors.ram_users_after(account=account, after_pk=0, limit=10)


def test_nul_in_comments_is_refused_and_nothing_is_written(root_key: Key, account: Account) -> None:
    response = v1_call(root_key, "CreateUser", {"UserName": "dave", "Comments": "c\x00"})
    assert code_of(response) == ("InvalidParameter.Comments.InvalidChars", 400)
    assert not selectors.ram_users_after(account=account, after_pk=0, limit=10)


def test_tab_and_line_breaks_reach_the_field_rules(root_key: Key, account: Account) -> None:
    """Notes may span lines (a console textarea sends CR LF); the field's own rule decides."""
    response = v1_call(root_key, "CreateUser", {"UserName": "dave", "Comments": "one\r\ntwo\tthree"})
    assert code_of(response) == ("Success", 200)
    assert response.json()["User"]["Comments"] == "one\r\ntwo\tthree"
    response = v1_call(root_key, "CreateUser", {"UserName": "erin", "DisplayName": "Erin\nSmith"})
    assert code_of(response) == ("InvalidParameter.DisplayName.InvalidChars", 400)  # one line, by its rule


def test_undecodable_bytes_are_refused_not_a_signature_mismatch(root_key: Key) -> None:
    """Django decodes them to U+FFFD, which no client can have signed: the answer names the
    parameter instead of blaming the signature."""
    response = v1_call(root_key, "GetUser", {"UserName": "\udcff"}, secret="w" * 30)
    assert code_of(response) == ("InvalidParameter.UserName.InvalidChars", 400)


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (policy.MAX_INPUT_LENGTH, ("Success", 200)),
        (policy.MAX_INPUT_LENGTH + 1, ("InvalidParameter.Extra.Length", 400)),
        (100_000, ("InvalidParameter.Extra.Length", 400)),
    ],
)
def test_a_value_beyond_the_gateway_cap_is_refused(root_key: Key, length: int, expected: tuple) -> None:
    assert code_of(v1_call(root_key, "GetPasswordPolicy", {"Extra": "x" * length})) == expected


def test_a_field_keeps_its_own_length_rule(root_key: Key) -> None:
    response = v1_call(root_key, "CreateUser", {"UserName": "a" * (policy.USER_NAME_MAX_LENGTH + 1)})
    assert code_of(response) == ("InvalidParameter.UserName.Length", 400)


@pytest.mark.parametrize(
    ("count", "expected"),
    [(policy.MAX_API_PARAMETERS, ("Success", 200)), (policy.MAX_API_PARAMETERS + 1, ("InvalidParameter", 400))],
)
def test_the_number_of_parameters_is_capped(root_key: Key, count: int, expected: tuple) -> None:
    signature_params = 9  # Action, Version, Format, AccessKeyId, SignatureMethod/Version/Nonce, Timestamp, Signature
    extra = {f"P{i}": "x" for i in range(count - signature_params)}
    assert code_of(v1_call(root_key, "GetPasswordPolicy", extra)) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("P" * policy.MAX_PARAMETER_NAME_LENGTH, ("Success", 200)),
        ("P" * (policy.MAX_PARAMETER_NAME_LENGTH + 1), ("InvalidParameter", 400)),
        ("Extra\x00", ("InvalidParameter", 400)),  # a bad name is not echoed in the code
        ("\ud800", ("InvalidParameter", 400)),
    ],
)
def test_parameter_names(root_key: Key, name: str, expected: tuple) -> None:
    assert code_of(v1_call(root_key, "GetPasswordPolicy", {name: "x"})) == expected


def test_a_nul_in_the_access_key_id_never_reaches_the_database(root_key: Key) -> None:
    response = v1_call(root_key, "GetPasswordPolicy", gateway={"AccessKeyId": "LTAI\x00"})
    assert code_of(response) == ("InvalidParameter.AccessKeyId.InvalidChars", 400)


def test_an_action_name_with_a_nul_is_not_found_and_recorded_as_unknown(root_key: Key) -> None:
    response = v1_call(root_key, "Get\x00User")
    assert code_of(response) == ("InvalidAction.NotFound", 404)
    assert Event.objects.filter(action="UnknownAction", result="InvalidAction.NotFound").exists()


@pytest.mark.parametrize("kind", ["v1", "acs3"])
def test_signature_nonces_up_to_128_characters(root_key: Key, kind: str) -> None:
    """A longer nonce is refused, not cut: cut, two nonces sharing 128 characters were one."""
    call = (
        (lambda nonce: v1_call(root_key, "GetPasswordPolicy", gateway={"SignatureNonce": nonce}))
        if kind == "v1"
        else (lambda nonce: acs3_call(root_key, "GetPasswordPolicy", nonce=nonce))
    )
    longest = "n" * policy.SIGNATURE_NONCE_MAX_LENGTH
    assert code_of(call(longest)) == ("Success", 200)
    assert code_of(call(longest)) == ("SignatureNonceUsed", 400)
    for suffix in ("a", "b"):  # both start with the nonce just used, and neither is it
        assert code_of(call(longest + suffix)) == ("InvalidParameter.SignatureNonce.Length", 400)
    assert code_of(call("n" * 127 + "m")) == ("Success", 200)
    assert set(ApiNonce.objects.values_list("nonce", flat=True)) == {longest, "n" * 127 + "m"}
    assert code_of(call("n\x00")) == ("InvalidParameter.SignatureNonce.InvalidChars", 400)


def test_acs3_credential_and_parameters(root_key: Key, account: Account) -> None:
    assert code_of(acs3_call(root_key, "GetPasswordPolicy")) == ("Success", 200)
    assert code_of(acs3_call(root_key, "GetPasswordPolicy", credential="LTAI\x00")) == (
        "InvalidParameter.AccessKeyId.InvalidChars",
        400,
    )
    response = acs3_call(root_key, "GetUser", {"UserName": "alice\x00"})
    assert code_of(response) == ("InvalidParameter.UserName.InvalidChars", 400)


def test_credential_report_tokens_are_ascii_digits(
    root_key: Key, account: Account, root: Principal, django_capture_on_commit_callbacks
) -> None:
    """ "²" passed str.isdigit() and failed int(); so did 5,000 digits (Python's int() limit)."""
    with django_capture_on_commit_callbacks(execute=True):
        assert code_of(v1_call(root_key, "GenerateCredentialReport", version=IMS_VERSION))[1] == 200
    assert code_of(v1_call(root_key, "GetCredentialReport", {"NextToken": "1"}, version=IMS_VERSION))[1] == 200
    for token in ("\u00b2", "\u0663", "9" * 5000, "9" * 10):
        response = v1_call(root_key, "GetCredentialReport", {"NextToken": token}, version=IMS_VERSION)
        assert code_of(response) == ("InvalidParameter.NextToken", 400), token


@pytest.mark.parametrize(
    ("version", "action", "params"),
    [
        (IMS_VERSION, "ListVirtualMFADevices", {"Marker": str(2**70)}),
        (IMS_VERSION, "ListVirtualMFADevices", {"Marker": str(-(2**70))}),
        (RAM_VERSION, "ListUsers", {"Marker": base64.urlsafe_b64encode(str(2**70).encode()).decode()}),
        (RAM_VERSION, "SetSecurityPreference", {"LoginSessionDuration": str(2**70)}),
        (RAM_VERSION, "SetPasswordPolicy", {"MaxPasswordAge": str(-(2**70))}),
        (RAM_VERSION, "ListUsers", {"MaxItems": "9" * 5000}),
    ],
)
def test_huge_numbers_are_answered(root_key: Key, version: str, action: str, params: dict) -> None:
    """Beyond 64 bits, a database column cannot take them (SQLite raises OverflowError)."""
    assert code_of(v1_call(root_key, action, params, version=version))[1] < 500
