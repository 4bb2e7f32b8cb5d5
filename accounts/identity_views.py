"""The pages of one's own identity: the root's Security Settings and its Login Password change,
a RAM user's Security page and its Change Password. They show and change the signed-in identity
(its password through accounts' services, its AccessKeys and MFA through their components), so
they are accounts' pages, not security's. The Login Mask, although reached from Security
Settings, stays in security.views: it sets an account-wide network rule (security's service and
form), with the same address tester as the RAM users' security settings.

Their URLs keep the security: names and paths they always had (security/urls.py routes them here)."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from accounts.actors import actor_of
from accounts.forms import SelfPasswordChangeForm
from accounts.identity import verify_identity
from accounts.services import passwords as password_services
from mfa import selectors as mfa_selectors
from ramconsole.kernel import clock
from ramconsole.web.decorators import requires_account_member, requires_root
from security import policy
from security.forms import RootPasswordForm
from security.selectors import password_policy_of

IDENTITY_SESSION_KEY = "identity_verified_at"


@requires_root
@require_safe
def root_security_settings(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/root_security_settings.html",
        {
            "account": request.user.account,
            "mfa_device": mfa_selectors.device_of(request.user),
        },
    )


@requires_account_member
@require_safe
def self_service(request: HttpRequest) -> HttpResponse:
    if policy.is_root(request.user):  # the RAM user's page; the root's own is Security Settings
        return redirect("security:root-security-settings")
    if not policy.can(request.user, "GetUser", target=request.user):
        raise PermissionDenied
    return render(
        request,
        "accounts/self_service.html",
        {
            "ram_user": request.user,
            "can_change_password": policy.can_change_own_password(request.user),
            "can_manage_access_keys": policy.can(request.user, "CreateAccessKey", target=request.user),
            "can_manage_mfa": policy.can(request.user, "BindMFADevice", target=request.user),
            "mfa_device": mfa_selectors.device_of(request.user),
        },
    )


@sensitive_post_parameters("password")
@requires_root
@require_http_methods(["GET", "POST"])
def root_password_verify(request: HttpRequest) -> HttpResponse:
    """Login Password > Change, step 1: Verify Identity."""
    form, verified_at = verify_identity(request, mfa_available=mfa_selectors.device_of(request.user) is not None)
    if verified_at is not None:
        request.session[IDENTITY_SESSION_KEY] = verified_at.isoformat()
        return redirect("security:root-password-change")
    return render(request, "accounts/root_password_verify.html", {"form": form})


@sensitive_post_parameters("new_password", "confirm_password")
@requires_root
@require_http_methods(["GET", "POST"])
def root_password_change(request: HttpRequest) -> HttpResponse:
    """Login Password > Change, step 2: the new password (within minutes of Verify Identity)."""
    stamp = request.session.get(IDENTITY_SESSION_KEY)
    verified_at = datetime.fromisoformat(stamp) if stamp else None
    if not policy.is_identity_verification_fresh(verified_at, now=clock.now(request.user.account)):
        return redirect("security:root-password-verify")
    form = RootPasswordForm(request.POST if request.method == "POST" else None, rules=policy.root_password_help_texts())
    if request.method == "POST" and form.is_valid():
        form.call_service(
            password_services.root_password_change,
            actor=actor_of(request),
            new_password=form.cleaned_data["new_password"],
            verified_at=verified_at,
        )
        if not form.errors:
            request.session.pop(IDENTITY_SESSION_KEY, None)
            update_session_auth_hash(request, request.user)
            messages.success(request, _("The logon password is changed."))
            return redirect("security:root-security-settings")
    return render(request, "accounts/root_password_change.html", {"form": form})


@sensitive_post_parameters("old_password", "new_password", "confirm_password")
@requires_account_member
@require_http_methods(["GET", "POST"])
def self_password_change(request: HttpRequest) -> HttpResponse:
    """A RAM user changes its own password (Manage Passwords)."""
    if not policy.can_change_own_password(request.user):
        raise PermissionDenied
    rule = password_policy_of(request.user.account)
    form = SelfPasswordChangeForm(
        request.POST if request.method == "POST" else None,
        rules=policy.password_help_texts(rule),
        check=policy.ram_user_new_password_check(request.user, rule),
    )
    if request.method == "POST" and form.is_valid():
        form.call_service(
            password_services.password_change,
            actor=actor_of(request),
            old_password=form.cleaned_data["old_password"],
            new_password=form.cleaned_data["new_password"],
        )
        if not form.errors:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password is changed."))
            return redirect("security:self-service")
    return render(request, "accounts/self_password_change.html", {"form": form})
