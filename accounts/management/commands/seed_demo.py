"""Create the demo account: a sandbox seeded through the real services, with the published logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from accounts import demo, sandbox
from accounts.management.commands._output import emit
from accounts.models import Account, Principal, Sandbox


class Command(BaseCommand):
    help = "Create the demo sandbox if it is missing (an existing one is left as it is; reset_sandbox resets it)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        demo_sandbox = Sandbox.objects.filter(name=sandbox.DEMO_SANDBOX_NAME).first()
        if demo_sandbox is None:
            # A demo account from before sandboxes existed is rebuilt as one.
            Account.objects.filter(
                principals__kind=Principal.Kind.ROOT, principals__email__iexact=demo.DEMO_ACCOUNT_EMAIL
            ).delete()
            demo_sandbox = sandbox.sandbox_create(
                name=sandbox.DEMO_SANDBOX_NAME,
                email=demo.DEMO_ACCOUNT_EMAIL,
                alias=demo.DEMO_ACCOUNT_ALIAS,
                logins=sandbox.SeedLogins.published(),
            )
        logins = sandbox.logins_of(demo_sandbox)
        emit(
            self,
            {
                "account_id": demo_sandbox.account_id,
                "logins": [
                    {"role": login.role, "logon_name": login.logon_name, "password": login.password} for login in logins
                ],
                # Add these to an authenticator app to sign in as the users seeded with MFA.
                "mfa_keys": [
                    {"logon_name": login.logon_name, "key": login.mfa_key} for login in logins if login.mfa_key
                ],
            },
            as_json=options["json"],
        )
