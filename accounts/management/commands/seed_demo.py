"""Seed the demo account through the real services, so every seeded state is one the rules allow."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from accounts import demo, selectors, services
from accounts.actors import Actor
from accounts.management.commands._output import emit
from security.errors import EntityNotExist


class Command(BaseCommand):
    help = "Create the demo account and its RAM users (idempotent: missing parts are added, nothing is reset)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        account = selectors.account_by_root_email(demo.DEMO_ACCOUNT_EMAIL)
        if account is None:
            account = services.account_create(
                email=demo.DEMO_ACCOUNT_EMAIL, password=demo.DEMO_ROOT_PASSWORD, alias=demo.DEMO_ACCOUNT_ALIAS
            )
        actor = Actor(principal=selectors.root_of(account))
        for spec in demo.DEMO_USERS:
            try:
                selectors.ram_user_get_by_name(account=account, name=spec.name)
                continue
            except EntityNotExist:
                pass
            user = services.ram_user_create(
                actor=actor, name=spec.name, display_name=spec.display_name, comments=spec.comments
            )
            if spec.password:
                services.login_profile_create(actor=actor, user=user, password=spec.password)
            if spec.policy:
                services.policy_attach(actor=actor, user=user, policy_name=spec.policy)
        emit(
            self,
            {
                "account_id": account.account_id,
                "logins": [
                    {"role": login.role, "logon_name": login.logon_name, "password": login.password}
                    for login in demo.DEMO_LOGINS
                ],
            },
            as_json=options["json"],
        )
