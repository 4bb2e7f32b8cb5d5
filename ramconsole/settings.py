"""Settings, read from environment variables with safe development defaults.

Production: DJANGO_DEBUG=0 plus DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and RAMCONSOLE_SECRET_KEYS.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from ramconsole.kernel.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("DJANGO_DEBUG", True)
_DEV_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production-0123456789"  # noqa: S105 - development only; production refuses to start without its own
SECRET_KEY = env_str("DJANGO_SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: runserver (make run) leaves /static/ to WhiteNoise's middleware too.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    # django-csp: its system checks (outdated or unsafe CSP settings); the header is its middleware's.
    "csp",
    "accounts",
    "security",
    "accesskeys",
    "mfa",
    "reports",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "ramconsole.web.errors.DebugPageMiddleware",
    "ramconsole.kernel.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "ramconsole.gateway.dispatcher.GatewayMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "ramconsole.web.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ramconsole.web.middleware.ConsoleLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ramconsole.web.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "ramconsole.web.middleware.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ramconsole.web.middleware.PanelRedirectMiddleware",
]

ROOT_URLCONF = "ramconsole.urls"
# The shell's page for a refused form token (ramconsole/web/errors.py), not Django's bare one.
CSRF_FAILURE_VIEW = "ramconsole.web.errors.csrf_failure"
WSGI_APPLICATION = "ramconsole.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ramconsole.web.context_processors.console",
            ],
            # The console's own filters (ramconsole/web/templatetags/console.py), in every template.
            "builtins": ["ramconsole.web.templatetags.console"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), conn_max_age=60)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # `make run` serves a whole classroom from one SQLite file, one thread per request, and SQLite
    # has one writer at a time. A deferred transaction that read first cannot wait for the write
    # lock (SQLite answers "database is locked" at once), so every transaction takes it at BEGIN
    # (IMMEDIATE) and waits up to `timeout` seconds for it. WAL lets readers go on meanwhile;
    # synchronous=NORMAL spares an fsync per commit (a server crash loses nothing, a power cut the
    # last commits at most).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=20,
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A server that drops packets (rather than refusing) answers 503 in seconds, not at gunicorn's
    # worker timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    # psycopg prepares a statement at its fifth use on a connection, for the cursors that bind on the
    # server (ramconsole/kernel/rows.py: the SQL every signed call runs); Django's own cursors bind on
    # the client and never prepare. Django turns it off for connection poolers; make serve has none.
    # A prepared statement's plan is made once: PostgreSQL kept planning the signing key's query anew
    # (1.2-1.6 ms of the server's CPU against 0.25 ms with its generic plan). Only those statements
    # are prepared, so only they are affected.
    DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 5)
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c plan_cache_mode=force_generic_plan")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Every worker must share what one worker counts: lockouts, nonces, TOTP steps, throttles and
# report state live in the database; Redis (when configured) adds a shared cache and caches sessions.
# It is an optimisation only: unreachable, it is a miss (ramconsole/kernel/rediscache.py), and half a second
# is the longest a dead or silent Redis may hold a request.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "ramconsole.kernel.rediscache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "ramconsole",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_USER_MODEL = "accounts.Principal"
AUTHENTICATION_BACKENDS = ["accounts.backends.LogonNameBackend"]
LOGIN_URL = "accounts:logon"
LOGIN_REDIRECT_URL = "accounts:overview"
# Argon2id first: new hashes use it, older ones are upgraded at the next successful logon.
PASSWORD_HASHERS = [
    "ramconsole.kernel.hashers.BoundedArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Argon2id hashes running at once on this machine, across the server's processes (ramconsole/kernel/hashers.py):
# one core is left for the other requests while a logon burst waits its turn.
RAMCONSOLE_CONCURRENT_HASHES = env_int("RAMCONSOLE_CONCURRENT_HASHES", max(1, (os.cpu_count() or 2) - 1))
# Where the slots' lock files live: every process of one server must see the same directory.
RAMCONSOLE_HASH_SLOT_DIR = env_str(
    "RAMCONSOLE_HASH_SLOT_DIR", str(Path(tempfile.gettempdir()) / f"ramconsole-hash-slots-{os.getuid()}")
)
# RAM users' password rules are data (the account's password policy), not settings.
AUTH_PASSWORD_VALIDATORS: list[dict] = []

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 24 * 3600
# DJANGO_SECURE_COOKIES=0 (with DJANGO_SECURE_SSL_REDIRECT=0) serves plain HTTP on loopback only
# (`make serve`); anywhere else production keeps both on.
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# Probes call the health check on the worker's own plain-HTTP port.
SECURE_REDIRECT_EXEMPT = [r"^health$"]
SECURE_HSTS_SECONDS = 0 if DEBUG else 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# No inline script or style anywhere: every asset is a vendored or project file under /static/,
# so no nonce either. django-csp writes the header (it skips Django's own debug 404/500 pages).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
# Inside the package (the top level is fixed); the compiled .mo files are committed beside the .po,
# so a machine with only Python serves Chinese (tests/integration/test_i18n.py keeps them current).
LOCALE_PATHS = [BASE_DIR / "ramconsole" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Collected static files (make serve, and make run, which collects them too): hashed names that
# WhiteNoise serves gzip-compressed with a year's immutable Cache-Control. A bare runserver (DEBUG,
# without RAMCONSOLE_COLLECTED_STATIC) serves the source files as they are edited.
COLLECTED_STATIC = env_bool("RAMCONSOLE_COLLECTED_STATIC", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "ramconsole.web.staticstorage.CollectedStaticFilesStorage"
        if COLLECTED_STATIC
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if COLLECTED_STATIC:
    WHITENOISE_USE_FINDERS = False
    WHITENOISE_AUTOREFRESH = False
    WHITENOISE_MAX_AGE = 60  # unhashed URLs only (a hashed one is cached for good)

# Background work (credential reports) through the django-tasks API, which is django.tasks in
# Django 6. Immediate by default (the tests, a bare runserver); `make run` and `make serve` set
# django_tasks_db.DatabaseBackend and start its worker, `manage.py db_worker`, beside the server.
TASKS = {"default": {"BACKEND": env_str("RAMCONSOLE_TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")}}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
CRISPY_FAIL_SILENTLY = not DEBUG

# Mail the console sends (verification codes, notices) is stored for the account's Outbox page;
# nothing leaves the machine unless a deployment names another Django email backend.
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "accounts.outbox.OutboxBackend")
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "no-reply@ramconsole.example")

# Demo mode shows the seeded demo logins on the logon page and a sandbox banner.
RAMCONSOLE_DEMO_MODE = env_bool("RAMCONSOLE_DEMO_MODE", False)
# Fernet keys (newest first) for secrets at rest; empty = derived from SECRET_KEY (ramconsole/kernel/crypto.py).
RAMCONSOLE_SECRET_KEYS = env_list("RAMCONSOLE_SECRET_KEYS", "")
# DNS for Domain Ownership Verification: no address = the system resolver; else that server and
# port (make run points them at the sandbox DNS server, which serves the DNS records page).
RAMCONSOLE_DNS_RESOLVER = env_str("RAMCONSOLE_DNS_RESOLVER", "")
RAMCONSOLE_DNS_PORT = env_int("RAMCONSOLE_DNS_PORT", 53)
RAMCONSOLE_DNS_TIMEOUT = env_float("RAMCONSOLE_DNS_TIMEOUT", 3.0)
# The sandbox DNS records page (and `manage.py run_sandbox_dns`) is offered when this is on.
RAMCONSOLE_SANDBOX_DNS = env_bool("RAMCONSOLE_SANDBOX_DNS", False)
# Addresses of reverse proxies whose X-Forwarded-For may be believed; nobody else's is.
RAMCONSOLE_TRUSTED_PROXIES = env_list("RAMCONSOLE_TRUSTED_PROXIES", "")

# One line per request (ramconsole/kernel/logs.py), each record tagged with its request id. Production
# logs JSON; development plain text unless DJANGO_LOG_FORMAT=json.
LOG_FORMAT = env_str("DJANGO_LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "ramconsole.kernel.logs.RequestIdFilter"},
        "no_query_string": {"()": "ramconsole.kernel.logs.QueryStringFilter"},
    },
    "formatters": {
        "json": {"()": "ramconsole.kernel.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # runserver's own request lines (make run), without their query strings.
    "loggers": {
        "django.server": {"handlers": ["console"], "filters": ["no_query_string"], "level": "INFO", "propagate": False}
    },
}
