"""The console's front door: logon, the pending steps (MFA, MFA enrolment, forced password change)
and logout. Each step is decided in accounts.services.logon; these views only collect input."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import pending, sandbox, selectors
from accounts.actors import Actor
from accounts.forms import LogonForm, LogonPasswordChangeForm
from accounts.models import Principal
from accounts.services import accounts as account_services
from accounts.services import logon as logon_services
from accounts.services import passwords as password_services
from mfa import remember
from mfa import selectors as mfa_selectors
from mfa import services as mfa_services
from mfa.forms import LogonMfaForm, MfaBindForm
from ramconsole.kernel import clock
from ramconsole.kernel.net import client_ip
from ramconsole.web.decorators import sandbox_only
from security import policy
from security.errors import LogonRefused
from security.selectors import password_policy_of, security_preference_of

STEP_VIEWS = {
    logon_services.STEP_MFA: "accounts:logon-mfa",
    logon_services.STEP_MFA_ENROL: "accounts:logon-mfa-enrol",
    logon_services.STEP_CHANGE_PASSWORD: "accounts:logon-password",
}
ENROLMENT_SESSION_KEY = "logon_mfa_enrolment"
LANGUAGE_CHOSEN_KEY = pending.LANGUAGE_CHOSEN_KEY


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def logon(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.user.account_id:
        return redirect("accounts:overview")
    form = LogonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = logon_services.console_logon(
                logon_name=form.cleaned_data["logon_name"],
                password=form.cleaned_data["password"],
                source_ip=client_ip(request),
                remembered_tokens=remember.tokens_of(request),
            )
        except LogonRefused as refusal:
            # One message for every refusal: it must not reveal which names exist, or why.
            form.add_error(None, refusal.message)
        else:
            next_url = request.GET.get("next", "")
            if outcome.pending_steps:
                pending.start(request, principal=outcome.principal, steps=outcome.pending_steps, next_url=next_url)
                return redirect(STEP_VIEWS[outcome.pending_steps[0]])
            return _start_session(request, outcome.principal, next_url=next_url)
    panel = sandbox.demo_panel()
    context = {"form": form, "demo_logins": panel.logins, "demo_mfa_codes": panel.mfa_codes}
    return render(request, "accounts/logon.html", context)


@never_cache
@require_safe
@sandbox_only
def demo_mfa_codes(request: HttpRequest) -> JsonResponse:
    """The demo panel's live MFA codes (static/js/demo-logins.js)."""
    codes = sandbox.demo_panel().mfa_codes
    return JsonResponse(
        {"codes": [{"logon_name": c.logon_name, "code": c.code, "expires_in": c.expires_in} for c in codes]}
    )


def _start_session(request: HttpRequest, principal: Principal, *, next_url: str) -> HttpResponse:
    return pending.start_session(request, principal, next_url=next_url)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The language menu: Django's set_language (the browser's cookie, a safe `next`), and the
    identity's choice once someone is logged on."""
    response = i18n.set_language(request)
    chosen = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen is None:  # not a language of settings.LANGUAGES: Django set nothing
        return response
    if request.user.is_authenticated:
        account_services.principal_language_update(principal=request.user, language=chosen.value)
    else:
        request.session[LANGUAGE_CHOSEN_KEY] = chosen.value
    return response


def _step_done(request: HttpRequest, logon_state: pending.PendingLogon, step: str) -> HttpResponse:
    """Go on to the next pending step, or start the session when none is left."""
    remaining = pending.complete_step(request, step)
    if remaining:
        return redirect(STEP_VIEWS[remaining[0]])
    return _start_session(request, logon_state.principal, next_url=logon_state.next_url)


