"""MFA pages: a RAM user's device (administrators), one's own device (self-service), and the
account's Account Protection (root)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.actors import actor_of
from accounts.identity import verify_identity
from mfa import selectors, services
from mfa.forms import MfaBindForm, MfaCodeForm
from ramconsole.web.decorators import credential_owner, requires_account_member, requires_root
from ramconsole.web.forms import ConfirmForm
from security.errors import RamError

if TYPE_CHECKING:
    from accounts.models import Principal

ENROLMENT_KEY = "mfa_enrolment_{}"
PROTECTION_STEP_KEY = "account_protection_step"


def _home(request: HttpRequest, owner: Principal) -> str:
    if owner.pk != request.user.pk:
        return reverse("accounts:user-detail", args=[owner.user_id])
    return reverse("security:self-service")


@sensitive_post_parameters("code1", "code2")
@never_cache
@requires_account_member
@require_http_methods(["GET", "POST"])
def mfa_enable(request: HttpRequest, user_id: str | None = None) -> HttpResponse:
    """Enable the Virtual MFA Device (administrator) / Enable MFA Device (self-service):
    scan, then two consecutive codes, then Enable."""
    owner = credential_owner(request, user_id, "BindMFADevice")
    home = _home(request, owner)
    if owner.is_root:
        raise PermissionDenied  # the account's MFA is Account Protection
    session_key = ENROLMENT_KEY.format(owner.pk)
    if request.method == "POST" and "start" in request.POST:
        try:
            device = services.mfa_enrolment_start(actor=actor_of(request), user=owner).device
        except RamError as refusal:
            messages.error(request, refusal.console_message)
            return redirect(home)
        request.session[session_key] = device.pk
        return redirect(request.path)
    device = selectors.enrolment_device(principal=owner, device_id=request.session.get(session_key))
    if device is None:  # no enrolment started (or it lapsed): offer to start one
        return render(request, "mfa/mfa_enable.html", {"owner": owner, "home": home})
    form = MfaBindForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        form.call_service(
            services.mfa_device_bind, actor=actor_of(request), user=owner, device=device, **form.cleaned_data
        )
        if not form.errors:
            request.session.pop(session_key, None)
            messages.success(request, _("The virtual MFA device is enabled."))
            return redirect(home)
    return render(request, "mfa/mfa_enable.html", {"form": form, "owner": owner, "home": home, "device": device})


@requires_account_member
@require_http_methods(["GET", "POST"])
def mfa_disable(request: HttpRequest, user_id: str | None = None) -> HttpResponse:
    """Disable the Virtual MFA Device / Disable MFA Device > OK."""
    owner = credential_owner(request, user_id, "UnbindMFADevice")
    if owner.is_root:
        raise PermissionDenied  # Account Protection is turned off with a code
    home = _home(request, owner)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        form.call_service(services.mfa_device_unbind, actor=actor_of(request), user=owner)
        if not form.errors:
            messages.success(request, _("The virtual MFA device is disabled."))
            return redirect(home)
    return render(request, "mfa/mfa_disable.html", {"form": form, "owner": owner, "home": home})


@sensitive_post_parameters("password", "code")
@never_cache
@requires_root
@require_http_methods(["GET", "POST"])
def account_protection(request: HttpRequest) -> HttpResponse:
    """Account Protection > Edit: Turn on Account Protection, then Identity Verification —
    Verify identity (Verify now), install the app (Next), Enable the MFA (one code, Next)."""
    root = request.user
    device = selectors.device_of(root)
    if device is not None:  # on: Edit shows the device, with Turn off next to Account Protect
        return render(request, "mfa/account_protection.html", {"step": "on", "device": device})
    step = request.session.get(PROTECTION_STEP_KEY, "choose")
    if request.method == "POST" and request.POST.get("step") == "choose":
        request.session[PROTECTION_STEP_KEY] = step = "verify"
        return redirect("mfa:account-protection")
    if step == "verify":
        form, verified_at = verify_identity(request, mfa_available=False)
        if verified_at is not None:
            request.session[PROTECTION_STEP_KEY] = "install"
            return redirect("mfa:account-protection")
        return render(request, "mfa/account_protection.html", {"step": step, "form": form})
    session_key = ENROLMENT_KEY.format(root.pk)
    if step == "install":
        if request.method == "POST":
            device = services.mfa_enrolment_start(actor=actor_of(request), user=root).device
            request.session[session_key] = device.pk
            request.session[PROTECTION_STEP_KEY] = "bind"
            return redirect("mfa:account-protection")
        return render(request, "mfa/account_protection.html", {"step": step})
    if step == "bind":
        device = selectors.enrolment_device(principal=root, device_id=request.session.get(session_key))
        if device is None:  # the enrolment lapsed: install step again
            request.session[PROTECTION_STEP_KEY] = "install"
            return redirect("mfa:account-protection")
        form = MfaCodeForm(request.POST if request.method == "POST" else None, submit_label=_("Next"))
        if request.method == "POST" and form.is_valid():
            form.call_service(services.mfa_root_enable, actor=actor_of(request), device=device, **form.cleaned_data)
            if not form.errors:
                request.session.pop(session_key, None)
                request.session.pop(PROTECTION_STEP_KEY, None)
                messages.success(request, _("Account Protection is on."))
                return redirect("security:root-security-settings")
        return render(request, "mfa/account_protection.html", {"step": step, "form": form, "device": device})
    return render(request, "mfa/account_protection.html", {"step": "choose"})


@sensitive_post_parameters("code")
@requires_root
@require_http_methods(["GET", "POST"])
def account_protection_off(request: HttpRequest) -> HttpResponse:
    """Turn off (next to Account Protect): needs a current code."""
    if selectors.device_of(request.user) is None:
        return redirect("security:root-security-settings")
    form = MfaCodeForm(request.POST if request.method == "POST" else None, submit_label=_("Turn off"))
    if request.method == "POST" and form.is_valid():
        form.call_service(services.mfa_root_disable, actor=actor_of(request), code=form.cleaned_data["code"])
        if not form.errors:
            messages.success(request, _("Account Protection is off."))
            return redirect("security:root-security-settings")
    return render(request, "mfa/account_protection_off.html", {"form": form})
