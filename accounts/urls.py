from __future__ import annotations

from django.urls import path

from accounts import logon_views, sandbox_idp_views, sandbox_views, sso_views, views
from ramconsole.web import converters  # noqa: F401  (registers <segment:…>)
from reports import views as report_views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", logon_views.logon, name="logon"),
    path("login/mfa/", logon_views.logon_mfa, name="logon-mfa"),
    path("login/demo-mfa-codes/", logon_views.demo_mfa_codes, name="demo-mfa-codes"),
    path("login/mfa/enrol/", logon_views.logon_mfa_enrol, name="logon-mfa-enrol"),
    path("login/password/", logon_views.logon_password, name="logon-password"),
    path("logout/", logon_views.logout_view, name="logout"),
    path("saml/acs/", sso_views.saml_acs, name="saml-acs"),
    path("saml/login/", sso_views.saml_login, name="saml-login"),
    # The Overview is the Security Check (reports); its name stays accounts:overview, the console's home.
    path("overview/", report_views.overview, name="overview"),
    path("sandbox/clock/", sandbox_views.sandbox_clock, name="sandbox-clock"),
    path("sandbox/outbox/", sandbox_views.outbox, name="outbox"),
    path("sandbox/reset/", sandbox_views.sandbox_reset, name="sandbox-reset"),
    path("sandbox/identity-provider/", sandbox_views.sandbox_identity_provider, name="sandbox-identity-provider"),
    path("sandbox/idp/<slug:token>/", sandbox_idp_views.idp_sign_in, name="sandbox-idp"),
    path("sandbox/idp/<slug:token>/metadata.xml", sandbox_idp_views.idp_metadata, name="sandbox-idp-metadata"),
    path("sandbox/idp/<slug:token>/sso/", sandbox_idp_views.idp_sso, name="sandbox-idp-sso"),
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/<segment:user_id>/", views.user_detail, name="user-detail"),
    path("users/<segment:user_id>/edit/", views.user_update, name="user-update"),
    path("users/<segment:user_id>/delete/", views.user_delete, name="user-delete"),
    path("users/<segment:user_id>/policies/", views.user_policy_attach, name="user-policy-attach"),
    path(
        "users/<segment:user_id>/policies/<segment:policy_name>/detach/",
        views.user_policy_detach,
        name="user-policy-detach",
    ),
    path("users/<segment:user_id>/login-profile/new/", views.user_login_profile_create, name="login-profile-create"),
    path("users/<segment:user_id>/login-profile/edit/", views.user_login_profile_update, name="login-profile-update"),
    path("users/<segment:user_id>/login-profile/delete/", views.user_login_profile_delete, name="login-profile-delete"),
    path("users/<segment:user_id>/login-profile/unlock/", views.user_login_profile_unlock, name="login-profile-unlock"),
]
