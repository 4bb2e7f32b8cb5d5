"""Encryption at rest for server-side secrets that must stay recoverable (AccessKey secrets, TOTP
seeds): Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography`, keys from settings.

RAMCONSOLE_SECRET_KEYS lists Fernet keys, newest first: new values are encrypted with the first,
and any listed key decrypts, so keys can be rotated. Without it, one key is derived from
SECRET_KEY (fine for development and sandboxes; production should set its own keys).
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        derived = hashlib.sha256(b"ramconsole secrets at rest:" + secret_key.encode()).digest()
        keys = (base64.urlsafe_b64encode(derived).decode(),)
    return MultiFernet([Fernet(key) for key in keys])


def _current() -> MultiFernet:
    return _cipher(tuple(settings.RAMCONSOLE_SECRET_KEYS), settings.SECRET_KEY)


def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    return _current().decrypt(token.encode()).decode()
