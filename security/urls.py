from __future__ import annotations

from django.urls import path

from accounts import identity_views
from security import domain_views, sso_views, views

app_name = "security"

urlpatterns = [
    path("settings/", views.settings_page, name="settings"),
    path("settings/password-rule/", views.password_policy_edit, name="password-policy"),
    path("settings/user-security/", views.security_preference_edit, name="security-preference"),
    path("settings/default-domain/", domain_views.default_domain_update, name="default-domain"),
    path("settings/domain-alias/", domain_views.domain_alias_create, name="domain-alias-create"),
    path("settings/domain-alias/verify/", domain_views.domain_alias_verify, name="domain-alias-verify"),
    path("settings/domain-alias/delete/", domain_views.domain_alias_delete, name="domain-alias-delete"),
    path("settings/dns-records/", domain_views.dns_records, name="dns-records"),
    path("settings/dns-records/new/", domain_views.dns_record_create, name="dns-record-create"),
    path("settings/dns-records/<int:record_id>/delete/", domain_views.dns_record_delete, name="dns-record-delete"),
    path("settings/sso/", sso_views.user_sso, name="user-sso"),
    path("settings/sso/edit/", sso_views.user_sso_edit, name="user-sso-edit"),
    path("settings/sso/sp-metadata.xml", sso_views.sp_metadata, name="sp-metadata"),
    path("security-settings/login-mask/", views.root_login_mask, name="root-login-mask"),
    # One's own identity pages are accounts' (accounts/identity_views.py); their names stay security:.
    path("security-settings/", identity_views.root_security_settings, name="root-security-settings"),
    path("security-settings/password/verify/", identity_views.root_password_verify, name="root-password-verify"),
    path("security-settings/password/", identity_views.root_password_change, name="root-password-change"),
    path("security/", identity_views.self_service, name="self-service"),
    path("security/password/", identity_views.self_password_change, name="self-password"),
    path("events/", views.event_list, name="event-list"),
    path("events/export.csv", views.event_export, name="event-export"),
]
