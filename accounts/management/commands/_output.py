"""How operator commands print what they made: readable lines, or one JSON object with --json."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand


def emit(command: BaseCommand, result: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        command.stdout.write(json.dumps(result, indent=2, default=str))
        return
    for key, value in result.items():
        if isinstance(value, list):
            command.stdout.write(f"{key}:")
            for item in value:
                command.stdout.write("  " + "  ".join(f"{k}={v}" for k, v in item.items()))
        else:
            command.stdout.write(f"{key}: {value}")