def _pending_at(request: HttpRequest, step: str) -> pending.PendingLogon | None:
    logon_state = pending.get(request)
    if logon_state is None or logon_state.step != step:
        return None
    return logon_state


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def logon_mfa(request: HttpRequest) -> HttpResponse:
    """After the password: a code from the bound device (and, if allowed, remember this browser)."""
    logon_state = _pending_at(request, logon_services.STEP_MFA)
    if logon_state is None:
        return redirect("accounts:logon")
    principal = logon_state.principal
    may_remember = policy.may_remember_mfa(principal, security_preference_of(principal.account))
    form = LogonMfaForm(request.POST if request.method == "POST" else None, may_remember=may_remember)
    if request.method == "POST" and form.is_valid():
        form.call_service(
            mfa_services.mfa_code_verify,
            principal=principal,
            code=form.cleaned_data["code"],
            source_ip=client_ip(request),
        )
        if not form.errors:
            response = _step_done(request, logon_state, logon_services.STEP_MFA)
            if may_remember and form.cleaned_data.get("remember"):
                device = mfa_selectors.device_of(principal)
                remember.remember(response, principal=principal, device=device, now=clock.now(principal.account))
            return response
    # The demo panel's code for this user, if it is seeded with one.
    own_code = sandbox.demo_panel(logon_name=principal.logon_name).mfa_codes
    return render(
        request, "accounts/logon_mfa.html", {"form": form, "principal": principal, "demo_mfa_codes": own_code}
    )


@sensitive_post_parameters("code1", "code2")
@never_cache
@require_http_methods(["GET", "POST"])
def logon_mfa_enrol(request: HttpRequest) -> HttpResponse:
    """Enable MFA: Required — bind a device before anything else."""
    logon_state = _pending_at(request, logon_services.STEP_MFA_ENROL)
    if logon_state is None:
        return redirect("accounts:logon")
    principal = logon_state.principal
    if request.method == "POST" and "start" in request.POST:
        device = mfa_services.logon_mfa_enrolment_start(principal=principal, source_ip=client_ip(request)).device
        request.session[ENROLMENT_SESSION_KEY] = device.pk
        return redirect("accounts:logon-mfa-enrol")
    device = mfa_selectors.enrolment_device(principal=principal, device_id=request.session.get(ENROLMENT_SESSION_KEY))
    if device is None:
        return render(request, "accounts/logon_mfa_enrol.html", {"principal": principal})
    form = MfaBindForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        form.call_service(
            mfa_services.logon_mfa_bind,
            actor=Actor(principal=principal, source_ip=client_ip(request)),
            device=device,
            code1=form.cleaned_data["code1"],
            code2=form.cleaned_data["code2"],
        )
        if not form.errors:
            request.session.pop(ENROLMENT_SESSION_KEY, None)
            messages.success(request, _("The MFA device is enabled."))
            return _step_done(request, logon_state, logon_services.STEP_MFA_ENROL)
    return render(
        request,
        "accounts/logon_mfa_enrol.html",
        {"form": form, "principal": principal, "device": device},
    )


@sensitive_post_parameters("new_password", "confirm_password")
@never_cache
@require_http_methods(["GET", "POST"])
def logon_password(request: HttpRequest) -> HttpResponse:
    """The forced password change of a pending logon (Password Reset, or an expired password)."""
    logon_state = _pending_at(request, logon_services.STEP_CHANGE_PASSWORD)
    if logon_state is None:
        return redirect("accounts:logon")
    principal = logon_state.principal
    rule = password_policy_of(principal.account)
    form = LogonPasswordChangeForm(
        request.POST if request.method == "POST" else None,
        rules=policy.password_help_texts(rule),
        check=policy.ram_user_new_password_check(principal, rule),
    )
    if request.method == "POST" and form.is_valid():
        form.call_service(
            password_services.logon_password_change,
            principal=principal,
            new_password=form.cleaned_data["new_password"],
            source_ip=client_ip(request),
        )
        if not form.errors:
            messages.success(request, _("Your password is changed."))
            return _step_done(request, logon_state, logon_services.STEP_CHANGE_PASSWORD)
    # The password is proven by now, so saying why it must change reveals nothing.
    profile = selectors.login_profile_of(principal)
    reason = policy.password_change_reason(
        profile, password_policy_of(principal.account), now=clock.now(principal.account)
    )
    return render(request, "accounts/logon_password.html", {"form": form, "principal": principal, "reason": reason})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.user.account_id:
        logon_services.console_logout(principal=request.user, source_ip=client_ip(request))
    logout(request)
    return redirect("accounts:logon")
