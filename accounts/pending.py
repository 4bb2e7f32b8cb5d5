"""A pending logon: credentials accepted, steps (such as a forced password change) still to do.

It lives in the session but is not a logon: the user stays anonymous until every step is done,
so no other page is reachable meanwhile. It lapses after a few minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Principal

SESSION_KEY = "pending_logon"
LIFETIME = timedelta(minutes=10)


@dataclass(frozen=True)
class PendingLogon:
    principal: Principal
    steps: list[str]
    next_url: str

    @property
    def step(self) -> str | None:
        return self.steps[0] if self.steps else None


def start(request: HttpRequest, *, principal: Principal, steps: list[str], next_url: str) -> None:
    request.session.cycle_key()  # a new key for the new privilege level, as login() does
    request.session[SESSION_KEY] = {
        "principal": principal.pk,
        "steps": steps,
        "next": next_url,
        "expires": (timezone.now() + LIFETIME).isoformat(),
    }


def get(request: HttpRequest) -> PendingLogon | None:
    data = request.session.get(SESSION_KEY)
    if not data or datetime.fromisoformat(data["expires"]) <= timezone.now():
        return None
    principal = Principal.objects.select_related("account", "login_profile").filter(pk=data["principal"]).first()
    if principal is None:
        return None
    return PendingLogon(principal=principal, steps=list(data["steps"]), next_url=data.get("next", ""))


def complete_step(request: HttpRequest, step: str) -> list[str]:
    """Mark `step` done; returns the steps still left."""
    data = request.session[SESSION_KEY]
    data["steps"] = [s for s in data["steps"] if s != step]
    request.session[SESSION_KEY] = data
    return data["steps"]


def clear(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
