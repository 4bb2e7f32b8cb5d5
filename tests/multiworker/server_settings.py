"""Settings of the gunicorn the multi-worker tests start: production settings (DEBUG off, Redis,
JSON logs), except what must match the test process, which writes the data the workers read."""

from __future__ import annotations

from ramconsole.settings import *  # noqa: F403
from ramconsole.test_settings import PASSWORD_HASHERS, STORAGES  # noqa: F401 - the fixtures' hashes; no collectstatic
