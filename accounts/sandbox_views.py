"""The sandbox pages (demo mode): the account's clock, its Outbox, reset to the seed state, and its
identity provider for User SSO."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts import sandbox, sandbox_idp, selectors
from accounts.actors import actor_of
from accounts.services import accounts as account_services
from ramconsole.kernel import clock
from ramconsole.web.decorators import requires_action, requires_root, sandbox_only
from ramconsole.web.forms import ConfirmForm
from ramconsole.web.templatetags.console import utc_time
from security import policy

OUTBOX_PER_PAGE = 20


@requires_action("SetSandboxClock")
@sandbox_only
@require_http_methods(["GET", "POST"])
def sandbox_clock(request: HttpRequest) -> HttpResponse:
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        step = request.POST.get("step", "")
        if form.call_service(account_services.account_clock_move, actor=actor_of(request), step=step):
            moved_to = utc_time(clock.now(request.user.account))  # a <time>, shown in the browser's zone
            messages.success(request, format_html(_("The account's time is now {time}."), time=moved_to))
            return redirect("accounts:sandbox-clock")
    account = request.user.account
    context = {
        "form": form,
        "account_time": clock.now(account),
        "offset": account.clock_offset,
        "steps": list(policy.CLOCK_STEPS),
        "can_reset": policy.can_reset_sandbox(request.user, selectors.sandbox_of(account)),
    }
    return render(request, "accounts/sandbox_clock.html", context)


@requires_root
@sandbox_only
@require_http_methods(["GET", "POST"])
def sandbox_reset(request: HttpRequest) -> HttpResponse:
    """Reset the sandbox to its seed state. Everyone in it, this root included, signs in again."""
    found = selectors.sandbox_of(request.user.account)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if found is not None and request.method == "POST" and form.is_valid():
        if form.call_service(sandbox.sandbox_reset, sandbox=found, actor=actor_of(request)):
            logout(request)
            messages.success(request, _("The sandbox is back to its seed state. Sign in again with its logins."))
            return redirect("accounts:logon")
    return render(request, "accounts/sandbox_reset.html", {"form": form, "sandbox": found})


@requires_action("SetSandboxClock")
@sandbox_only
@require_safe
def outbox(request: HttpRequest) -> HttpResponse:
    """Mail the console sent about this account: verification codes and notices."""
    page = Paginator(selectors.outbox_of(request.user.account), OUTBOX_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "accounts/outbox.html", {"page": page, "query": ""})


@requires_action("SetSandboxClock")
@sandbox_only
@require_safe
def sandbox_identity_provider(request: HttpRequest) -> HttpResponse:
    """The sandbox IdP's metadata, to upload in User SSO, and the sign-in page it sends users to."""
    idp = sandbox_idp.identity_provider_of(request.user.account)
    sso_url = request.build_absolute_uri(reverse("accounts:sandbox-idp-sso", args=[idp.token]))
    context = {
        "idp": idp,
        "entity_id": sandbox_idp.entity_id(idp),
        "metadata": sandbox_idp.metadata_xml(idp, sso_url=sso_url).decode(),
        "sign_in_url": request.build_absolute_uri(reverse("accounts:sandbox-idp", args=[idp.token])),
    }
    return render(request, "accounts/sandbox_identity_provider.html", context)
