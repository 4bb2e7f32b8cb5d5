"""Where an AccessKey page lives: the own-key pages when the viewer manages its own keys (the
root's Security Settings, a RAM user's Security page), the RAM user's pages for an administrator."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

if TYPE_CHECKING:
    from accounts.models import Principal


def access_key_url(owner: Principal, viewer: Principal, name: str, *args: str) -> str:
    if owner.pk == viewer.pk:
        return reverse(f"accesskeys:own-{name}", args=args)
    return reverse(f"accesskeys:user-{name}", args=[owner.user_id, *args])
