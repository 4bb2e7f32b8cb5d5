"""gunicorn settings for `make serve` (and the multi-worker tests); the command line may override them.

Workers are processes that share nothing in memory: every rule that counts (lockouts, nonces, TOTP
steps, throttles) lives in the database, and the cache is Redis when REDIS_URL is set.
"""

from __future__ import annotations

import os

from ramconsole.kernel.env import env_int

wsgi_app = "ramconsole.wsgi:application"
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = env_int("WORKERS", 2)
# gthread workers: with no buffering proxy in front, a sync worker is held by a browser's idle
# keep-alive connection (measured: p95 785 ms vs 117 ms for 20 users reading pages, benchmarks/).
# Enough threads that logons waiting their turn to hash (ramconsole/kernel/hashers.py allows cores - 1
# Argon2 hashes at once on the machine) never hold back requests that need no hash: a burst of 50 wrong passwords
# left /health waiting seconds with 4 threads (benchmarks/logon_burst.py). Each thread may keep a
# database connection: WORKERS x threads must stay below PostgreSQL's max_connections (100).
# GUNICORN_THREADS=1 gives sync workers, for deployments behind nginx.
threads = env_int("GUNICORN_THREADS", 32)
timeout = 30
graceful_timeout = 10
# No access log: gunicorn's would print query strings, where API calls carry their AccessKeyId and
# Signature. The application logs one JSON line per request instead (ramconsole/kernel/logs.py).
accesslog = None
errorlog = "-"
# No `gunicornc` control socket: its default path is per user, shared by every instance.
control_socket_disable = True
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn's own lines (boot, worker exits) as JSON too, like the application's.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "ramconsole.kernel.logs.JsonFormatter"}},
    "handlers": {
        "error_console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
    },
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["error_console"], "propagate": False},
        # A logging config turns gunicorn's access log on: keep it silent (query strings, see above).
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
    },
}
