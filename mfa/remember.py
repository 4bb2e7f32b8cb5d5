"""The "remember this browser for 7 days" cookie: a signed claim naming the device and its binding.

Whether a claim still holds (age, same binding, setting allowed) is decided by security.policy.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from accounts.models import Principal
from mfa.models import VirtualMFADevice
from security import policy

PREFIX = "mfa_remember_"
SALT = "ramconsole.mfa.remember"


def cookie_name(principal: Principal) -> str:
    return f"{PREFIX}{principal.pk}"


def tokens_of(request: HttpRequest) -> dict[str, str]:
    return {name: value for name, value in request.COOKIES.items() if name.startswith(PREFIX)}


def claim_for(principal: Principal, tokens: dict[str, str]) -> dict | None:
    """The verified claim of this browser for `principal`, or None (absent, forged, too old)."""
    token = tokens.get(cookie_name(principal))
    if not token:
        return None
    try:
        # The real-time bound is a backstop; the 7 days themselves are checked on the account clock.
        return signing.loads(token, salt=SALT, max_age=policy.REMEMBER_FOR + timedelta(days=1))
    except signing.BadSignature:
        return None


def remember(response: HttpResponse, *, principal: Principal, device: VirtualMFADevice, now: datetime) -> None:
    claim = {"device": device.pk, "bound": device.bound_at.isoformat(), "issued": now.isoformat()}
    response.set_cookie(
        cookie_name(principal),
        signing.dumps(claim, salt=SALT),
        max_age=int(policy.REMEMBER_FOR.total_seconds()),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
