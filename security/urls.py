from __future__ import annotations

from django.urls import path

from security import views

app_name = "security"

urlpatterns = [
    path("settings/", views.settings_page, name="settings"),
    path("security-settings/", views.root_security_settings, name="root-security-settings"),
    path("security/", views.self_service, name="self-service"),
    path("events/", views.event_list, name="event-list"),
    path("events/export.csv", views.event_export, name="event-export"),
]
