"""Random numeric IDs (account IDs, RAM user IDs)."""

from __future__ import annotations

import secrets
from collections.abc import Callable


def _random_digits(length: int) -> str:
    return str(secrets.randbelow(9) + 1) + "".join(str(secrets.randbelow(10)) for _ in range(length - 1))


def unique_digits(exists: Callable[[str], bool]) -> str:
    for _attempt in range(20):
        candidate = _random_digits(16)
        if not exists(candidate):
            return candidate
    raise RuntimeError("could not draw a free 16-digit ID")  # 1 in 10**15 per draw; never expected
