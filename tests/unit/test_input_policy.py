"""The rule every input obeys (security/policy/inputs.py): characters, lengths, counts."""

from __future__ import annotations

import pytest

from security import policy
from security.errors import InvalidParameter

REFUSED = [
    "\x00",
    "\x01",
    "\x08",
    "\x0b",
    "\x0c",
    "\x0e",
    "\x1f",
    "\x7f",
    "\x80",
    "\x9f",
    "\ud800",
    "\udfff",
    "\ufffd",
]
ACCEPTED = ["\t", "\n", "\r", " ", "~", "\xa0", "é", "\u4e2d", "\U0001f600", "\ufffc", "\u2028"]


@pytest.mark.parametrize("character", REFUSED, ids=[f"U+{ord(c):04X}" for c in REFUSED])
def test_refused_characters(character: str) -> None:
    assert policy.input_problem(f"a{character}b") == policy.INPUT_INVALID_CHARS
    with pytest.raises(InvalidParameter) as caught:
        policy.check_api_parameter("Comments", f"a{character}b")
    assert caught.value.code == "InvalidParameter.Comments.InvalidChars"


@pytest.mark.parametrize("character", ACCEPTED, ids=[f"U+{ord(c):04X}" for c in ACCEPTED])
def test_accepted_characters(character: str) -> None:
    assert policy.input_problem(f"a{character}b") is None
    policy.check_api_parameter("Comments", f"a{character}b")


def test_length_cap_edges() -> None:
    assert policy.input_problem("x" * policy.MAX_INPUT_LENGTH) is None
    assert policy.input_problem("x" * (policy.MAX_INPUT_LENGTH + 1)) == policy.INPUT_TOO_LONG
    assert policy.input_problem("\x00" * (policy.MAX_INPUT_LENGTH + 1)) == policy.INPUT_TOO_LONG  # length first
    assert policy.input_problem("x" * 10, max_length=9) == policy.INPUT_TOO_LONG
    with pytest.raises(InvalidParameter) as caught:
        policy.check_api_parameter("Comments", "x" * (policy.MAX_INPUT_LENGTH + 1))
    assert caught.value.code == "InvalidParameter.Comments.Length"


def test_signature_nonce_edges() -> None:
    policy.check_api_parameter("SignatureNonce", "n" * policy.SIGNATURE_NONCE_MAX_LENGTH)
    with pytest.raises(InvalidParameter) as caught:
        policy.check_api_parameter("SignatureNonce", "n" * (policy.SIGNATURE_NONCE_MAX_LENGTH + 1))
    assert caught.value.code == "InvalidParameter.SignatureNonce.Length"
    policy.check_api_parameter("OtherNonce", "n" * (policy.SIGNATURE_NONCE_MAX_LENGTH + 1))


def test_parameter_names() -> None:
    policy.check_api_parameter("N" * policy.MAX_PARAMETER_NAME_LENGTH, "x")
    for name in ("N" * (policy.MAX_PARAMETER_NAME_LENGTH + 1), "User\x00Name", "\ud800"):
        with pytest.raises(InvalidParameter) as caught:
            policy.check_api_parameter(name, "x")
        assert caught.value.code == "InvalidParameter"  # the name is not put in the code


def test_parameter_count_edges() -> None:
    policy.check_api_parameters({f"P{i}": "x" for i in range(policy.MAX_API_PARAMETERS)})
    with pytest.raises(InvalidParameter):
        policy.check_api_parameters({f"P{i}": "x" for i in range(policy.MAX_API_PARAMETERS + 1)})
    with pytest.raises(InvalidParameter) as caught:
        policy.check_api_parameters({"UserName": "ok", "Comments": "c\x00"})
    assert caught.value.code == "InvalidParameter.Comments.InvalidChars"
