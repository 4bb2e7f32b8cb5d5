"""Concurrency tests need real row locks: PostgreSQL. SQLite serialises writers and ignores FOR UPDATE."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.conftest import skip_or_fail


@pytest.fixture(autouse=True)
def _require_postgres() -> None:
    if connection.vendor != "postgresql":
        skip_or_fail(
            "concurrency tests need PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/ramconsole"
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/postgres/" in str(item.fspath):
            item.add_marker(pytest.mark.postgres)
