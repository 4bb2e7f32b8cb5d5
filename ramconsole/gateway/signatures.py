"""The two request signatures the official SDKs use (RAM-API.md §3-4): pure functions.

Canonical strings are always rebuilt from the decoded parameters, never from the raw query text,
because the SDKs encode the wire differently (`%20` vs `+`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote

ACS3 = "ACS3-HMAC-SHA256"


_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


def percent_encode(value: str) -> str:
    """RFC 3986: everything but `A-Z a-z 0-9 - _ . ~`, uppercase hex, space as %20."""
    if _UNRESERVED.fullmatch(value):  # most values (ids, nonces, names): quote() walks them byte by byte
        return value
    return quote(value, safe="-_.~")


def canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def rpc_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """Signature v1: METHOD&%2F&pct(canonical query of every parameter but Signature)."""
    signed = {k: v for k, v in params.items() if k != "Signature"}
    # percent_encode of the canonical query, which holds only unreserved characters and % = &.
    encoded = canonical_query(signed).replace("%", "%25").replace("=", "%3D").replace("&", "%26")
    return f"{method.upper()}&%2F&{encoded}"


def rpc_signature(secret: str, string_to_sign: str) -> str:
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def acs3_string_to_sign(
    *,
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    signed_headers: Iterable[str],
    hashed_body: str,
) -> str:
    """ACS3-HMAC-SHA256: over the headers the client listed in SignedHeaders (lower-case, sorted)."""
    names = list(signed_headers)
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in names)
    canonical_request = "\n".join(
        [method.upper(), path or "/", canonical_query(query), canonical_headers, ";".join(names), hashed_body]
    )
    return f"{ACS3}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"


def acs3_signature(secret: str, string_to_sign: str) -> str:
    return hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def parse_acs3_authorization(header: str) -> dict[str, str] | None:
    """`ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex` → its three parts, or None."""
    algorithm, _, rest = header.partition(" ")
    if algorithm != ACS3:
        return None
    parts = {}
    for item in rest.split(","):
        key, sep, value = item.strip().partition("=")
        if sep:
            parts[key] = value
    if not {"Credential", "SignedHeaders", "Signature"} <= parts.keys():
        return None
    return parts


def matches(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())
