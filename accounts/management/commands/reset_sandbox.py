"""Reset a sandbox to its seed state (same account ID, alias and logins)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import sandbox, selectors


class Command(BaseCommand):
    help = "Reset a sandbox, named by its sandbox name, account ID or alias, to its seed state."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sandbox", help="sandbox name, account ID or alias")

    def handle(self, *args: Any, **options: Any) -> None:
        key = options["sandbox"]
        found = selectors.sandbox_find(key)
        if found is None:
            raise CommandError(f"No sandbox is named {key!r} (see `manage.py create_sandboxes`).")
        account = sandbox.sandbox_reset(sandbox=found, operator="manage.py reset_sandbox")
        self.stdout.write(f"{found.name} (account {account.account_id}) is back to its seed state.")
