"""The sandbox panel (demo mode): move the account's clock."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.actors import actor_of
from ramconsole import clock
from ramconsole.decorators import requires_action
from ramconsole.forms import ConfirmForm
from security import policy


@requires_action("SetSandboxClock")
@require_http_methods(["GET", "POST"])
def sandbox_clock(request: HttpRequest) -> HttpResponse:
    if not settings.RAMCONSOLE_DEMO_MODE:
        raise Http404
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        step = request.POST.get("step", "")
        if form.call_service(services.account_clock_move, actor=actor_of(request), step=step):
            moved_to = clock.now(request.user.account).strftime("%Y-%m-%d %H:%M")
            messages.success(request, _("The account's time is now %(t)s UTC.") % {"t": moved_to})
            return redirect("accounts:sandbox-clock")
    account = request.user.account
    context = {
        "form": form,
        "account_time": clock.now(account),
        "offset": account.clock_offset,
        "steps": list(policy.CLOCK_STEPS),
    }
    return render(request, "accounts/sandbox_clock.html", context)
