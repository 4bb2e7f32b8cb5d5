"""`python -m ramconsole.preflight`: what `make serve` checks before it migrates and serves.

PostgreSQL (DATABASE_URL) must answer; its database is created if missing, so a clean machine needs
only a running server. If it cannot be reached, one line says so and the exit status is 1. Redis
(REDIS_URL) is an optimisation (ramconsole/kernel/rediscache.py): unreachable, one warning line, and the
console starts without it. SQLite creates its file itself: no database to create there.
"""

from __future__ import annotations

import os
import re
import sys

import dj_database_url
import psycopg
import redis
from psycopg import sql

CONNECT_TIMEOUT_SECONDS = 5


class Unreachable(Exception):
    """What could not be reached, in one line (no password: the URL's userinfo is left out)."""


def _reason(error: Exception) -> str:
    """The driver's message without its preamble: 'connection refused', 'role "x" does not exist'."""
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    reason = first_line.rsplit(" failed: ", 1)[-1]  # psycopg: 'connection to server at … failed: …'
    reason = re.sub(r"^Error -?\d+ connecting to \S+?\. ", "", reason)  # redis-py: 'Error 111 connecting to h:p. …'
    reason = reason.removeprefix("FATAL:").strip().rstrip(".")
    return reason[:1].lower() + reason[1:]


def ensure_database(url: str) -> str:
    """Create the database of `url` (connecting to the server's `postgres` database); says what it did."""
    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        return "not PostgreSQL: nothing to create"
    name = config["NAME"]
    host, port = config.get("HOST") or None, config.get("PORT") or None
    params = {
        "dbname": "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": host,
        "port": port,
    }
    try:
        with psycopg.connect(
            **{k: v for k, v in params.items() if v is not None},
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
        ) as connection:
            if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                return f"database {name} exists"
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as error:
        where = f"{host}:{port or 5432}" if host else "its local socket"
        raise Unreachable(f"cannot reach PostgreSQL at {where} ({_reason(error)})") from error
    return f"database {name} created"


def check_redis(url: str) -> None:
    client = redis.Redis.from_url(
        url, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS, socket_timeout=CONNECT_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except redis.RedisError as error:
        options = client.connection_pool.connection_kwargs
        where = f"{options.get('host', 'localhost')}:{options.get('port', 6379)}"
        raise Unreachable(f"cannot reach Redis at {where} ({_reason(error)})") from error
    finally:
        client.close()


def main() -> int:
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        print("ramconsole: DATABASE_URL is not set", file=sys.stderr)
        return 1
    try:
        print(f"ramconsole: {ensure_database(database_url)}")
    except Unreachable as error:
        print(f"ramconsole: {error}", file=sys.stderr)
        return 1
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        try:
            check_redis(redis_url)
        except Unreachable as error:
            print(f"ramconsole: warning: {error}; starting without it (sessions from the database)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
