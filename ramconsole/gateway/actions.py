"""The action registry: RAM's two API versions, the call a handler receives (`ApiCall`) and
`register`, with which each app's rpc.py files its handlers under (version, action)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from accesskeys import selectors as key_selectors
from accounts import selectors as account_selectors
from accounts.actors import Actor
from accounts.models import Principal
from ramconsole.kernel import clock
from security.errors import EntityNotExist, InvalidParameter

RAM = "2015-05-01"
IMS = "2019-08-15"
HOSTS = {RAM: "ram.aliyuncs.com", IMS: "ims.aliyuncs.com"}
_TRUE = {"true"}
_FALSE = {"false"}


def format_date(value: datetime | None) -> str:
    return clock.utc_text(value) or ""


@dataclass
class ApiCall:
    """One authenticated call: who, which version, and its (decoded, string) parameters."""

    version: str
    action: str
    params: dict[str, str]
    actor: Actor

    @property
    def is_ims(self) -> bool:
        return self.version == IMS

    @property
    def account(self) -> Any:
        return self.actor.account

    def text(self, name: str, *, required: bool = False, default: str = "") -> str:
        value = self.params.get(name)
        if value is None or (required and value == ""):
            if required:
                raise InvalidParameter(
                    _('The input parameter "%(p)s" that is mandatory for processing this request is not supplied.')
                    % {"p": name},
                    code="MissingParameter",
                )
            return default
        return value

    def has(self, name: str) -> bool:
        return name in self.params

    def boolean(self, name: str, default: bool | None = None) -> bool | None:
        """Booleans arrive as True/true/False/false (Python SDKs send str(bool))."""
        if name not in self.params:
            return default
        value = self.params[name].strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise InvalidParameter(
            _('The parameter - "%(p)s" is not a boolean.') % {"p": name}, code=f"InvalidParameter.{name}.Format"
        )

    def integer(self, name: str, default: int | None = None) -> int | None:
        if name not in self.params or self.params[name] == "":
            return default
        try:
            return int(self.params[name])
        except ValueError:
            raise InvalidParameter(
                _('The parameter - "%(p)s" is not an integer.') % {"p": name}, code=f"InvalidParameter.{name}.Format"
            ) from None

    def max_items(self, *, default: int, maximum: int) -> int:
        """The MaxItems of a paged List/Get action, 1 to `maximum`."""
        value = self.integer("MaxItems", default=default)
        if not 1 <= value <= maximum:
            raise InvalidParameter(
                f'The parameter - "MaxItems" MUST be in the range of 1 and {maximum}.',
                code="InvalidParameter.MaxItems.Range",
            )
        return value

    def user(self, *, required: bool = True, by_access_key: bool = False) -> Principal:
        """The RAM user a call names: UserName (RAM), UserPrincipalName or UserId (IMS).
        Not named and not required: the caller itself (CreateAccessKey, ListAccessKeys, …)."""
        account = self.account
        if self.is_ims:
            upn, user_id = self.params.get("UserPrincipalName", ""), self.params.get("UserId", "")
            key_id = self.params.get("UserAccessKeyId", "") if by_access_key else ""
            if key_id:  # IMS GetUser may name the user by one of its AccessKeys
                key = key_selectors.access_key_by_id(key_id)
                if key is None or key.principal.account_id != account.pk or not key.principal.is_ram_user:
                    raise EntityNotExist("The user does not exist.", code="EntityNotExist.User")
                return account_selectors.ram_user_get(account=account, user_id=key.principal.user_id)
            if user_id:
                return account_selectors.ram_user_get(account=account, user_id=user_id)
            if upn:
                principal = account_selectors.principal_for_logon_name(upn)
                if principal is None or principal.account_id != account.pk or not principal.is_ram_user:
                    raise EntityNotExist("The user does not exist.", code="EntityNotExist.User")
                return principal
            name_param = "UserPrincipalName"
        else:
            name = self.params.get("UserName", "")
            if name:
                return account_selectors.ram_user_get_by_name(account=account, name=name)
            name_param = "UserName"
        if required:
            self.text(name_param, required=True)
        return self.actor.principal


Handler = Callable[[ApiCall], dict[str, Any]]
HANDLERS: dict[tuple[str, str], Handler] = {}


def register(action: str, *, versions: tuple[str, ...] = (RAM, IMS)) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        for version in versions:
            HANDLERS[(version, action)] = handler
        return handler

    return decorate


# Set on every answer the endpoint builds, so the console's error pages never replace one.
API_ANSWER = "ram_api_answer"


def is_api_request(request: HttpRequest) -> bool:
    return "Action" in request.GET or "Action" in request.POST or "x-acs-action" in request.headers
