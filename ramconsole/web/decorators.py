"""View guards: who may open a console page is decided by the policy layer, never by the view."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from accounts import selectors as account_selectors
from security import policy
from security.errors import EntityNotExist

if TYPE_CHECKING:
    from accounts.models import Principal

View = Callable[..., HttpResponse]


def requires_action(action: str) -> Callable[[View], View]:
    """Allow the view only to principals that may perform `action` on their own account."""

    def decorate(view: View) -> View:
        @login_required
        @functools.wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not policy.can(request.user, action):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return guarded

    return decorate


def requires_account_member(view: View) -> View:
    """Any signed-in root or RAM user (operators belong to no account)."""

    @login_required
    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.account_id is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


def requires_root(view: View) -> View:
    """Pages of the account's own credentials (login password, Account Protection, Login Mask)."""

    @login_required
    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not policy.is_root(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


def credential_owner(request: HttpRequest, user_id: str | None, action: str) -> Principal:
    """Whose keys or MFA a page manages: a RAM user of the caller's account (named in the URL), or
    the caller itself (the own-credential pages). 404 for anyone else, 403 when `action` is refused."""
    if user_id is None:
        owner = request.user
    else:
        try:
            owner = account_selectors.ram_user_get(account=request.user.account, user_id=user_id)
        except EntityNotExist:
            raise Http404 from None
        if owner.pk == request.user.pk:
            raise Http404  # one's own credentials live under the own-credential pages
    if not policy.can(request.user, action, target=owner):
        raise PermissionDenied
    return owner


def sandbox_only(view: View) -> View:
    """Sandbox pages (clock, outbox, reset, training) exist only in demo mode."""

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.RAMCONSOLE_DEMO_MODE:
            raise Http404
        return view(request, *args, **kwargs)

    return guarded
