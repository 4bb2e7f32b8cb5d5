from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from ramconsole import health

urlpatterns = [
    path("health", health.health, name="health"),
    path("", include("accounts.urls")),
    path("", include("security.urls")),
    path("", include("accesskeys.urls")),
    path("", include("mfa.urls")),
    path("", include("reports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
