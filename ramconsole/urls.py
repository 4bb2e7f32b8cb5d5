from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from accounts import logon_views
from ramconsole.web import errors, health

urlpatterns = [
    path("health", health.health, name="health"),
    path("", include("accounts.urls")),
    path("", include("security.urls")),
    path("", include("accesskeys.urls")),
    path("", include("mfa.urls")),
    path("", include("reports.urls")),
    # The language menu (logon page and top bar): the browser's cookie, and the identity's choice.
    path("i18n/setlang/", logon_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

# The error pages inside the console shell (with DEBUG on too: ramconsole.web.errors.DebugPageMiddleware).
handler400 = errors.bad_request
handler403 = errors.forbidden
handler404 = errors.not_found
handler500 = errors.server_error
