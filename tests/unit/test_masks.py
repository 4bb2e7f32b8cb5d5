"""Login masks: parsing (every bad mask named) and matching, at the documented limits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from security import policy
from security.errors import InvalidParameter


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("  ", []),
        ("10.0.0.0/8", ["10.0.0.0/8"]),
        (" 10.0.0.0/8 ; 192.168.0.0/16 ", ["10.0.0.0/8", "192.168.0.0/16"]),
        ("10.0.0.0/8;;", ["10.0.0.0/8"]),
        ("203.0.113.7", ["203.0.113.7/32"]),
        ("2001:db8::/32", ["2001:db8::/32"]),
        ("2001:DB8::1", ["2001:db8::1/128"]),
        ("0.0.0.0/0", ["0.0.0.0/0"]),
    ],
)
def test_valid_masks(text: str, expected: list[str]) -> None:
    assert [str(n) for n in policy.parse_masks(text)] == expected


def _refusal(text: str) -> InvalidParameter:
    with pytest.raises(InvalidParameter) as refused:
        policy.parse_masks(text)
    return refused.value


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("10.0.0.1/8", "did you mean 10.0.0.0/8"),
        ("2001:db8::1/32", "did you mean 2001:db8::/32"),
        ("10.0.0.0/33", "is not an IPv4 or IPv6"),
        ("300.1.1.1", "is not an IPv4 or IPv6"),
        ("10.0.0.0/8,192.168.0.0/16", "is not an IPv4 or IPv6"),
        ("gggg::/16", "is not an IPv4 or IPv6"),
    ],
)
def test_invalid_masks_are_named(text: str, fragment: str) -> None:
    refusal = _refusal(text)
    assert refusal.code == "InvalidParameter.LoginNetworkMasks.Format"
    assert fragment in refusal.message and text.split(",")[0].split(";")[0] in refusal.message


def test_every_bad_mask_is_named() -> None:
    refusal = _refusal("10.0.0.0/8;bad-one;10.1.1.1/16;192.168.0.0/16")
    assert len(refusal.messages) == 2
    assert '"bad-one"' in refusal.messages[0] and '"10.1.1.1/16"' in refusal.messages[1]


def _masks(count: int) -> str:
    return ";".join(f"10.0.0.{i}" for i in range(count))


def test_forty_masks_at_most() -> None:
    assert len(policy.parse_masks(_masks(40))) == 40
    refusal = _refusal(_masks(41))
    assert refusal.code == "InvalidParameter.LoginNetworkMasks.Length" and "41" in refusal.message


def test_five_hundred_twelve_characters_at_most() -> None:
    at_limit = "10.0.0.0/8;" + " " * 501
    assert len(at_limit) == 512
    policy.parse_masks(at_limit)
    refusal = _refusal(at_limit + " ")
    assert refusal.code == "InvalidParameter.LoginNetworkMasks.Length" and "513" in refusal.message


@pytest.mark.parametrize(
    ("address", "allowed", "matched"),
    [
        ("10.1.2.3", True, "10.0.0.0/8"),
        ("192.168.5.5", True, "192.168.0.0/16"),
        ("11.0.0.1", False, None),
        ("2001:db8::5", True, "2001:db8::/32"),
        ("2001:db9::5", False, None),
        ("::ffff:10.9.9.9", True, "10.0.0.0/8"),  # IPv4-mapped IPv6 is the IPv4 address
        ("", False, None),
        (None, False, None),
        ("not-an-ip", False, None),
    ],
)
def test_matcher(address: str | None, allowed: bool, matched: str | None) -> None:
    decision = policy.evaluate_address("10.0.0.0/8;192.168.0.0/16;2001:db8::/32", address)
    assert (decision.allowed, decision.matched) == (allowed, matched)


def test_empty_mask_allows_everyone() -> None:
    assert policy.evaluate_address("", None).allowed
    assert policy.evaluate_address("", "198.51.100.1").allowed


def test_self_lockout_guard() -> None:
    policy.check_not_locking_out("10.0.0.0/8", actor_address="10.0.0.5", confirmed=False, field="x")
    policy.check_not_locking_out("10.0.0.0/8", actor_address="127.0.0.1", confirmed=True, field="x")
    with pytest.raises(InvalidParameter) as refused:
        policy.check_not_locking_out("10.0.0.0/8", actor_address="127.0.0.1", confirmed=False, field="x")
    assert refused.value.code == "LockoutConfirmationRequired" and "127.0.0.1" in refused.value.message


@given(st.text(max_size=600))
def test_parsing_never_raises_anything_but_a_validation_error(text: str) -> None:
    try:
        networks = policy.parse_masks(text)
    except InvalidParameter as refusal:
        assert refusal.code.startswith("InvalidParameter.LoginNetworkMasks.")
    else:
        assert len(networks) <= policy.MAX_MASKS


@given(st.lists(st.ip_addresses(), max_size=5), st.one_of(st.none(), st.text(max_size=40), st.ip_addresses().map(str)))
def test_matching_never_raises(addresses: list, probe: str | None) -> None:
    masks = ";".join(str(a) for a in addresses)
    decision = policy.evaluate_address(masks, probe)
    assert decision.allowed in (True, False)
