"""Project middleware: response headers Django 5.2 does not set, the RAM session lifetime, and the
console's answer when its database is down."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user, logout
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.services import logon as logon_services
from ramconsole.gateway.actions import is_api_request
from ramconsole.kernel import clock
from ramconsole.kernel.net import client_ip
from ramconsole.kernel.outages import DATABASE_UNAVAILABLE
from security import policy
from security.selectors import security_preference_of


class ConsoleLocaleMiddleware(LocaleMiddleware):
    """The console speaks the visitor's language (cookie, else Accept-Language); API answers are
    RAM's, whose codes and messages are English whatever the caller's headers or cookies."""

    def process_request(self, request: HttpRequest) -> None:
        if is_api_request(request):
            translation.activate("en")
            request.LANGUAGE_CODE = "en"
            return
        super().process_request(request)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if is_api_request(request):
            return response
        return super().process_response(request, response)


class PermissionsPolicyMiddleware:
    """Adds the Permissions-Policy header, which neither Django nor django-csp (the
    Content-Security-Policy, settings.CONTENT_SECURITY_POLICY) sets."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
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
                logon_services.console_logout(principal=user, source_ip=client_ip(request), reason="SessionExpired")
                logout(request)
                messages.info(request, _("Your session has expired. Log on again."))
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware:
    """A console request that finds the database down gets the 503 page, inside the shell, not a 500.

    Sits right after AuthenticationMiddleware and loads the session's user there, where a dead
    database can still be answered (an exception in a later middleware would already be Django's
    500 by the time it got here); a view's failure arrives through process_exception. The page is
    rendered without the request, so no context processor reaches for the user or the database. An
    API call goes on as anonymous: a console cookie means nothing to the API, whose endpoint answers
    `ServiceUnavailable` itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            request.user = get_user(request)
        except DATABASE_UNAVAILABLE as error:
            if not is_api_request(request):
                return self.unavailable(error)
            request.user = AnonymousUser()
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_UNAVAILABLE) and not is_api_request(request):
            return self.unavailable(exception)
        return None

    @staticmethod
    def unavailable(error: Exception) -> HttpResponse:
        logger.warning("database unavailable, answered 503 (%s: %s)", type(error).__name__, error)
        page = render_to_string("503.html", {"demo_mode": settings.RAMCONSOLE_DEMO_MODE})
        # 503 also keeps SessionMiddleware from saving the session into the dead database.
        return HttpResponse(page, status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


PANEL_REQUEST_HEADER = "X-Console-Panel"
PANEL_LOCATION_HEADER = "X-Console-Location"


class PanelRedirectMiddleware:
    """A form shown in a side panel or dialog (static/js/panels.js) is sent with fetch, which would
    follow a redirect unseen and use up the messages meant for the page it leads to. The script is
    told where the redirect goes instead, and opens that page itself. Innermost, so that the session,
    messages and CSRF middleware still add their cookies to this answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        redirected = response.status_code in (301, 302, 303) and "Location" in response
        if redirected and request.headers.get(PANEL_REQUEST_HEADER):
            answer = HttpResponse(status=204, headers={PANEL_LOCATION_HEADER: response["Location"]})
            answer.cookies = response.cookies
            return answer
        return response
