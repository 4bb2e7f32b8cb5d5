"""A pending logon: credentials accepted, steps (such as a forced password change) still to do.

It lives in the session but is not a logon: the user stays anonymous until every step is done,
so no other page is reachable meanwhile. It lapses after a few minutes. `start_session` ends it in
the console session, the same for a password logon (accounts/logon_views.py) and an SSO logon
(accounts/sso_views.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import Principal
from accounts.services import accounts as account_services
from ramconsole.kernel import clock
from ramconsole.web.middleware import SESSION_STARTED_KEY

SESSION_KEY = "pending_logon"
# A language chosen on the logon page, before anyone is known: the logon makes it the identity's choice.
LANGUAGE_CHOSEN_KEY = "language_chosen"
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


def start_session(request: HttpRequest, principal: Principal, *, next_url: str) -> HttpResponse:
    """The console session starts: Logon Session Valid For is counted from here
    (ramconsole/web/middleware.py SessionLifetimeMiddleware), on the account's clock."""
    clear(request)
    chosen_language = request.session.pop(LANGUAGE_CHOSEN_KEY, None)
    login(request, principal, backend="accounts.backends.LogonNameBackend")  # rotates the session key
    request.session[SESSION_STARTED_KEY] = clock.now(principal.account).isoformat()
    if chosen_language:
        account_services.principal_language_update(principal=principal, language=chosen_language)
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        response = redirect(next_url)
    else:
        response = redirect("accounts:overview")
    if principal.language:
        set_language_cookie(response, principal.language)  # the identity's choice follows it to this browser
    return response


def set_language_cookie(response: HttpResponse, language: str) -> None:
    """The same cookie as Django's set_language view writes."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
