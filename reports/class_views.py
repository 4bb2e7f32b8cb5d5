"""The Class page (issue 23): one table of a class's trainee sandboxes, for its instructors.

It lives in the Django admin (routed by accounts.admin.TrainingClassAdmin.get_urls, each view
wrapped in admin_view), not in the console shell: its users are operators, who sign in to the
admin and have no account of their own, while every console page belongs to one account. The admin
gives them its staff sign-in, CSRF and layout; the class itself is scoped here by the operator's
classes (a superuser's all, an instructor's own; any other class is a 404).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import sandbox as sandbox_services
from accounts.models import TrainingClass
from ramconsole.kernel import spreadsheet
from reports import classes
from security import policy
from security.errors import RamError
from security.policy import drills as drill_policy

CLASS_URL_NAME = "admin:accounts_trainingclass_class"


def _class_of(request: HttpRequest, class_id: int) -> TrainingClass:
    found = classes.classes_for(request.user).filter(pk=class_id).first()
    if found is None:
        raise Http404
    return found


def _when(moment: object) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else "-"


def _cells(row: classes.TraineeRow) -> dict[str, object]:
    return {
        "sandbox_id": row.sandbox_id,
        "name": row.name,
        "account_id": row.account_id,
        "root_email": row.root_email,
        "done": row.done,
        "total": row.total,
        "exercises": "-" if row.done is None else f"{row.done} / {row.total}",
        "score": row.score,
        "last_activity": row.last_activity.isoformat() if row.last_activity else None,
        "last_activity_text": _when(row.last_activity),
        "drills": list(row.drills),
        "drills_text": ", ".join(row.drill_titles) or "-",
    }


@require_GET
def class_page(request: HttpRequest, class_id: int) -> HttpResponse:
    training_class = _class_of(request, class_id)
    sort = request.GET.get("sort", "name")
    context = {
        **admin.site.each_context(request),
        "title": _("Class %(name)s") % {"name": training_class.name},
        "training_class": training_class,
        "rows": classes.sorted_rows(classes.class_rows(training_class), sort),
        "sort": sort,
        "columns": [
            ("name", _("Sandbox")),
            ("account_id", _("Account ID")),
            ("done", _("Exercises done")),
            ("score", _("Score")),
            ("last_activity", _("Last activity")),
            ("drills", _("Drills passed")),
        ],
        "clock_steps": list(policy.CLOCK_STEPS),
        "drills": list(drill_policy.DRILLS.values()),
    }
    return render(request, "admin/accounts/trainingclass/class_page.html", context)


@require_GET
def class_progress(request: HttpRequest, class_id: int) -> JsonResponse:
    training_class = _class_of(request, class_id)
    rows = classes.class_progress(training_class, sort=request.GET.get("sort", "name"))
    return JsonResponse({"rows": [_cells(row) for row in rows]})


CSV_HEADER = [
    "sandbox",
    "account_id",
    "root_logon_name",
    "exercises_done",
    "exercises",
    "score",
    "last_activity",
    "drills_passed",
]


def _csv_row(row: classes.TraineeRow) -> list[object]:
    cells = [row.name, row.account_id, row.root_email, row.done, row.total, row.score, _when(row.last_activity)]
    return [*cells, ", ".join(row.drill_titles)]


@require_GET
def class_csv(request: HttpRequest, class_id: int) -> StreamingHttpResponse:
    training_class = _class_of(request, class_id)
    rows = classes.class_progress(training_class, sort=request.GET.get("sort", "name"))
    lines = spreadsheet.csv_lines(CSV_HEADER, (_csv_row(row) for row in rows))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="class-{training_class.pk}.csv"'
    return response


@require_GET
def class_logins_csv(request: HttpRequest, class_id: int) -> StreamingHttpResponse:
    """The logins to hand out, as `create_sandboxes` writes them."""
    training_class = _class_of(request, class_id)
    lines = spreadsheet.csv_lines(
        ["sandbox", "account_id", "role", "logon_name", "password", "mfa_key"],
        (
            [found.name, found.account_id, login.role, login.logon_name, login.password, login.mfa_key]
            for found in training_class.sandboxes.order_by("name")
            for login in sandbox_services.logins_of(found)
        ),
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="class-{training_class.pk}-logins.csv"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def class_action(request: HttpRequest, class_id: int) -> HttpResponse:
    """Reset one sandbox or all, start a drill in one, or move every sandbox's clock (each an event
    in the sandbox)."""
    training_class = _class_of(request, class_id)
    operator = request.user.username
    action = request.POST.get("action", "")
    try:
        if action == "reset":
            found = classes.class_sandbox(training_class, request.POST.get("sandbox"))
            if found is None:
                raise Http404
            classes.class_sandbox_reset(found, operator=operator)
            messages.success(request, _("Sandbox %(name)s reset to its seed state.") % {"name": found.name})
        elif action == "drill":
            found = classes.class_sandbox(training_class, request.POST.get("sandbox"))
            if found is None:
                raise Http404
            run = classes.class_drill_start(found, request.POST.get("drill", ""), operator=operator)
            messages.success(
                request,
                _("Drill %(drill)s started in %(name)s.")
                % {"drill": drill_policy.DRILLS[run.drill].title, "name": found.name},
            )
        elif action == "reset_all":
            count = classes.class_reset(training_class, operator=operator)
            messages.success(request, _("%(count)d sandboxes reset to their seed state.") % {"count": count})
        elif action == "clock":
            count = classes.class_clock_move(training_class, step=request.POST.get("step", ""), operator=operator)
            messages.success(request, _("The clock of %(count)d sandboxes moved.") % {"count": count})
        else:
            messages.error(request, _("Unknown action."))
    except RamError as error:
        messages.error(request, error.console_message)
    return redirect(CLASS_URL_NAME, class_id=training_class.pk)
