from __future__ import annotations

from django.urls import path

from mfa import views
from ramconsole.web import converters  # noqa: F401  (registers <segment:…>)

app_name = "mfa"

urlpatterns = [
    path("users/<segment:user_id>/mfa/enable/", views.mfa_enable, name="user-enable"),
    path("users/<segment:user_id>/mfa/disable/", views.mfa_disable, name="user-disable"),
    path("security/mfa/enable/", views.mfa_enable, name="own-enable"),
    path("security/mfa/disable/", views.mfa_disable, name="own-disable"),
    path("security-settings/account-protection/", views.account_protection, name="account-protection"),
    path("security-settings/account-protection/off/", views.account_protection_off, name="account-protection-off"),
]
