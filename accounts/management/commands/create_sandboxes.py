"""Create training sandboxes, one per trainee, and write their logins as CSV."""

from __future__ import annotations

import csv
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import sandbox
from accounts.models import Sandbox
from security.errors import RamError

CSV_HEADER = ["sandbox", "account_id", "role", "logon_name", "password", "mfa_key"]


class Command(BaseCommand):
    help = "Create N independent sandbox accounts <prefix>-01, <prefix>-02, … and print their logins as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="how many sandboxes (1-500)")
        parser.add_argument("--prefix", default="trainee", help="sandbox names and aliases start with this")
        parser.add_argument("--output", help="write the CSV to this file instead of standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        count, prefix = options["count"], options["prefix"]
        if not 1 <= count <= 500:
            raise CommandError("--count must be between 1 and 500.")
        rows = []
        first = _first_free_number(prefix)
        for number in range(first, first + count):
            name = f"{prefix}-{number:02d}"
            try:
                created = sandbox.sandbox_create(
                    name=name,
                    email=f"{name}@{sandbox.SANDBOX_EMAIL_DOMAIN}",
                    alias=name,
                    logins=sandbox.SeedLogins.generated(),
                )
            except RamError as error:
                raise CommandError(f"{name}: {error.message}") from error
            rows += [
                [created.name, created.account_id, login.role, login.logon_name, login.password, login.mfa_key]
                for login in sandbox.logins_of(created)
            ]
        if options["output"]:
            with open(options["output"], "w", newline="", encoding="utf-8") as handle:
                _write_csv(handle, rows)
            self.stderr.write(f"{count} sandbox(es) created; logins written to {options['output']}")
        else:
            _write_csv(self.stdout, rows)


def _first_free_number(prefix: str) -> int:
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)$")
    numbers = [int(m.group(1)) for name in Sandbox.objects.values_list("name", flat=True) if (m := pattern.match(name))]
    return max(numbers, default=0) + 1


def _write_csv(handle: Any, rows: list[list[str]]) -> None:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(rows)
