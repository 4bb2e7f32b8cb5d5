"""The console's front page (`/`) and the Users pages. Thin: selectors, forms, services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accesskeys import selectors as access_key_selectors
from accounts import selectors
from accounts.actors import actor_of
from accounts.forms import (
    LoginProfileForm,
    PolicyAttachForm,
    RamUserCreateForm,
    RamUserDeleteForm,
    RamUserUpdateForm,
    UserSearchForm,
)
from accounts.services import login_profiles as login_profile_services
from accounts.services import users as user_services
from mfa import selectors as mfa_selectors
from ramconsole.kernel import clock
from ramconsole.web.decorators import requires_action
from ramconsole.web.forms import ConfirmForm, flash_result
from security import policy
from security.errors import EntityNotExist
from security.selectors import password_policy_of

if TYPE_CHECKING:
    from accounts.models import Principal

USERS_PER_PAGE = 20


def _ram_user_or_404(request: HttpRequest, user_id: str) -> Principal:
    try:
        return selectors.ram_user_get(account=request.user.account, user_id=user_id)
    except EntityNotExist:
        raise Http404 from None


@csrf_exempt  # a POST to the API address without an Action is redirected, not refused as a form
def home(request: HttpRequest) -> HttpResponse:
    """`/` without an Action: the console (the gateway's middleware answers API calls)."""
    return redirect("accounts:overview" if request.user.is_authenticated else "accounts:logon")


@requires_action("ListUsers")
@require_safe
def user_list(request: HttpRequest) -> HttpResponse:
    account = request.user.account
    search_form = UserSearchForm(request.GET)
    search_form.is_valid()  # a refused field falls back to its default; the others still apply
    search = search_form.cleaned_data.get("q", "")
    status = search_form.cleaned_data.get("status", "")
    sort = search_form.cleaned_data.get("sort") or selectors.DEFAULT_USER_SORT
    rule, now = password_policy_of(account), clock.now(account)
    users = selectors.ram_user_list(
        account=account,
        search=search,
        status=policy.user_status_condition(status, rule=rule, now=now) if status else None,
        sort=sort,
    )
    page = Paginator(users, USERS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(user, policy.user_status(user, rule=rule, now=now, access_keys=user.access_key_count)) for user in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/user_list.html",
        {
            "page": page,
            "rows": rows,
            "search": search,
            "status": status,
            "search_form": search_form,
            "query": query.urlencode(),
            "sort_headers": _sort_headers(query, sort),
        },
    )


# Sortable columns of the Users table: the key of selectors.USER_SORTS and the first click's
# direction (names A to Z; counts and times largest or newest first).
USER_SORT_COLUMNS = [("name", ""), ("access_keys", "-"), ("last_logon", "-"), ("created", "-")]


def _sort_headers(query: QueryDict, current: str) -> dict[str, dict[str, str]]:
    """Per column: the query string its header links to, and its aria-sort state."""
    headers = {}
    for key, first in USER_SORT_COLUMNS:
        if current == key:
            state, target = "ascending", f"-{key}"
        elif current == f"-{key}":
            state, target = "descending", key
        else:
            state, target = "none", f"{first}{key}"
        linked = query.copy()
        linked["sort"] = target
        headers[key] = {"query": linked.urlencode(), "aria_sort": state}
    return headers


@requires_action("CreateUser")
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    form = RamUserCreateForm(
        request.POST if request.method == "POST" else None, default_domain=request.user.account.default_domain
    )
    if request.method == "POST" and form.is_valid():
        user = form.call_service(user_services.ram_user_create, actor=actor_of(request), **form.cleaned_data)
        if user is not None:
            messages.success(request, _("The RAM user %(upn)s is created.") % {"upn": user.upn})
            return redirect("accounts:user-detail", user_id=user.user_id)
    return render(request, "accounts/user_create.html", {"form": form})


@requires_action("GetUser")
@require_safe
def user_detail(request: HttpRequest, user_id: str) -> HttpResponse:
    user = _ram_user_or_404(request, user_id)
    now = clock.now(user.account)
    access_keys = list(access_key_selectors.access_keys_of(user))
    status = policy.user_status(user, rule=password_policy_of(user.account), now=now, access_keys=len(access_keys))
    return render(
        request,
        "accounts/user_detail.html",
        {
            "ram_user": user,
            "status": status,
            "attachments": selectors.policy_attachments_of(user),
            "attach_form": PolicyAttachForm(),
            "login_profile": getattr(user, "login_profile", None),
            "login_state": policy.login_profile_state(user, now=now),
            "mfa_device": mfa_selectors.device_of(user),
            "access_keys": access_keys,
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
            user_services.ram_user_update, actor=actor_of(request), user=user, **form.cleaned_data
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
    form = RamUserDeleteForm(request.POST if request.method == "POST" else None, has_conflicts=bool(conflicts))
    if request.method == "POST" and form.is_valid():
        form.call_service(
            user_services.ram_user_delete,
            actor=actor_of(request),
            user=user,
            force=form.cleaned_data.get("confirm", False),
        )
        if not form.errors:
            messages.success(request, _("The RAM user %(upn)s is deleted.") % {"upn": user.upn})
            return redirect("accounts:user-list")
    return render(request, "accounts/user_delete.html", {"form": form, "ram_user": user, "conflicts": conflicts})


@requires_action("AttachPolicyToUser")
@require_POST
def user_policy_attach(request: HttpRequest, user_id: str) -> HttpResponse:
    user = _ram_user_or_404(request, user_id)
    form = PolicyAttachForm(request.POST)
    if form.is_valid():
        form.call_service(user_services.policy_attach, actor=actor_of(request), user=user, **form.cleaned_data)
    flash_result(request, form, _("The policy is attached."))
    return redirect("accounts:user-detail", user_id=user.user_id)


@requires_action("DetachPolicyFromUser")
@require_POST
def user_policy_detach(request: HttpRequest, user_id: str, policy_name: str) -> HttpResponse:
    user = _ram_user_or_404(request, user_id)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        form.call_service(user_services.policy_detach, actor=actor_of(request), user=user, policy_name=policy_name)
    flash_result(request, form, _("The policy is removed."))
    return redirect("accounts:user-detail", user_id=user.user_id)


def _login_profile_form_page(request: HttpRequest, user_id: str, *, modify: bool) -> HttpResponse:
    """Enable Console Logon / Modify Logon Settings; a generated password is shown once, here."""
    user = _ram_user_or_404(request, user_id)
    profile = getattr(user, "login_profile", None)
    if (profile is not None) != modify:
        return redirect("accounts:user-detail", user_id=user.user_id)
    initial = {}
    if profile is not None:
        initial = {
            "console_password_enabled": "true" if profile.console_password_enabled else "false",
            "password_reset_required": profile.password_reset_required,
            "mfa_required": profile.mfa_required,
        }
    rules = policy.password_help_texts(password_policy_of(user.account))
    form = LoginProfileForm(
        request.POST if request.method == "POST" else None, initial=initial, rules=rules, modify=modify
    )
    if request.method == "POST" and form.is_valid():
        service = login_profile_services.login_profile_update if modify else login_profile_services.login_profile_create
        change = form.call_service(service, actor=actor_of(request), user=user, **form.service_arguments())
        if change is not None:
            if change.generated_password:
                return render(
                    request,
                    "accounts/login_profile_password.html",
                    {"ram_user": user, "generated_password": change.generated_password},
                )
            messages.success(request, _("The logon settings are saved."))
            return redirect("accounts:user-detail", user_id=user.user_id)
    title = _("Modify Logon Settings") if modify else _("Enable Console Logon")
    return render(request, "accounts/login_profile_form.html", {"form": form, "ram_user": user, "title": title})


@sensitive_post_parameters("password")
@never_cache
@requires_action("CreateLoginProfile")
@require_http_methods(["GET", "POST"])
def user_login_profile_create(request: HttpRequest, user_id: str) -> HttpResponse:
    return _login_profile_form_page(request, user_id, modify=False)


@sensitive_post_parameters("password")
@never_cache
@requires_action("UpdateLoginProfile")
@require_http_methods(["GET", "POST"])
def user_login_profile_update(request: HttpRequest, user_id: str) -> HttpResponse:
    return _login_profile_form_page(request, user_id, modify=True)


@requires_action("DeleteLoginProfile")
@require_http_methods(["GET", "POST"])
def user_login_profile_delete(request: HttpRequest, user_id: str) -> HttpResponse:
    """Remove Logon Settings: the profile, the password and the MFA binding, after confirmation."""
    user = _ram_user_or_404(request, user_id)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        form.call_service(login_profile_services.login_profile_delete, actor=actor_of(request), user=user)
        if not form.errors:
            messages.success(request, _("The logon settings are removed."))
            return redirect("accounts:user-detail", user_id=user.user_id)
    return render(request, "accounts/login_profile_delete.html", {"form": form, "ram_user": user})


@requires_action("UpdateLoginProfile")
@require_POST
def user_login_profile_unlock(request: HttpRequest, user_id: str) -> HttpResponse:
    user = _ram_user_or_404(request, user_id)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        form.call_service(login_profile_services.login_profile_unlock, actor=actor_of(request), user=user)
    flash_result(request, form, _("The user is unlocked."))
    return redirect("accounts:user-detail", user_id=user.user_id)
