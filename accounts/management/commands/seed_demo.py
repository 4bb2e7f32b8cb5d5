"""Create the demo account: a sandbox seeded through the real services, with the published logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.urls import reverse

from accounts import sandbox, sandbox_idp, selectors
from accounts.management.commands._output import emit


class Command(BaseCommand):
    help = "Create the demo sandbox if it is missing (an existing one is left as it is; reset_sandbox resets it)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        demo_sandbox = sandbox.demo_sandbox_ensure()
        logins = sandbox.logins_of(demo_sandbox)
        idp = sandbox_idp.identity_provider_of(selectors.account_find(demo_sandbox.account_id))
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
                # User SSO starts off; the sandbox identity provider's sign-in page, once it is trusted.
                "sso_identity_provider": reverse("accounts:sandbox-idp", args=[idp.token]),
            },
            as_json=options["json"],
        )
