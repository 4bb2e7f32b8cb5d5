"""The Verify Identity step of the root's sensitive operations: its Login Password change
(accounts.identity_views) and Turning on Account Protection (mfa.views). Not a page of its own, so
both apps' views use it without importing each other's."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.actors import actor_of
from accounts.services import verification as verification_services
from ramconsole.web.forms import ConfirmForm
from security.forms import VerifyIdentityForm


def verify_identity(request: HttpRequest, *, mfa_available: bool) -> tuple[VerifyIdentityForm, datetime | None]:
    """The Verify Identity step (root password change, Account Protection): Send Code mails a code
    (demo mode: to the Outbox page); Verify now checks the chosen method. Returns when verified."""
    available = {"mfa_available": mfa_available, "email_available": settings.RAMCONSOLE_DEMO_MODE}
    if request.method == "POST" and "send_code" in request.POST and available["email_available"]:
        sender = ConfirmForm(request.POST)
        if sender.is_valid() and sender.call_service(
            verification_services.verification_code_send, actor=actor_of(request)
        ):
            messages.info(request, _("A verification code was sent to the account's email (the Outbox page)."))
        for error in sender.non_field_errors():
            messages.error(request, error)
        return VerifyIdentityForm(initial={"method": "email"}, **available), None
    form = VerifyIdentityForm(request.POST if request.method == "POST" else None, **available)
    if request.method == "POST" and form.is_valid():
        verified_at = form.call_service(
            verification_services.root_identity_verify, actor=actor_of(request), **form.service_arguments()
        )
        return form, verified_at
    return form, None
