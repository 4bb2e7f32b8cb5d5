"""The action registry: RAM's two API versions, what each action declares (`Param`, `Target`, its
permission), the call a handler receives (`ApiCall`) and `register`, with which each app's rpc.py
files its handlers under (version, action). The dispatcher reads the declared parameters into typed
values, resolves the user a call names and authorises before a handler runs.

A parameter an action does not declare is not read (RAM's gateway likewise passes over names that
are not in the action's definition). Every parameter the official SDKs send for an action is
declared: implemented, or `refused`, with `InvalidParameter.<Name>.NotSupported` (README, API)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
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
    """One authenticated call: who, which version, its (decoded, string) parameters, the typed
    values of the parameters its action declares and the principal it acts on (`target`)."""

    version: str
    action: str
    params: dict[str, str]
    actor: Actor
    values: dict[str, Any] = field(default_factory=dict)
    target: Principal | None = None

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


TEXT = "text"
INTEGER = "integer"
BOOLEAN = "boolean"
ENUM = "enum"
LIST = "list"


@dataclass(frozen=True)
class Param:
    """One parameter an action declares, by its wire name.

    `kind`: TEXT, INTEGER, BOOLEAN, ENUM (one of `choices`) or LIST (`Name.N`, or `Name.N.<field>`
    for each of `fields`: a list of dicts in N order). Absent, a parameter reads as `default` ("" for
    TEXT, [] for LIST). `range`: an INTEGER's (minimum, maximum), from the policy layer.
    `refused`: a setting this sandbox does not model: refused unless it has the value `only` (the
    one the sandbox runs with; None: refused whenever it has a value)."""

    name: str
    kind: str = TEXT
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    range: tuple[int, int] | None = None
    fields: tuple[str, ...] = ()
    refused: bool = False
    only: str | None = None
    versions: tuple[str, ...] = (RAM, IMS)

    @property
    def wire_names(self) -> tuple[str, ...]:
        if self.kind != LIST:
            return (self.name,)
        return tuple(f"{self.name}.N.{member}" for member in self.fields) or (f"{self.name}.N",)


def refused(name: str, kind: str = TEXT, *, only: str | None = None, versions: tuple[str, ...] = (RAM, IMS)) -> Param:
    return Param(name, kind, refused=True, only=only, versions=versions)


class Target(Enum):
    """The principal an action acts on, which its permission is checked against."""

    USER = "the user the call names (RAM UserName; IMS UserPrincipalName or UserId), required"
    USER_OR_CALLER = "the user the call names, or the caller when it names none"
    CALLER = "the caller itself (its own password, its own MFA device)"


# The parameters that name the user, per version (IMS GetUser also takes one of its AccessKeys).
USER_PARAMS = {RAM: ("UserName",), IMS: ("UserPrincipalName", "UserId")}
USER_ACCESS_KEY_PARAM = "UserAccessKeyId"


Handler = Callable[[ApiCall], dict[str, Any]]


@dataclass(frozen=True)
class Action:
    """What one (version, action) declares: read by the dispatcher before `handler` runs."""

    name: str
    version: str
    handler: Handler
    params: tuple[Param, ...] = ()
    target: Target | None = None
    by_access_key: bool = False
    permission: str = ""
    declared: bool = field(default=True, compare=False)

    @property
    def wire_names(self) -> set[str]:
        """Every parameter name this action declares, lists as `Name.N[.field]`."""
        names = {name for param in self.params for name in param.wire_names}
        if self.target in (Target.USER, Target.USER_OR_CALLER):
            names.update(USER_PARAMS[self.version])
            if self.by_access_key and self.version == IMS:
                names.add(USER_ACCESS_KEY_PARAM)
        return names


HANDLERS: dict[tuple[str, str], Handler] = {}
ACTIONS: dict[tuple[str, str], Action] = {}


def register(
    action: str,
    *,
    versions: tuple[str, ...] = (RAM, IMS),
    params: tuple[Param, ...] | None = None,
    target: Target | None = None,
    by_access_key: bool = False,
    permission: str | None = None,
) -> Callable[[Handler], Handler]:
    """File `handler` under (version, action) for each of `versions`, with its declaration: the
    parameters it reads (each Param filtered by its own versions), the principal it acts on and
    its permission (the action's name unless given), checked with `policy.check_allowed`.
    `params=None`: not yet declared; the handler reads `call.params` and authorises itself."""

    def decorate(handler: Handler) -> Handler:
        for version in versions:
            HANDLERS[(version, action)] = handler
            ACTIONS[(version, action)] = Action(
                name=action,
                version=version,
                handler=handler,
                params=tuple(p for p in params or () if version in p.versions),
                target=target,
                by_access_key=by_access_key,
                permission=permission or action,
                declared=params is not None,
            )
        return handler

    return decorate


# Set on every answer the endpoint builds, so the console's error pages never replace one.
API_ANSWER = "ram_api_answer"


def is_api_request(request: HttpRequest) -> bool:
    return "Action" in request.GET or "Action" in request.POST or "x-acs-action" in request.headers
