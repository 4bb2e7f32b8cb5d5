"""Create an AccessKey for a RAM user (UPN) or an account (root email), for scripted sandbox set-up."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accesskeys import services
from accounts import selectors
from accounts.actors import Actor
from accounts.management.commands._output import emit
from security.errors import RamError


class Command(BaseCommand):
    help = (
        "Create an AccessKey, acting as the account's root. Prints the ID and the secret once; "
        "the secret cannot be retrieved later. At most two keys per identity."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("identity", help="a RAM user's UPN, or an account's root logon email")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        owner = selectors.principal_for_logon_name(options["identity"])
        if owner is None:
            raise CommandError(f"No RAM user or account is named {options['identity']!r}.")
        try:
            created = services.access_key_create(actor=Actor(principal=selectors.root_of(owner.account)), user=owner)
        except RamError as error:
            raise CommandError(f"{error.code}: {error.message}") from None
        emit(
            self,
            {
                "identity": owner.logon_name,
                "access_key_id": created.access_key.access_key_id,
                "access_key_secret": created.secret,
            },
            as_json=options["json"],
        )
