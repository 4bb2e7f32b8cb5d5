"""Console logon, the Overview page and the Users pages. Thin: selectors, forms, services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import demo, selectors, services
from accounts.actors import Actor
from accounts.forms import (
    LogonForm,
    PolicyAttachForm,
    RamUserCreateForm,
    RamUserDeleteForm,
    RamUserUpdateForm,
)
from ramconsole.decorators import requires_account_member, requires_action
from ramconsole.forms import ConfirmForm, ServiceFormMixin
from ramconsole.net import client_ip
from security import policy
from security.errors import EntityNotExist, LogonRefused

if TYPE_CHECKING:
    from accounts.models import Principal

USERS_PER_PAGE = 20


def actor_of(request: HttpRequest) -> Actor:
    return Actor(principal=request.user, source_ip=client_ip(request))


def _ram_user_or_404(request: HttpRequest, user_id: str) -> Principal:
    try:
        return selectors.ram_user_get(account=request.user.account, user_id=user_id)
    except EntityNotExist:
        raise Http404 from None


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
            principal = services.console_logon(
                logon_name=form.cleaned_data["logon_name"],
                password=form.cleaned_data["password"],
                source_ip=client_ip(request),
            )
        except LogonRefused as refusal:
            # One message for every refusal: it must not reveal which names exist.
            form.add_error(None, refusal.message)
        else:
            login(request, principal, backend="accounts.backends.LogonNameBackend")  # rotates the session key
            next_url = request.GET.get("next", "")
            if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
                return redirect(next_url)
            return redirect("accounts:overview")
    demo_logins = demo.DEMO_LOGINS if settings.RAMCONSOLE_DEMO_MODE else []
    return render(request, "accounts/logon.html", {"form": form, "demo_logins": demo_logins})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.user.account_id:
        services.console_logout(principal=request.user, source_ip=client_ip(request))
    logout(request)
    return redirect("accounts:logon")


def home(request: HttpRequest) -> HttpResponse:
    return redirect("accounts:overview" if request.user.is_authenticated else "accounts:logon")


@requires_account_member
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    if not policy.console_capabilities(request.user).can_view_account:
        return redirect("security:self-service")
    account = request.user.account
    return render(
        request,
        "accounts/overview.html",
        {"account": account, "ram_user_count": selectors.ram_user_count(account=account)},
    )


@requires_action("ListUsers")
@require_safe
def user_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "")[:128]
    users = selectors.ram_user_list(account=request.user.account, search=search)
    page = Paginator(users, USERS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "accounts/user_list.html", {"page": page, "search": search, "query": query.urlencode()}
    )


@requires_action("CreateUser")
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    form = RamUserCreateForm(
        request.POST if request.method == "POST" else None, default_domain=request.user.account.default_domain
    )
    if request.method == "POST" and form.is_valid():
        user = form.call_service(services.ram_user_create, actor=actor_of(request), **form.cleaned_data)
        if user is not None:
            messages.success(request, _("The RAM user %(upn)s is created.") % {"upn": user.upn})
            return redirect("accounts:user-detail", user_id=user.user_id)
    return render(request, "accounts/user_create.html", {"form": form})


@requires_action("GetUser")
@require_safe
def user_detail(request: HttpRequest, user_id: str) -> HttpResponse:
    user = _ram_user_or_404(request, user_id)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "ram_user": user,
            "attachments": selectors.policy_attachments_of(user),
            "attach_form": PolicyAttachForm(),
            "login_profile": getattr(user, "login_profile", None),
        },
    )


@requires_action("UpdateUser")
@require_http_methods(["GET", "POST"])
def user_update(request: HttpRequest, user_id: str) -> HttpResponse:
    user = _ram_user_or_404(request, user_id)
    initial = {f: getattr(user, f) for f in ("display_name", "email", "mobile_phone", "comments")}
    form = RamUserUpdateForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        updated = form.call_service(
            services.ram_user_update, actor=actor_of(request), user=user, **form.cleaned_data
        )
        if updated is not None:
            messages.success(request, _("The basic information is updated."))
            return redirect("accounts:user-detail", user_id=user.user_id)
    return render(request, "accounts/user_update.html", {"form": form, "ram_user": user})


@requires_action("DeleteUser")
@require_http_methods(["GET", "POST"])
def user_delete(request: HttpRequest, user_id: str) -> HttpResponse:
    user = _ram_user_or_404(request, user_id)
    conflicts = policy.delete_conflicts(user)
    form = RamUserDeleteForm(
        request.POST if request.method == "POST" else None, has_conflicts=bool(conflicts)
    )
    if request.method == "POST" and form.is_valid():
        form.call_service(
            services.ram_user_delete,
            actor=actor_of(request),
            user=user,
            force=form.cleaned_data.get("confirm", False),
        )
        if not form.errors:
            messages.success(request, _("The RAM user %(upn)s is deleted.") % {"upn": user.upn})
            return redirect("accounts:user-list")
    return render(
        request, "accounts/user_delete.html", {"form": form, "ram_user": user, "conflicts": conflicts}
    )


@requires_action("AttachPolicyToUser")
@require_POST
def user_policy_attach(request: HttpRequest, user_id: str) -> HttpResponse:
    user = _ram_user_or_404(request, user_id)
    form = PolicyAttachForm(request.POST)
    if form.is_valid():
        form.call_service(services.policy_attach, actor=actor_of(request), user=user, **form.cleaned_data)
    _flash_form_result(request, form, _("The policy is attached."))
    return redirect("accounts:user-detail", user_id=user.user_id)


@requires_action("DetachPolicyFromUser")
@require_POST
def user_policy_detach(request: HttpRequest, user_id: str, policy_name: str) -> HttpResponse:
    user = _ram_user_or_404(request, user_id)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        form.call_service(services.policy_detach, actor=actor_of(request), user=user, policy_name=policy_name)
    _flash_form_result(request, form, _("The policy is removed."))
    return redirect("accounts:user-detail", user_id=user.user_id)


def _flash_form_result(request: HttpRequest, form: ServiceFormMixin, success: str) -> None:
    """For one-button forms posted from another page: report the outcome there."""
    errors = [error for field_errors in form.errors.values() for error in field_errors]
    for error in errors:
        messages.error(request, error)
    if not errors:
        messages.success(request, success)
