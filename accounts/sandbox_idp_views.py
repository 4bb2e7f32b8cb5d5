"""The sandbox identity provider's own pages (demo mode): its metadata, its sign-in page where a
trainee picks the NameID, and its SingleSignOnService for SP-initiated logon. They stand outside the
console (an IdP signs nobody in to it) and are reached through the account's token (accounts.sandbox_idp)."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from accounts import sandbox_idp, selectors
from ramconsole.web.decorators import sandbox_only
from security import selectors as security_selectors

if TYPE_CHECKING:
    from accounts.models import SandboxIdentityProvider

# RelayState is at most 80 bytes in the SAML bindings (saml-bindings-2.0-os, 3.4.3); a little slack.
MAX_RELAY_STATE = 512


class SignInForm(forms.Form):
    name_id = forms.CharField(
        label=gettext_lazy("User name (NameID)"), max_length=sandbox_idp.MAX_NAME_ID_LENGTH, strip=True
    )
    # Carried from an SP-initiated request to the answer, checked again on the way out.
    saml_request = forms.CharField(required=False, widget=forms.HiddenInput)
    binding = forms.ChoiceField(
        required=False, choices=[("", ""), ("redirect", "redirect"), ("post", "post")], widget=forms.HiddenInput
    )
    relay_state = forms.CharField(required=False, max_length=MAX_RELAY_STATE, widget=forms.HiddenInput)

    def clean_name_id(self) -> str:
        try:
            return sandbox_idp.check_name_id(self.cleaned_data["name_id"])
        except sandbox_idp.SandboxIdpRefusal:
            raise forms.ValidationError(_("Enter a user name of printable characters.")) from None


def _idp(token: str) -> SandboxIdentityProvider:
    found = sandbox_idp.identity_provider_by_token(token)
    if found is None:
        raise Http404
    return found


def _acs_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("accounts:saml-acs"))


def _sso_url(request: HttpRequest, idp: SandboxIdentityProvider) -> str:
    return request.build_absolute_uri(reverse("accounts:sandbox-idp-sso", args=[idp.token]))


def _suggested_name_ids(idp: SandboxIdentityProvider) -> list[str]:
    """The account's RAM users, written as the account's SSO settings expect their NameID."""
    account = idp.account
    with_domain = security_selectors.user_sso_settings_of(account).login_with_domain
    names = selectors.ram_user_list(account=account).values_list("name", flat=True)
    return [f"{name}@{account.default_domain}" if with_domain else name for name in names]


def _picker(request: HttpRequest, idp: SandboxIdentityProvider, form: SignInForm, *, status: int = 200) -> HttpResponse:
    context = {"idp": idp, "form": form, "suggested": _suggested_name_ids(idp), "account": idp.account}
    return render(request, "accounts/sandbox_idp_sign_in.html", context, status=status)


def _refused(request: HttpRequest) -> HttpResponse:
    message = _("This sign-in request is not from this sandbox's RAM console, or is malformed.")
    return render(request, "accounts/sandbox_idp_refused.html", {"message": message}, status=400)


@sandbox_only
@require_safe
def idp_metadata(request: HttpRequest, token: str) -> HttpResponse:
    idp = _idp(token)
    answer = HttpResponse(sandbox_idp.metadata_xml(idp, sso_url=_sso_url(request, idp)), content_type="application/xml")
    answer["Content-Disposition"] = f'attachment; filename="sandbox-idp-{idp.account.account_id}.xml"'
    return answer


@sandbox_only
@require_http_methods(["GET", "POST"])
def idp_sign_in(request: HttpRequest, token: str) -> HttpResponse:
    """Pick a NameID and be sent to this server's ACS with a signed Response (IdP-initiated, or the
    answer to the AuthnRequest the form carries)."""
    idp = _idp(token)
    if request.method == "GET":
        return _picker(request, idp, SignInForm())
    form = SignInForm(request.POST)
    if not form.is_valid():
        return _picker(request, idp, form, status=400)
    acs_url, in_response_to = _acs_url(request), None
    if form.cleaned_data["saml_request"]:
        try:
            authn_request = sandbox_idp.parse_authn_request(
                idp,
                form.cleaned_data["saml_request"],
                deflated=form.cleaned_data["binding"] != "post",
                acs_url=acs_url,
            )
        except sandbox_idp.SandboxIdpRefusal:
            return _refused(request)
        in_response_to = authn_request.request_id
    response = sandbox_idp.signed_response(
        idp, name_id=form.cleaned_data["name_id"], acs_url=acs_url, in_response_to=in_response_to
    )
    context = {
        "acs_url": acs_url,
        "saml_response": base64.b64encode(response).decode(),
        "relay_state": form.cleaned_data["relay_state"],
    }
    return render(request, "accounts/sandbox_idp_post.html", context)


@csrf_exempt  # an SP's AuthnRequest (HTTP-POST binding) carries no token of ours; this only shows the picker
@sandbox_only
@require_http_methods(["GET", "POST"])
def idp_sso(request: HttpRequest, token: str) -> HttpResponse:
    """SingleSignOnService: an SP-initiated AuthnRequest (HTTP-Redirect or HTTP-POST), answered after the pick."""
    idp = _idp(token)
    data, binding = (request.GET, "redirect") if request.method == "GET" else (request.POST, "post")
    saml_request, relay_state = data.get("SAMLRequest", ""), data.get("RelayState", "")
    if len(relay_state) > MAX_RELAY_STATE:
        return _refused(request)
    try:
        sandbox_idp.parse_authn_request(idp, saml_request, deflated=binding == "redirect", acs_url=_acs_url(request))
    except sandbox_idp.SandboxIdpRefusal:
        return _refused(request)
    form = SignInForm(initial={"saml_request": saml_request, "binding": binding, "relay_state": relay_state})
    return _picker(request, idp, form)
