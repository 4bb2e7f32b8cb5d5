"""Settings > Advanced: Default Domain, domain alias and (in the sandbox) its DNS records."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.actors import actor_of
from ramconsole.web.decorators import requires_action
from ramconsole.web.forms import ConfirmForm, flash_result
from security import policy, selectors, services
from security.forms import AccountAliasForm, DomainAliasForm, SandboxDnsRecordForm

ADVANCED = format_lazy("{}?tab=advanced", reverse_lazy("security:settings"))
DNS_RECORDS_PER_PAGE = 20


@requires_action("SetAccountAlias")
@require_http_methods(["GET", "POST"])
def default_domain_update(request: HttpRequest) -> HttpResponse:
    """Default Domain > Update > Update Domain."""
    account = request.user.account
    form = AccountAliasForm(request.POST if request.method == "POST" else None, initial={"alias": account.alias})
    if request.method == "POST" and form.is_valid():
        if form.call_service(services.account_alias_set, actor=actor_of(request), alias=form.cleaned_data["alias"]):
            messages.success(
                request, _("The default domain is now %(d)s.") % {"d": request.user.account.default_domain}
            )
            return redirect(ADVANCED)
    return render(request, "security/default_domain_form.html", {"form": form})


@requires_action("CreateDomainAlias")
@require_http_methods(["GET", "POST"])
def domain_alias_create(request: HttpRequest) -> HttpResponse:
    """Create Domain Alias > Domain Name."""
    form = DomainAliasForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if form.call_service(services.domain_alias_create, actor=actor_of(request), domain=form.cleaned_data["domain"]):
            return redirect(ADVANCED)
    return render(request, "security/domain_alias_form.html", {"form": form})


@requires_action("VerifyDomainAlias")
@require_http_methods(["GET", "POST"])
def domain_alias_verify(request: HttpRequest) -> HttpResponse:
    """Domain Ownership Verification (the record to publish) > OK: a real DNS query; the message says
    what was found."""
    if request.method == "GET":
        domain_alias = selectors.domain_alias_of(request.user.account)
        if domain_alias is None or domain_alias.is_verified:
            return redirect(ADVANCED)
        return render(request, "security/domain_alias_verify.html", {"domain_alias": domain_alias})
    form = ConfirmForm(request.POST)
    verdict = form.call_service(services.domain_alias_verify, actor=actor_of(request)) if form.is_valid() else None
    if verdict is None:
        for error in form.non_field_errors():
            messages.error(request, error)
    elif verdict.verified:
        messages.success(request, verdict.message)
    else:
        messages.error(request, verdict.message)
    return redirect(ADVANCED)


@requires_action("DeleteDomainAlias")
@require_http_methods(["GET", "POST"])
def domain_alias_delete(request: HttpRequest) -> HttpResponse:
    """Delete, after a confirmation: RAM users stop logging on with the alias at once."""
    if request.method == "GET":
        domain_alias = selectors.domain_alias_of(request.user.account)
        if domain_alias is None:
            return redirect(ADVANCED)
        return render(request, "security/domain_alias_delete.html", {"domain_alias": domain_alias})
    form = ConfirmForm(request.POST)
    if form.is_valid():
        form.call_service(services.domain_alias_delete, actor=actor_of(request))
    flash_result(request, form, _("The domain alias is deleted."))
    return redirect(ADVANCED)


def _sandbox_only() -> None:
    if not settings.RAMCONSOLE_SANDBOX_DNS:
        raise Http404


@requires_action("ListSandboxDnsRecords")
@require_safe
def dns_records(request: HttpRequest) -> HttpResponse:
    """DNS records (sandbox): the TXT records the sandbox DNS server publishes for this account."""
    _sandbox_only()
    return _dns_records_page(request, SandboxDnsRecordForm())


@requires_action("SetSandboxDnsRecord")
@require_POST
def dns_record_create(request: HttpRequest) -> HttpResponse:
    _sandbox_only()
    form = SandboxDnsRecordForm(request.POST)
    if form.is_valid():
        if form.call_service(services.sandbox_dns_record_create, actor=actor_of(request), **form.cleaned_data):
            messages.success(request, _("The record is published."))
            return redirect("security:dns-records")
    return _dns_records_page(request, form)


def _dns_records_page(request: HttpRequest, form: SandboxDnsRecordForm) -> HttpResponse:
    context = {
        "form": form,
        "page": Paginator(selectors.sandbox_dns_records(account=request.user.account), DNS_RECORDS_PER_PAGE).get_page(
            request.GET.get("page")
        ),
        "query": "",
        "domain_alias": selectors.domain_alias_of(request.user.account),
        "dns_port": settings.RAMCONSOLE_DNS_PORT,
        # A read-only user sees the records; only those who may change them are offered the forms.
        "can_add_record": policy.can(request.user, "SetSandboxDnsRecord"),
        "can_delete_record": policy.can(request.user, "DeleteSandboxDnsRecord"),
    }
    return render(request, "security/dns_records.html", context)


@requires_action("DeleteSandboxDnsRecord")
@require_POST
def dns_record_delete(request: HttpRequest, record_id: int) -> HttpResponse:
    _sandbox_only()
    if not selectors.sandbox_dns_records(account=request.user.account).filter(pk=record_id).exists():
        raise Http404
    form = ConfirmForm(request.POST)
    if form.is_valid():
        form.call_service(services.sandbox_dns_record_delete, actor=actor_of(request), record_id=record_id)
    return redirect("security:dns-records")
