"""Create a RAM user in an account, optionally with console logon and a system policy."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts import selectors
from accounts.actors import Actor
from accounts.management.commands._output import emit
from accounts.models import SystemPolicy
from accounts.services import login_profiles as login_profile_services
from accounts.services import users as user_services
from security.errors import RamError


class Command(BaseCommand):
    help = "Create a RAM user, acting as the account's root (recorded as such in the events)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("account", help="account ID or alias")
        parser.add_argument("name", help="user name, 1-64 of [A-Za-z0-9._-]")
        parser.add_argument("--display-name", default="", help="display name (default: the user name)")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", default="", help="enable console logon with this password")
        parser.add_argument("--policy", choices=SystemPolicy.values, help="attach this system policy")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        account = selectors.account_find(options["account"])
        if account is None:
            raise CommandError(f"No account with ID or alias {options['account']!r}.")
        actor = Actor(principal=selectors.root_of(account))
        try:
            with transaction.atomic():  # all or nothing, like the console's Create User
                user = user_services.ram_user_create(
                    actor=actor,
                    name=options["name"],
                    display_name=options["display_name"] or options["name"],
                    email=options["email"],
                )
                if options["password"]:
                    login_profile_services.login_profile_create(actor=actor, user=user, password=options["password"])
                if options["policy"]:
                    user_services.policy_attach(actor=actor, user=user, policy_name=options["policy"])
        except RamError as error:
            raise CommandError(f"{error.code}: {error.message}") from None
        emit(
            self,
            {
                "user_id": user.user_id,
                "user_name": user.name,
                "logon_name": user.upn,
                "console_logon": bool(options["password"]),
                "policy": options["policy"] or "",
            },
            as_json=options["json"],
        )
