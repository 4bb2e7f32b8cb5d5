"""The User AccessKeys section, one component for the three pages that show it: a RAM user's page
(administrators), the root's Security Settings and a RAM user's own Security page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django import template

from accesskeys import selectors
from accesskeys.links import access_key_url
from ramconsole.kernel import clock
from security import policy

if TYPE_CHECKING:
    from accesskeys.models import AccessKey
    from accounts.models import Principal

register = template.Library()


@dataclass(frozen=True)
class AccessKeyRow:
    """One line of a User AccessKeys table, with its links."""

    key: AccessKey
    rotation_due: bool
    status_url: str
    delete_url: str
    rotate_url: str


@register.inclusion_tag("accesskeys/_access_key_section.html")
def access_key_section(owner: Principal, viewer: Principal, keys: Iterable[AccessKey] | None = None) -> dict:
    """`owner`'s keys as `viewer` sees them: what the viewer may do, where to create. `keys`: the
    owner's keys when the page has read them already (its status counts them)."""
    now = clock.now(owner.account)
    rows = [
        AccessKeyRow(
            key=key,
            rotation_due=policy.is_rotation_due(key.created_at, now=now),
            status_url=access_key_url(owner, viewer, "status", key.access_key_id),
            delete_url=access_key_url(owner, viewer, "delete", key.access_key_id),
            rotate_url=access_key_url(owner, viewer, "rotate", key.access_key_id),
        )
        for key in (selectors.access_keys_of(owner) if keys is None else keys)
    ]
    return {
        "access_key_rows": rows,
        "access_keys_manageable": policy.can_manage_access_keys_of(viewer, owner),
        "access_key_create_url": access_key_url(owner, viewer, "create"),
        "access_key_limit_reached": not policy.can_add_access_key(existing_count=len(rows)),
        "access_key_owner_is_root": owner.is_root,
    }
