"""Incident drills in the console shell (issue 23): the drills, a running drill's briefing, hints
and time left, and its debrief. The sandbox's own root may start and revert them here (demo mode);
instructors start them from the class page. Every verdict comes from reports.drills.drill_status."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts import selectors as account_selectors
from accounts.actors import actor_of
from ramconsole.kernel import clock
from ramconsole.web.decorators import requires_action, sandbox_only
from ramconsole.web.forms import ConfirmForm
from reports import drills
from reports.models import DrillRun
from security.policy import drills as drill_policy

# The Training page's permission: who may see the exercises sees the drills.
TRAINING_ACTION = "GetAccountSecurityPracticeReport"


def _may_run_drills(request: HttpRequest) -> bool:
    return drill_policy.can_start_drill(request.user, account_selectors.sandbox_of(request.user.account))


def _run_or_404(request: HttpRequest, run_id: int) -> DrillRun:
    run = drills.drill_run_of(request.user.account, run_id)
    if run is None:
        raise Http404
    return run


@requires_action(TRAINING_ACTION)
@sandbox_only
@require_safe
def drill_list(request: HttpRequest) -> HttpResponse:
    """The drills (technique, time limit, lifecycle) and this account's runs with their status."""
    account = request.user.account
    now = clock.now(account)
    runs = [
        (run, drills.drill_status(run, now), drill_policy.DRILLS.get(run.drill))
        for run in drills.drill_runs_of(account)
    ]
    active = {run.drill: run for run, _status, _drill in runs if run.stage != drill_policy.REVERTED}
    context = {
        "drills": [(drill, active.get(drill.key)) for drill in drill_policy.DRILLS.values()],
        "runs": runs,
        "may_run": _may_run_drills(request),
    }
    return render(request, "reports/drills.html", context)


@requires_action(TRAINING_ACTION)
@sandbox_only
@require_POST
def drill_start(request: HttpRequest, drill: str) -> HttpResponse:
    if drill_policy.drill_of(drill) is None:
        raise Http404
    if not _may_run_drills(request):
        raise PermissionDenied
    form = ConfirmForm(request.POST)
    run = form.call_service(drills.drill_start, account=request.user.account, drill=drill, actor=actor_of(request))
    if run is None:
        for error in form.non_field_errors():
            messages.error(request, error)
        return redirect("reports:drills")
    return redirect("reports:drill", run_id=run.pk)


@requires_action(TRAINING_ACTION)
@sandbox_only
@require_safe
def drill_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    """What the trainee sees: the briefing, the hints, the time left on the account's clock."""
    run = _run_or_404(request, run_id)
    now = clock.now(run.account)
    context = {
        "run": run,
        "drill": drill_policy.DRILLS[run.drill],
        "status": drills.drill_status(run, now),
        "may_run": _may_run_drills(request),
    }
    return render(request, "reports/drill.html", context)


@requires_action(TRAINING_ACTION)
@sandbox_only
@require_safe
def drill_debrief(request: HttpRequest, run_id: int) -> HttpResponse:
    """What the trainee did (Events since the start) against what was expected, and the verdict."""
    run = _run_or_404(request, run_id)
    return render(request, "reports/drill_debrief.html", {"debrief": drills.drill_debrief(run, clock.now(run.account))})


@requires_action(TRAINING_ACTION)
@sandbox_only
@require_POST
def drill_revert(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run_or_404(request, run_id)
    if not _may_run_drills(request):
        raise PermissionDenied
    form = ConfirmForm(request.POST)
    if form.call_service(drills.drill_revert, run=run, actor=actor_of(request)) is None:
        for error in form.non_field_errors():
            messages.error(request, error)
    else:
        messages.success(request, _("The drill is reverted: what it created is gone."))
    return redirect("reports:drills")
