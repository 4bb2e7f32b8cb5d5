"""User-based SSO's two doors: the ACS, where an IdP's Response is posted (IdP- or SP-initiated), and
the SP-initiated start, which sends the browser to the IdP with a signed AuthnRequest. Every rule is
decided in accounts.services.logon.sso_logon and security/policy/saml.py; these views only carry
the Response in and the session out."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from accounts import pending, selectors
from accounts.services import logon as logon_services
from ramconsole.kernel import clock
from ramconsole.kernel.net import client_ip
from security import policy, saml
from security import services as security_services
from security.errors import LogonRefused
from security.selectors import user_sso_settings_of

# The AuthnRequest IDs this browser was sent to the IdP with (SP-initiated), newest last.
REQUEST_IDS_SESSION_KEY = "saml_request_ids"
MAX_PENDING_REQUESTS = 5


def acs_url(request: HttpRequest) -> str:
    """This server's Assertion Consumer Service URL: the Destination every Response must carry."""
    return request.build_absolute_uri(reverse("accounts:saml-acs"))


def _refused(request: HttpRequest) -> HttpResponse:
    # One page for every refusal: it must not reveal which check failed (the event records it).
    message = _("The SSO logon failed. Contact your administrator, or log on again from your identity provider.")
    return render(request, "accounts/sso_logon_refused.html", {"message": message}, status=403)


@csrf_exempt  # posted cross-site by the IdP's page; the Response's signature authenticates it
@never_cache
@require_POST
def saml_acs(request: HttpRequest) -> HttpResponse:
    response = request.POST.get("SAMLResponse", "")
    if not response:
        return _refused(request)
    try:
        outcome = logon_services.sso_logon(
            saml_response=response,
            acs_url=acs_url(request),
            source_ip=client_ip(request),
            request_ids=tuple(request.session.get(REQUEST_IDS_SESSION_KEY, [])),
        )
    except LogonRefused:
        return _refused(request)
    relay_state = request.POST.get("RelayState", "")
    next_url = relay_state if relay_state.startswith("/") else ""  # a path on this console, nothing else
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    request.session.pop(REQUEST_IDS_SESSION_KEY, None)
    return pending.start_session(request, outcome.principal, next_url=next_url)


@never_cache
@require_safe
def saml_login(request: HttpRequest) -> HttpResponse:
    """SP-initiated: /saml/login/?account=<alias or account ID>[&next=<path>]."""
    account = selectors.account_find(request.GET.get("account", "").strip())
    settings = user_sso_settings_of(account) if account is not None else None
    if settings is None or not settings.enabled or not settings.idp_sso_url:
        # Back to the logon page, whichever it was: an unknown account and SSO off read the same.
        messages.error(request, _("User SSO is not available for this account. Log on with your password."))
        return redirect("accounts:logon")
    private_key, _certificate = security_services.user_sso_sp_key_pair(account)
    request_id = saml.new_request_id()
    request_xml = saml.authn_request_xml(
        request_id=request_id,
        issued_at=clock.now(account),
        sp_entity_id=policy.sso.sp_entity_id(account),
        acs_url=acs_url(request),
        destination=settings.idp_sso_url,
    )
    next_url = request.GET.get("next", "")
    relay_state = next_url if next_url.startswith("/") and not next_url.startswith("//") else ""
    query = saml.redirect_query(
        request_xml=request_xml,
        relay_state=relay_state,
        private_key_pem=private_key,
        sign_algo=settings.authn_sign_algo,
    )
    request_ids = [*request.session.get(REQUEST_IDS_SESSION_KEY, []), request_id][-MAX_PENDING_REQUESTS:]
    request.session[REQUEST_IDS_SESSION_KEY] = request_ids
    separator = "&" if urlsplit(settings.idp_sso_url).query else "?"
    return redirect(f"{settings.idp_sso_url}{separator}{query}")
