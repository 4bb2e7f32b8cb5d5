"""`python -m ramconsole.createdb`: create the PostgreSQL database DATABASE_URL names, if missing.

`make serve` runs it before `migrate`, so a clean machine needs only a running server. SQLite
creates its file itself: nothing to do there.
"""

from __future__ import annotations

import os
import sys

import dj_database_url
import psycopg
from psycopg import sql


def ensure_database(url: str) -> str:
    """Create the database of `url` (connecting to the server's `postgres` database); says what it did."""
    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        return "not PostgreSQL: nothing to create"
    name = config["NAME"]
    params = {
        "dbname": "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}, autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return f"database {name} exists"
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"database {name} created"


if __name__ == "__main__":
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("DATABASE_URL is not set")
    print(f"ramconsole: {ensure_database(url)}")
