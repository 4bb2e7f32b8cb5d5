"""Writes of AccessKeys. The plain secret leaves this module once: in what access_key_create returns."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from accesskeys import selectors
from accesskeys.models import AccessKey
from accounts import notices
from accounts.actors import Actor
from accounts.models import Principal
from ramconsole.kernel import clock, crypto
from security import events, policy
from security.errors import InvalidParameter

ALPHANUMERIC = string.ascii_letters + string.digits
ACTION_BY_STATUS = {AccessKey.Status.ACTIVE: "Enable", AccessKey.Status.INACTIVE: "Disable"}


def _random_alphanumeric(length: int) -> str:
    return "".join(secrets.choice(ALPHANUMERIC) for _ in range(length))


@dataclass(frozen=True)
class CreatedAccessKey:
    """A new key and its secret, to be shown once and never again."""

    access_key: AccessKey
    secret: str = field(repr=False)


def _target(owner: Principal) -> str:
    return owner.upn if owner.is_ram_user else owner.email


def _check(actor: Actor, action: str, owner: Principal) -> None:
    policy.check_allowed(actor.principal, action, target=owner)
    policy.check_can_manage_credentials_of(actor.principal, owner)


@events.audited("CreateAccessKey")
def access_key_create(*, actor: Actor, user: Principal, now: datetime | None = None) -> CreatedAccessKey:
    """CreateAccessKey: ID `LTAI` + 20 alphanumerics, secret 30 alphanumerics; two per identity."""
    _check(actor, "CreateAccessKey", user)
    # The owner's row lock serialises concurrent creates, so the two-key limit holds under load.
    owner = Principal.objects.select_for_update(of=("self",)).select_related("account").get(pk=user.pk)
    now = now or clock.now(owner.account)
    policy.check_can_add_access_key(existing_count=selectors.access_key_count(owner))
    secret = _random_alphanumeric(30)
    key = AccessKey.objects.create(
        principal=owner,
        access_key_id="LTAI" + _random_alphanumeric(20),
        secret_encrypted=crypto.encrypt(secret),
        created_at=now,
        updated_at=now,
    )
    _record(actor, "CreateAccessKey", owner, now, key)
    notices.access_key_created(owner=owner, access_key_id=key.access_key_id, created_by=actor.display_name, at=now)
    return CreatedAccessKey(access_key=key, secret=secret)


@events.audited("UpdateAccessKey")
def access_key_update_status(
    *,
    actor: Actor,
    user: Principal,
    access_key_id: str,
    status: str,
    recent_use_confirmed: bool = True,
    now: datetime | None = None,
) -> AccessKey:
    """UpdateAccessKey: Active or Inactive. An inactive key no longer signs requests."""
    _check(actor, "UpdateAccessKey", user)
    if status not in AccessKey.Status.values:
        raise InvalidParameter('The parameter - "Status" is incorrect.', code="InvalidParameter.Status", field="status")
    key = selectors.access_key_get(user, access_key_id)
    now = now or clock.now(user.account)
    if status == AccessKey.Status.INACTIVE:
        policy.check_not_recently_used(key.last_used_at, now=now, confirmed=recent_use_confirmed)
    key.status = status
    key.updated_at = now
    key.save(update_fields=["status", "updated_at"])
    _record(actor, "UpdateAccessKey", user, now, key, {"Status": status})
    return key


@events.audited("DeleteAccessKey")
def access_key_delete(*, actor: Actor, user: Principal, access_key_id: str, now: datetime | None = None) -> None:
    """DeleteAccessKey."""
    _check(actor, "DeleteAccessKey", user)
    key = selectors.access_key_get(user, access_key_id)
    now = now or clock.now(user.account)
    key.delete()
    _record(actor, "DeleteAccessKey", user, now, key)


def access_key_mark_used(*, access_key: AccessKey, now: datetime | None = None) -> bool:
    """ "Last used" of a key that just signed a request; at most one write per key per minute."""
    now = now or clock.now(access_key.principal.account)
    if not policy.should_record_use(access_key.last_used_at, now=now):
        return False
    with transaction.atomic():
        AccessKey.objects.filter(pk=access_key.pk).update(last_used_at=now)
    access_key.last_used_at = now
    return True


def _record(
    actor: Actor, action: str, owner: Principal, now: datetime, key: AccessKey, detail: dict | None = None
) -> None:
    events.record_by(actor, action, _target(owner), now, {"AccessKeyId": key.access_key_id, **(detail or {})})
