"""AccessKey pages, for a RAM user's keys (administrators) and for the caller's own keys
(the root's Security Settings, a RAM user's Security page when Manage AccessKey is allowed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accesskeys import selectors, services
from accesskeys.forms import AccessKeyDeleteForm, AccessKeyStatusForm
from accesskeys.links import access_key_url
from accounts.actors import actor_of
from ramconsole.kernel import clock
from ramconsole.web.decorators import credential_owner, requires_account_member
from ramconsole.web.forms import flash_result
from security import policy
from security.errors import EntityNotExist, RamError

if TYPE_CHECKING:
    from accesskeys.models import AccessKey
    from accounts.models import Principal


def _key(owner: Principal, access_key_id: str) -> AccessKey:
    try:
        return selectors.access_key_get(owner, access_key_id)
    except EntityNotExist:
        raise Http404 from None


def _home(request: HttpRequest, owner: Principal) -> str:
    if owner.pk != request.user.pk:
        return reverse("accounts:user-detail", args=[owner.user_id])
    if owner.is_root:
        return reverse("security:root-security-settings")
    return reverse("security:self-service")


def _safe_next(request: HttpRequest, candidate: str, fallback: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return fallback


@never_cache
@requires_account_member
@require_POST
def access_key_create(request: HttpRequest, user_id: str | None = None) -> HttpResponse:
    """Create AccessKey: the only response that ever carries the secret."""
    owner = credential_owner(request, user_id, "CreateAccessKey")
    home = _home(request, owner)
    try:
        created = services.access_key_create(actor=actor_of(request), user=owner)
    except RamError as refusal:
        messages.error(request, refusal.console_message)
        return redirect(home)
    close_url = _safe_next(request, request.POST.get("next", ""), home)
    csv_text = f"AccessKey ID,AccessKey Secret\r\n{created.access_key.access_key_id},{created.secret}\r\n"
    return render(
        request,
        "accesskeys/access_key_created.html",
        {"owner": owner, "created": created, "close_url": close_url, "csv_text": csv_text},
    )


@requires_account_member
@require_http_methods(["GET", "POST"])
def access_key_status(request: HttpRequest, access_key_id: str, user_id: str | None = None) -> HttpResponse:
    """Enable acts at once; Disable asks first (GET: the confirmation, whose OK posts here)."""
    owner = credential_owner(request, user_id, "UpdateAccessKey")
    key = _key(owner, access_key_id)
    if request.method == "GET":
        return render(request, "accesskeys/access_key_disable.html", {"key": key, "home": _home(request, owner)})
    form = AccessKeyStatusForm(request.POST)
    back = _safe_next(request, request.POST.get("next", ""), _home(request, owner))
    if form.is_valid():
        form.call_service(
            services.access_key_update_status,
            actor=actor_of(request),
            user=owner,
            access_key_id=access_key_id,
            status=form.cleaned_data["status"],
            # The rotation wizard asks before disabling a key in recent use; the plain button does not.
            recent_use_confirmed=form.cleaned_data["confirm_recent_use"] or not form.cleaned_data["from_wizard"],
        )
    flash_result(request, form, _("The AccessKey %(id)s is updated.") % {"id": access_key_id})
    return redirect(back)


@requires_account_member
@require_http_methods(["GET", "POST"])
def access_key_delete(request: HttpRequest, access_key_id: str, user_id: str | None = None) -> HttpResponse:
    """Delete, behind I am aware of the risk and confirm the deletion; shows the last use first."""
    owner = credential_owner(request, user_id, "DeleteAccessKey")
    key = _key(owner, access_key_id)
    home = _home(request, owner)
    form = AccessKeyDeleteForm(request.POST if request.method == "POST" else None, initial={"next": home})
    if request.method == "POST" and form.is_valid():
        form.call_service(services.access_key_delete, actor=actor_of(request), user=owner, access_key_id=access_key_id)
        if not form.errors:
            messages.success(request, _("The AccessKey %(id)s is deleted.") % {"id": access_key_id})
            return redirect(_safe_next(request, form.cleaned_data["next"], home))
    return render(
        request, "accesskeys/access_key_delete.html", {"form": form, "key": key, "owner": owner, "home": home}
    )


@requires_account_member
@require_safe
def access_key_rotate(request: HttpRequest, access_key_id: str, user_id: str | None = None) -> HttpResponse:
    """Rotate wizard: create the new key, watch it get used, disable the old one, delete it."""
    owner = credential_owner(request, user_id, "UpdateAccessKey")
    old = _key(owner, access_key_id)
    now = clock.now(owner.account)
    others = [k for k in selectors.access_keys_of(owner) if k.pk != old.pk]
    # Only a key created after the old one is its replacement; an older one blocks step 1 (two at most).
    new = next((k for k in others if (k.created_at, k.pk) > (old.created_at, old.pk)), None)
    blocking = next((k for k in others if k is not new), None)
    return render(
        request,
        "accesskeys/access_key_rotate.html",
        {
            "owner": owner,
            "old": old,
            "new": new,
            "blocking": blocking,
            "old_recently_used": policy.was_used_recently(old.last_used_at, now=now),
            "create_url": access_key_url(owner, request.user, "create"),
            "status_url": access_key_url(owner, request.user, "status", old.access_key_id),
            "delete_url": access_key_url(owner, request.user, "delete", old.access_key_id),
            "home": _home(request, owner),
            "now": now,
            "here": request.get_full_path(),
        },
    )
