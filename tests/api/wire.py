"""Validly signed calls with any bytes in them, through Django's test client (in this process).

No SDK sends a NUL, a lone surrogate or a 100 KB value, so these build the wire by hand: a lone
surrogate goes as its (invalid) UTF-8 bytes, and the signature covers what the server decodes
(U+FFFD for undecodable bytes), so the call gets past the signature check to whatever comes next.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib import parse

from django.test import Client

from ramconsole.gateway import signatures
from tests.api.conftest import RAM_VERSION, Key, utc_timestamp


def wire(text: str) -> str:
    """Percent-encoded as a raw client may send it: a lone surrogate as its (invalid) UTF-8 bytes."""
    return parse.quote(text, safe="-_.~", errors="surrogatepass")


def decoded(text: str) -> str:
    """What Django decodes `wire(text)` to (undecodable bytes become U+FFFD)."""
    return parse.unquote(wire(text), errors="replace")


def encode(params: dict[str, str]) -> str:
    return "&".join(f"{wire(name)}={wire(value)}" for name, value in params.items())


def v1_call(
    key: Key,
    action: str,
    params: dict[str, str] | None = None,
    *,
    version: str = RAM_VERSION,
    in_body: bool = False,
    gateway: dict[str, str] | None = None,
    secret: str | None = None,
) -> Any:
    """POST / signed with signature v1; `gateway` overrides the signature's own parameters,
    `secret` signs with another secret (a forged call)."""
    params = params or {}
    signed = {
        "Action": action,
        "Version": version,
        "Format": "JSON",
        "AccessKeyId": key.access_key_id,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": uuid.uuid4().hex,
        "Timestamp": utc_timestamp(),
        **(gateway or {}),
    }
    server_view = {decoded(name): decoded(value) for name, value in {**signed, **params}.items()}
    string_to_sign = signatures.rpc_string_to_sign("POST", server_view)
    signed["Signature"] = signatures.rpc_signature(secret or key.secret, string_to_sign)
    query, body = (signed, params) if in_body else ({**signed, **params}, {})
    return Client().post(
        f"/?{encode(query)}", data=encode(body).encode(), content_type="application/x-www-form-urlencoded"
    )


def acs3_call(
    key: Key,
    action: str,
    params: dict[str, str] | None = None,
    *,
    version: str = RAM_VERSION,
    nonce: str | None = None,
    credential: str | None = None,
) -> Any:
    """POST / signed with ACS3-HMAC-SHA256, parameters in the query, as the Tea SDK sends them."""
    params = params or {}
    headers = {
        "host": "testserver",
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": utc_timestamp(),
        "x-acs-signature-nonce": uuid.uuid4().hex if nonce is None else nonce,
        "x-acs-content-sha256": signatures.sha256_hex(b""),
    }
    names = sorted(headers)
    string_to_sign = signatures.acs3_string_to_sign(
        method="POST",
        path="/",
        query={decoded(name): decoded(value) for name, value in params.items()},
        headers=headers,
        signed_headers=names,
        hashed_body=headers["x-acs-content-sha256"],
    )
    signature = signatures.acs3_signature(key.secret, string_to_sign)
    authorization = (
        f"{signatures.ACS3} Credential={credential or key.access_key_id},"
        f"SignedHeaders={';'.join(names)},Signature={signature}"
    )
    return Client().post(
        f"/?{encode(params)}",
        data=b"",
        content_type="application/x-www-form-urlencoded",
        headers={**headers, "Authorization": authorization},
    )
