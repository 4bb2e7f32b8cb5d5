"""The console's error pages (400, 403, 404, 500, CSRF failure), inside the shell, with DEBUG on or off.

With DEBUG on (`make run`) Django answers an unmatched URL with its debug 404, which lists every
URL pattern, and an exception with its debug 500, which shows the traceback and settings. A visitor
must see neither: `DebugPageMiddleware` puts the shell's page in their place. The traceback still
reaches the terminal, because Django logs it (logger `django.request`) before it builds any page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from ramconsole.gateway.actions import API_ANSWER

# Set on every response built here: DebugPageMiddleware leaves those alone.
SHELL_PAGE = "console_error_page"


def _page(template: str, status: int, request: HttpRequest | None) -> HttpResponse:
    page = render_to_string(template, {"demo_mode": settings.RAMCONSOLE_DEMO_MODE}, request)
    response = HttpResponse(page, status=status)
    setattr(response, SHELL_PAGE, True)
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Without the request: a bad Host header (DisallowedHost) would be raised again while rendering.
    return _page("400.html", 400, None)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page("403.html", 403, request)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page("404.html", 404, request)


def server_error(request: HttpRequest) -> HttpResponse:
    # Without the request: whatever failed (the database, a context processor) is not asked again.
    return _page("500.html", 500, None)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW. Django logs the reason; the visitor is told what to do."""
    return _page("403_csrf.html", 403, request)


# The statuses for which Django builds a debug page when DEBUG is on.
_DEBUG_PAGES: dict[int, Callable[[HttpRequest], HttpResponse]] = {400: bad_request, 404: not_found, 500: server_error}


class DebugPageMiddleware:
    """With DEBUG on, an error answer that is not one of the shell's pages (so Django's debug page)
    is replaced by the shell's. First in MIDDLEWARE, so it also sees what the other middleware
    raise (a bad Host header); CommonMiddleware inside it still redirects `/users` to `/users/` on
    the 404. The API endpoint's answers are RAM's own (marked API_ANSWER) and are left alone; a
    request that merely carries `Action=` gets no debug page either."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        replace = _DEBUG_PAGES.get(response.status_code)
        ours = getattr(response, SHELL_PAGE, False) or getattr(response, API_ANSWER, False)
        if settings.DEBUG and replace and not ours:
            return replace(request)
        return response
