"""Reads of AccessKeys, always through their owner."""

from __future__ import annotations

from django.db.models import QuerySet

from accesskeys.models import AccessKey
from accounts.models import Principal
from security.errors import EntityNotExist


def access_keys_of(principal: Principal) -> QuerySet[AccessKey]:
    return AccessKey.objects.filter(principal=principal).order_by("created_at", "id")


def access_key_count(principal: Principal) -> int:
    return AccessKey.objects.filter(principal=principal).count()


def access_key_get(principal: Principal, access_key_id: str) -> AccessKey:
    """One key of `principal`; a key of anyone else does not exist here."""
    key = AccessKey.objects.filter(principal=principal, access_key_id=access_key_id).first()
    if key is None:
        raise EntityNotExist("The user access key does not exist.", code="EntityNotExist.User.AccessKey")
    return key


def access_key_by_id(access_key_id: str) -> AccessKey | None:
    """The key that signed an API request, with its owner (for the API's signature check)."""
    return AccessKey.objects.select_related("principal__account").filter(access_key_id=access_key_id).first()
