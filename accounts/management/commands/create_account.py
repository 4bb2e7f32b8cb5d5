"""Create an Alibaba Cloud account (tenant) with its root logon."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.management.commands._output import emit
from accounts.services import accounts as account_services
from security.errors import RamError


class Command(BaseCommand):
    help = "Create an Alibaba Cloud account: a 16-digit account ID and a root identity that logs on by email."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="the root logon email")
        parser.add_argument("--password", required=True, help="the root password (≥ 6 chars, two kinds)")
        parser.add_argument("--alias", default="", help="account alias (default: the account ID)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            account = account_services.account_create(
                email=options["email"], password=options["password"], alias=options["alias"]
            )
        except RamError as error:
            raise CommandError(f"{error.code}: {error.message}") from None
        emit(
            self,
            {
                "account_id": account.account_id,
                "alias": account.alias,
                "default_domain": account.default_domain,
                "logon_name": options["email"],
            },
            as_json=options["json"],
        )
