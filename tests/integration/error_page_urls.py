"""The console's URLs plus two views that fail, for tests/integration/test_error_pages.py."""

from __future__ import annotations

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from ramconsole.urls import handler400, handler403, handler404, handler500
from ramconsole.urls import urlpatterns as console_urlpatterns

TRACEBACK_MARKER = "error-page-test-failure-7f3a"


def fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(TRACEBACK_MARKER)


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation(TRACEBACK_MARKER)


urlpatterns = [path("test-fails/", fails), path("test-suspicious/", suspicious), *console_urlpatterns]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
