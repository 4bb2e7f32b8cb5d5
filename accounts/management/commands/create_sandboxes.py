"""Create training sandboxes, one per trainee, and write their logins as CSV."""

from __future__ import annotations

import csv
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import sandbox
from security.errors import RamError

CSV_HEADER = ["sandbox", "account_id", "role", "logon_name", "password", "mfa_key"]


class Command(BaseCommand):
    help = "Create N independent sandbox accounts <prefix>-01, <prefix>-02, … and print their logins as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="how many sandboxes (1-500)")
        parser.add_argument("--prefix", default="trainee", help="sandbox names and aliases start with this")
        parser.add_argument("--output", help="write the CSV to this file instead of standard output")
        parser.add_argument(
            "--class", dest="class_name", help="a new class of this name (1-50 sandboxes <name>-NN); replaces --prefix"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count, prefix = options["count"], options["prefix"]
        if not 1 <= count <= 500:
            raise CommandError("--count must be between 1 and 500.")
        try:
            if options["class_name"]:
                training_class = sandbox.training_class_create(name=options["class_name"], count=count)
                created = list(training_class.sandboxes.order_by("name"))
            else:
                created = sandbox.sandboxes_create(prefix=prefix, count=count)
        except RamError as error:
            raise CommandError(error.message) from error
        rows = [
            [made.name, made.account_id, login.role, login.logon_name, login.password, login.mfa_key]
            for made in created
            for login in sandbox.logins_of(made)
        ]
        if options["output"]:
            # A file the trainer opens in a spreadsheet: UTF-8 with a BOM, CRLF (ramconsole/kernel/spreadsheet.py).
            with open(options["output"], "w", newline="", encoding="utf-8-sig") as handle:
                _write_csv(handle, rows, lineterminator="\r\n")
            self.stderr.write(f"{count} sandbox(es) created; logins written to {options['output']}")
        else:
            _write_csv(self.stdout, rows, lineterminator="\n")  # for a pipe: no BOM


def _write_csv(handle: Any, rows: list[list[str]], *, lineterminator: str) -> None:
    writer = csv.writer(handle, lineterminator=lineterminator)
    writer.writerow(CSV_HEADER)
    writer.writerows(rows)
