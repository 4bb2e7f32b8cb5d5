"""Login masks: which source addresses may log on with a password (PRODUCT.md §5.1, §5.2).

Masks never apply to AccessKey-signed API calls; only the console logon asks here.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from django.utils.translation import gettext as _

from security.errors import InvalidParameter, check_all
from security.policy.passwords import check_ranges
from security.ranges import SECURITY_PREFERENCE_RANGES

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_MASKS = 40
MAX_MASK_CHARS = 512


def parse_masks(
    text: str, *, field: str = "login_network_masks", parameter: str = "LoginNetworkMasks"
) -> list[Network]:
    """`;`-separated IPv4/IPv6 CIDR blocks (a bare address is a one-address block). Empty = any address.

    Every bad mask is named in the error, so an administrator fixes them all at once.
    """
    if len(text) > MAX_MASK_CHARS:
        raise InvalidParameter(
            _("The masks must not exceed %(n)d characters (%(got)d given).") % {"n": MAX_MASK_CHARS, "got": len(text)},
            code=f"InvalidParameter.{parameter}.Length",
            field=field,
        )
    networks: list[Network] = []
    problems: list[str] = []
    for raw in text.split(";"):
        entry = raw.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=True))
        except ValueError:
            problems.append(_describe_bad_mask(entry))
    if problems:
        raise InvalidParameter(problems[0], code=f"InvalidParameter.{parameter}.Format", field=field, messages=problems)
    if len(networks) > MAX_MASKS:
        raise InvalidParameter(
            _("At most %(n)d masks are allowed (%(got)d given).") % {"n": MAX_MASKS, "got": len(networks)},
            code=f"InvalidParameter.{parameter}.Length",
            field=field,
        )
    return networks


def check_security_preference_values(values: dict) -> None:
    """SetSecurityPreference: the session duration within its range and every mask valid, both
    reported at once."""
    check_all(
        lambda: check_ranges(values, SECURITY_PREFERENCE_RANGES),
        lambda: parse_masks(str(values.get("login_network_masks", ""))),
    )


def _describe_bad_mask(entry: str) -> str:
    try:
        corrected = ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return _('"%(mask)s" is not an IPv4 or IPv6 address or CIDR block.') % {"mask": entry}
    return _('"%(mask)s" has host bits set; did you mean %(net)s?') % {"mask": entry, "net": corrected}


def normalise_masks(text: str, *, field: str = "login_network_masks") -> str:
    """The stored form: canonical blocks joined by `;`."""
    return ";".join(str(network) for network in parse_masks(text, field=field))


@dataclass(frozen=True)
class MaskDecision:
    """Whether an address may log on under a mask, and the block that let it in."""

    address: str | None
    allowed: bool
    matched: str | None


def evaluate_address(masks: str, address: str | None) -> MaskDecision:
    """An empty mask allows every address; otherwise the address must fall in one block."""
    networks = parse_masks(masks)
    if not networks:
        return MaskDecision(address=address, allowed=True, matched=None)
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return MaskDecision(address=address, allowed=False, matched=None)
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped:
        parsed = parsed.ipv4_mapped
    for network in networks:
        if parsed.version == network.version and parsed in network:
            return MaskDecision(address=address, allowed=True, matched=str(network))
    return MaskDecision(address=address, allowed=False, matched=None)


def check_not_locking_out(masks: str, *, actor_address: str | None, confirmed: bool, field: str) -> None:
    """Self-lockout guard: a mask that refuses the administrator's own address needs a confirmation."""
    if confirmed or evaluate_address(masks, actor_address).allowed:
        return
    raise InvalidParameter(
        _(
            "Your current address %(ip)s is outside these masks, so a logon from it would be refused "
            "(you could lock yourself out). Confirm to save anyway."
        )
        % {"ip": actor_address or "?"},
        code="LockoutConfirmationRequired",
        field=field,
    )
