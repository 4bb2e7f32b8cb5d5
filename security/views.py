"""Settings (the password rule, the RAM users' security settings; domains in security/domain_views.py),
the root's Login Mask and Events. One's own identity pages (Security Settings, Security and their
password changes) are accounts' (accounts/identity_views.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.actors import actor_of
from ramconsole.kernel import clock
from ramconsole.kernel.net import client_ip
from ramconsole.kernel.paging import CappedPaginator
from ramconsole.kernel.spreadsheet import csv_lines
from ramconsole.web.decorators import requires_action, requires_root
from security import policy, selectors, services
from security.forms import (
    ELEMENT_CHOICES,
    AddressTestForm,
    EventFilterForm,
    LoginMaskForm,
    PasswordPolicyForm,
    SecurityPreferenceForm,
)

EVENTS_PER_PAGE = 50
# The Events page lists the newest 10,000 matches (200 pages); the filters narrow them and the CSV
# export has them all.
EVENTS_LISTED = 10_000
EVENT_CSV_HEADER = ["time_utc", "account_time_utc", "operator", "source_ip", "action", "target", "result"]


@requires_action("GetSecurityPreference")
@require_safe
def settings_page(request: HttpRequest) -> HttpResponse:
    tab = "advanced" if request.GET.get("tab") == "advanced" else "security"
    account = request.user.account
    password_policy = selectors.password_policy_of(account)
    return render(
        request,
        "security/settings.html",
        {
            "tab": tab,
            "account": account,
            "password_policy": password_policy,
            "required_elements": [label for key, label in ELEMENT_CHOICES if key in password_policy.required_elements],
            "preference": selectors.security_preference_of(account),
            "domain_alias": selectors.domain_alias_of(account),
            "sandbox_dns": settings.RAMCONSOLE_SANDBOX_DNS,
        },
    )


@requires_action("SetPasswordPolicy")
@require_http_methods(["GET", "POST"])
def password_policy_edit(request: HttpRequest) -> HttpResponse:
    """Settings > Security Settings > Edit Password Rule."""
    account = request.user.account
    current = selectors.password_policy_of(account)
    form = PasswordPolicyForm(
        request.POST if request.method == "POST" else None, initial=PasswordPolicyForm.initial_from(current)
    )
    impact = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            impact = policy.expiry_impact(
                account, max_password_age_days=form.cleaned_data["max_password_age_days"], now=clock.now(account)
            )
        elif form.call_service(services.password_policy_update, actor=actor_of(request), **form.service_arguments()):
            messages.success(request, _("The password rule is saved."))
            return redirect("security:settings")
    return render(request, "security/password_policy_form.html", {"form": form, "impact": impact})


def _filtered_events(request: HttpRequest) -> tuple[EventFilterForm, object]:
    account = request.user.account
    form = EventFilterForm(request.GET or None, actions=selectors.event_actions(account=account))
    return form, selectors.event_list(account=account, **form.filters())


@requires_action("ListEvents")
@require_safe
def event_list(request: HttpRequest) -> HttpResponse:
    form, events = _filtered_events(request)
    paginator = CappedPaginator(events.select_related(None), EVENTS_PER_PAGE, limit=EVENTS_LISTED)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "security/event_list.html", {"form": form, "page": page, "query": query.urlencode()})


@requires_action("ListEvents")
@require_safe
def event_export(request: HttpRequest) -> StreamingHttpResponse:
    _form, events = _filtered_events(request)
    rows = (
        (
            clock.utc_text(event.occurred_at),
            clock.utc_text(event.account_time),
            event.actor_name,
            event.source_ip or "",
            event.action,
            event.target,
            event.result,
        )
        for event in events.iterator(chunk_size=2000)
    )
    stamp = clock.now(request.user.account).strftime("%Y%m%d%H%M%S")
    response = StreamingHttpResponse(csv_lines(EVENT_CSV_HEADER, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="events_{request.user.account.account_id}_{stamp}.csv"'
    return response


def _address_test(request: HttpRequest, masks: str) -> tuple[AddressTestForm, policy.MaskDecision | None]:
    """The IP tester of a mask page: the given address (default: the viewer's own) against `masks`."""
    form = AddressTestForm(request.GET or None, initial={"test_address": client_ip(request)})
    address = form.cleaned_data.get("test_address") if form.is_valid() else None
    return form, policy.evaluate_address(masks, address or client_ip(request))


@requires_action("SetSecurityPreference")
@require_http_methods(["GET", "POST"])
def security_preference_edit(request: HttpRequest) -> HttpResponse:
    """Settings > Update RAM User Security Settings."""
    preference = selectors.security_preference_of(request.user.account)
    form = SecurityPreferenceForm(
        request.POST if request.method == "POST" else None, initial=SecurityPreferenceForm.initial_from(preference)
    )
    if request.method == "POST" and form.is_valid():
        saved = form.call_service(
            services.security_preference_update, actor=actor_of(request), **form.service_arguments()
        )
        if saved:
            messages.success(request, _("The RAM user security settings are saved."))
            return redirect("security:settings")
    tester, decision = _address_test(request, preference.login_network_masks)
    return render(
        request,
        "security/security_preference_form.html",
        {"form": form, "tester": tester, "decision": decision, "masks": preference.login_network_masks},
    )


@requires_root
@require_http_methods(["GET", "POST"])
def root_login_mask(request: HttpRequest) -> HttpResponse:
    """Security Settings > Login Mask > Set."""
    account = request.user.account
    form = LoginMaskForm(request.POST if request.method == "POST" else None, initial={"login_mask": account.login_mask})
    if request.method == "POST" and form.is_valid():
        saved = form.call_service(
            services.account_login_mask_update,
            actor=actor_of(request),
            login_mask=form.cleaned_data["login_mask"],
            lockout_confirmed=form.cleaned_data["confirm_lockout"],
        )
        if saved:
            messages.success(request, _("The login mask is saved."))
            return redirect("security:root-security-settings")
    tester, decision = _address_test(request, account.login_mask)
    return render(
        request,
        "security/login_mask_form.html",
        {"form": form, "tester": tester, "decision": decision, "masks": account.login_mask},
    )
