"""Who is calling a service: a principal, from where, and by which means."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from accounts.models import Account, Principal
from ramconsole.kernel.net import client_ip


@dataclass(frozen=True)
class Actor:
    """The caller of a service. `access_key_id` is set when an API request was signed with a key."""

    principal: Principal
    source_ip: str | None = None
    access_key_id: str = ""

    @property
    def account(self) -> Account | None:
        return self.principal.account

    @property
    def display_name(self) -> str:
        return self.access_key_id or self.principal.logon_name


def actor_of(request: HttpRequest) -> Actor:
    """The signed-in principal of a console request, as a service caller."""
    return Actor(principal=request.user, source_ip=client_ip(request))
