"""Settings, the root Security Settings page, the self-service Security page and Events."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ramconsole import clock
from ramconsole.decorators import requires_account_member, requires_action
from ramconsole.spreadsheet import csv_lines
from security import policy, selectors
from security.forms import EventFilterForm

EVENTS_PER_PAGE = 50
EVENT_CSV_HEADER = ["time_utc", "account_time_utc", "operator", "source_ip", "action", "target", "result"]


@requires_action("GetSecurityPreference")
@require_safe
def settings_page(request: HttpRequest) -> HttpResponse:
    tab = "advanced" if request.GET.get("tab") == "advanced" else "security"
    return render(request, "security/settings.html", {"tab": tab, "account": request.user.account})


@requires_account_member
@require_safe
def root_security_settings(request: HttpRequest) -> HttpResponse:
    if not policy.is_root(request.user):
        raise PermissionDenied
    return render(request, "security/root_security_settings.html", {"account": request.user.account})


@requires_account_member
@require_safe
def self_service(request: HttpRequest) -> HttpResponse:
    if not policy.can(request.user, "GetUser", target=request.user):
        raise PermissionDenied
    return render(request, "security/self_service.html", {"ram_user": request.user})


def _filtered_events(request: HttpRequest) -> tuple[EventFilterForm, object]:
    account = request.user.account
    form = EventFilterForm(request.GET or None, actions=selectors.event_actions(account=account))
    return form, selectors.event_list(account=account, **form.filters())


@requires_action("ListEvents")
@require_safe
def event_list(request: HttpRequest) -> HttpResponse:
    form, events = _filtered_events(request)
    page = Paginator(events.select_related(None), EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "security/event_list.html", {"form": form, "page": page, "query": query.urlencode()}
    )


@requires_action("ListEvents")
@require_safe
def event_export(request: HttpRequest) -> StreamingHttpResponse:
    _form, events = _filtered_events(request)
    rows = (
        (
            event.occurred_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            event.account_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            event.actor_name,
            event.source_ip or "",
            event.action,
            event.target,
            event.result,
        )
        for event in events.iterator(chunk_size=2000)
    )
    stamp = clock.now(request.user.account).strftime("%Y%m%d%H%M%S")
    response = StreamingHttpResponse(
        csv_lines(EVENT_CSV_HEADER, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="events_{request.user.account.account_id}_{stamp}.csv"'
    )
    return response
