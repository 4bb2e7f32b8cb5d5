"""Benchmark drivers run their Django work in child processes (a fresh process per database, and
ru_maxrss that is the measured work's own); this runs one and reads the JSON line it prints last.
Standard library only: the drivers themselves never load Django."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT_DIR = Path(__file__).resolve().parent.parent


def child_json(script: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `script` (a benchmark's own file) with `args`; its last line of output, as JSON."""
    completed = subprocess.run(  # noqa: S603 - a benchmark script of ours, with our own arguments
        [sys.executable, str(Path(script).resolve()), *args],
        cwd=ROOT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"child {args} failed with exit code {completed.returncode}")
    return json.loads(completed.stdout.strip().splitlines()[-1])
