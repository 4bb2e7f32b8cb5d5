"""The source address of a request: REMOTE_ADDR, unless a trusted proxy vouches for another."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest


@lru_cache(maxsize=8)
def _trusted_networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address.strip())
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address logon masks and events see.

    X-Forwarded-For is believed only when the direct peer is a trusted proxy, and then only up to
    the first hop (from the right) that is not itself a trusted proxy: anything further left was
    written by the client and proves nothing.
    """
    peer = _parse(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return None
    trusted = _trusted_networks(tuple(settings.RAMCONSOLE_TRUSTED_PROXIES))

    def is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(address in network for network in trusted)

    if not is_trusted(peer):
        return str(peer)
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break
        if not is_trusted(address):
            return str(address)
        peer = address
    return str(peer)
