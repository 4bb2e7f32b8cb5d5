"""pytest plugin of benchmarks/fuzz_api.py: when the session ends, writes every fuzzed call's
outcome (tests/api/test_fuzz.py OUTCOMES) as JSON to the file RAMCONSOLE_FUZZ_OUTCOMES names."""

from __future__ import annotations

import json
import os
import sys

import pytest


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    fuzz = sys.modules.get("tests.api.test_fuzz")
    with open(os.environ["RAMCONSOLE_FUZZ_OUTCOMES"], "w") as out:
        json.dump({"exit_status": int(exitstatus), "outcomes": fuzz.OUTCOMES if fuzz else []}, out)
