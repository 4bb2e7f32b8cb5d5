"""Hashing done ahead of a password service's transaction, shared by the password-setting services."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.views.decorators.debug import sensitive_variables

from accounts import selectors
from ramconsole.kernel import hashers
from security import policy
from security.selectors import password_policy_of

T = TypeVar("T")


def hashed_ahead(
    *, new: str | None = None, old: str | None = None, action: str | None = None
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Do a password service's hashing before its transaction (hashers.hashed_ahead: SQLite holds
    its one write lock for the whole transaction): check the `old` password argument against the
    current password; then, unless that failed or the actor may not do `action` (refused requests
    cost one hash at most), hash the `new` one and check it against the identity's history."""

    def decorate(service: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(service)
        @sensitive_variables()
        def run(**kwargs: Any) -> T:
            actor = kwargs.get("actor")
            user = kwargs.get("user") or (actor.principal if actor else None)  # None: a new account's root
            current = [(kwargs.get(old) or "", user.password)] if old is not None and user is not None else []
            with hashers.hashed_ahead(check=current):
                refused = (current and not hashers.check_password(*current[0])) or (
                    action is not None and not policy.can(actor.principal, action, target=user)
                )
                make, check = [], []
                if new is not None and kwargs.get(new) and not refused:
                    make.append(kwargs[new])
                    if user is not None:
                        limit = password_policy_of(user.account).reuse_prevention
                        check += [(kwargs[new], hashed) for hashed in selectors.password_hashes_of(user, limit=limit)]
                with hashers.hashed_ahead(make=make, check=check):
                    return service(**kwargs)

        return run

    return decorate
