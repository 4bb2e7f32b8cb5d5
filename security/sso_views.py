"""SSO Management > User SSO: the account's user-based SSO settings, their Edit panel (the SSO
Settings dialog) and the SP metadata to give the IdP."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.actors import actor_of
from ramconsole.kernel import clock
from ramconsole.web.decorators import requires_action
from security import policy, selectors, services
from security.errors import EntityNotExist
from security.forms import UserSsoSettingsForm


def _acs_url(request: HttpRequest) -> str:
    """The ACS (accounts/sso_views.py): a Response's Destination must be this absolute URL."""
    return request.build_absolute_uri(reverse("accounts:saml-acs"))


@requires_action("GetUserSsoSettings")
@require_safe
def user_sso(request: HttpRequest) -> HttpResponse:
    account = request.user.account
    row = selectors.user_sso_settings_of(account)
    # The stored document passed parse_idp_metadata when it was saved.
    metadata = policy.sso.parse_idp_metadata(row.metadata_document.encode()) if row.metadata_document else None
    context = {
        "sso": row,
        "metadata": metadata,
        "fingerprints": [policy.sso.format_fingerprint(f) for f in metadata.fingerprints] if metadata else [],
        "certificate_expired": bool(metadata) and policy.sso.is_certificate_expired(metadata, clock.now(account)),
        "sp_entity_id": policy.sso.sp_entity_id(account),
        "acs_url": _acs_url(request),
        "domain_alias": selectors.domain_alias_of(account),
        "default_domain": account.default_domain,
        "can_edit": policy.can(request.user, "SetUserSsoSettings"),
    }
    return render(request, "security/user_sso.html", context)


@requires_action("SetUserSsoSettings")
@require_http_methods(["GET", "POST"])
def user_sso_edit(request: HttpRequest) -> HttpResponse:
    """User SSO > Edit: SSO Status, Metadata File, Auxiliary Domain, NameID format, algorithm."""
    current = selectors.user_sso_settings_of(request.user.account)
    form = UserSsoSettingsForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial=UserSsoSettingsForm.initial_from(current),
    )
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        saved = form.call_service(
            services.user_sso_settings_update,
            actor=actor_of(request),
            metadata_xml=cleaned.get("metadata_xml"),
            enabled=cleaned["enabled"],
            auxiliary_domain=cleaned["auxiliary_domain"],
            login_with_domain=cleaned["login_with_domain"],
            authn_sign_algo=cleaned["authn_sign_algo"],
        )
        if saved:
            messages.success(request, _("The user SSO settings are saved."))
            return redirect("security:user-sso")
    return render(
        request, "security/user_sso_form.html", {"form": form, "has_metadata": bool(current.metadata_document)}
    )


@requires_action("GetUserSsoSettings")
@require_safe
def sp_metadata(request: HttpRequest) -> HttpResponse:
    """The SAML SP metadata of this account (entity ID, ACS URL, signing certificate), to give the IdP."""
    try:
        document = services.user_sso_sp_metadata(actor=actor_of(request), acs_url=_acs_url(request))
    except EntityNotExist as missing:
        raise Http404(missing.message) from missing
    response = HttpResponse(document, content_type="application/samlmetadata+xml")
    response["Content-Disposition"] = 'attachment; filename="sp-metadata.xml"'
    return response
