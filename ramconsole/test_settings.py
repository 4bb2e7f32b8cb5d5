"""Test settings: fast hashing, in-memory side channels, loud template errors."""

from __future__ import annotations

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CRISPY_FAIL_SILENTLY = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
SECURE_SSL_REDIRECT = False
# The sandbox DNS records page is part of what the tests (and the isolation walker) cover.
RAMCONSOLE_SANDBOX_DNS = True
RAMCONSOLE_DNS_RESOLVER = "127.0.0.1"
RAMCONSOLE_DNS_TIMEOUT = 1.0
