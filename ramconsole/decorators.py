"""View guards: who may open a console page is decided by the policy layer, never by the view."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from security import policy

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
