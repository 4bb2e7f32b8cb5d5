from __future__ import annotations

from django.urls import path

from accesskeys import views
from ramconsole.web import converters  # noqa: F401  (registers <segment:…>)

app_name = "accesskeys"

urlpatterns = [
    # A RAM user's keys, managed by an administrator.
    path("users/<segment:user_id>/accesskeys/new/", views.access_key_create, name="user-create"),
    path(
        "users/<segment:user_id>/accesskeys/<segment:access_key_id>/status/",
        views.access_key_status,
        name="user-status",
    ),
    path(
        "users/<segment:user_id>/accesskeys/<segment:access_key_id>/delete/",
        views.access_key_delete,
        name="user-delete",
    ),
    path(
        "users/<segment:user_id>/accesskeys/<segment:access_key_id>/rotate/",
        views.access_key_rotate,
        name="user-rotate",
    ),
    # The caller's own keys: the root's, or a RAM user's when Manage AccessKey is allowed.
    path("accesskeys/new/", views.access_key_create, name="own-create"),
    path("accesskeys/<segment:access_key_id>/status/", views.access_key_status, name="own-status"),
    path("accesskeys/<segment:access_key_id>/delete/", views.access_key_delete, name="own-delete"),
    path("accesskeys/<segment:access_key_id>/rotate/", views.access_key_rotate, name="own-rotate"),
]
