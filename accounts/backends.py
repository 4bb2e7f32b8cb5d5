"""Session authentication for every principal; password authentication for operators only.

Roots and RAM users log on through the console logon pipeline (accounts.services.logon), which the
`authenticate()` hook cannot express; Django admin's form reaches `authenticate()` and so only
operators can use it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.http import HttpRequest

from accounts import selectors
from accounts.models import Principal


class LogonNameBackend(BaseBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Principal | None:
        operator = Principal.objects.filter(kind=Principal.Kind.OPERATOR, username=username).first()
        if operator is None:
            Principal().set_password(password)  # same cost either way
            return None
        if operator.check_password(password):
            return operator
        return None

    def get_user(self, user_id: int) -> Principal | None:
        return selectors.principal_with_account(user_id)

    def has_perm(self, user_obj: Principal, perm: str, obj: object = None) -> bool:
        return user_obj.is_superuser and user_obj.kind == Principal.Kind.OPERATOR
