"""Seed the demo account through the real services, so every seeded state is one the rules allow."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

import pyotp
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from accesskeys import services as access_key_services
from accounts import demo, selectors, services
from accounts.actors import Actor
from accounts.management.commands._output import emit
from accounts.models import Principal
from mfa import services as mfa_services
from ramconsole import clock
from security import services as security_services
from security.errors import EntityNotExist, LogonRefused
from security.selectors import password_policy_of


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
        if password_policy_of(account).pk is None:
            security_services.password_policy_update(actor=actor, **demo.DEMO_PASSWORD_POLICY)
        now = clock.now(account)
        mfa_keys: dict[str, str] = {}
        for spec in demo.DEMO_USERS:
            try:
                selectors.ram_user_get_by_name(account=account, name=spec.name)
                continue
            except EntityNotExist:
                pass
            user = services.ram_user_create(
                actor=actor,
                name=spec.name,
                display_name=spec.display_name,
                comments=spec.comments,
                now=now - timedelta(days=demo.DEMO_USER_AGE_DAYS),
            )
            if spec.password:
                services.login_profile_create(
                    actor=actor,
                    user=user,
                    password=spec.password,
                    mfa_required=spec.mfa_required,
                    now=now - timedelta(days=spec.password_age_days),
                )
            if spec.mfa:
                mfa_keys[user.upn] = self._bind_mfa(actor, user)
            if spec.policy:
                services.policy_attach(actor=actor, user=user, policy_name=spec.policy)
            if spec.locked:
                self._lock_out(user)
            for created_days_ago, used_days_ago in spec.access_keys:
                created = access_key_services.access_key_create(
                    actor=actor, user=user, now=now - timedelta(days=created_days_ago)
                )
                if used_days_ago is not None:
                    # The same service the API calls when a key signs a request.
                    access_key_services.access_key_mark_used(
                        access_key=created.access_key, now=now - timedelta(days=used_days_ago)
                    )
        emit(
            self,
            {
                "account_id": account.account_id,
                "logins": [
                    {"role": login.role, "logon_name": login.logon_name, "password": login.password}
                    for login in demo.DEMO_LOGINS
                ],
                # Shown once, like the console's enrolment page: add it to an authenticator app.
                "mfa_keys": [{"logon_name": upn, "key": key} for upn, key in mfa_keys.items()],
            },
            as_json=options["json"],
        )

    @staticmethod
    def _lock_out(user: Principal) -> None:
        """Wrong passwords through the real logon pipeline until the retry limit locks the user."""
        for _attempt in range(demo.DEMO_PASSWORD_POLICY["max_login_attempts"]):
            with contextlib.suppress(LogonRefused):
                services.console_logon(
                    logon_name=user.upn, password=demo.DEMO_WRONG_PASSWORD, source_ip=demo.DEMO_ATTACKER_IP
                )

    @staticmethod
    def _bind_mfa(actor: Actor, user: Principal) -> str:
        """Enrol and bind a device through the real services, with two consecutive codes of now."""
        enrolment = mfa_services.mfa_enrolment_start(actor=actor, user=user)
        totp = pyotp.TOTP(enrolment.seed)
        moment = clock.phone_now()
        mfa_services.mfa_device_bind(
            actor=actor,
            user=user,
            device=enrolment.device,
            code1=totp.at(moment - timedelta(seconds=30)),
            code2=totp.at(moment),
        )
        return enrolment.seed
