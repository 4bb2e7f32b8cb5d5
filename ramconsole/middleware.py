"""Project middleware: response headers Django 5.2 does not set, and the RAM session lifetime."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from accounts import services as account_services
from ramconsole import clock
from ramconsole.net import client_ip
from security import policy
from security.selectors import security_preference_of


class ContentSecurityPolicyMiddleware:
    """Adds the project's Content-Security-Policy (Django only gains a built-in one in 6.0)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


SESSION_STARTED_KEY = "logon_at"


class SessionLifetimeMiddleware:
    """Ends a RAM user's console session once Logon Session Valid For has passed since logon.

    Checked on every request against the current setting, so shortening it also ends sessions that
    already exist. Time is the account's clock (the sandbox clock moves it too).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and getattr(user, "is_ram_user", False):
            now = clock.now(user.account)
            stamp = request.session.get(SESSION_STARTED_KEY)
            if stamp is None:  # a session from before the stamp existed: its lifetime starts now
                request.session[SESSION_STARTED_KEY] = now.isoformat()
            elif policy.is_session_expired(
                datetime.fromisoformat(stamp), security_preference_of(user.account), now=now
            ):
                account_services.console_logout(principal=user, source_ip=client_ip(request), reason="SessionExpired")
                logout(request)
                messages.info(request, _("Your session has expired. Log on again."))
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)
