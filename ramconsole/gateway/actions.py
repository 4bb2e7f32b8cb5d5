"""The action registry: RAM's two API versions, what each action declares (`Param`, `Target`, its
permission), the call a handler receives (`ApiCall`) and `register`, with which each app's rpc.py
files its handlers under (version, action). The dispatcher reads the declared parameters into typed
values, resolves the user a call names and authorises before a handler runs.

A parameter an action does not declare is not read, as Alibaba Cloud's gateway ignores parameters
an API does not define (help.aliyun.com/document_detail/42117). But every parameter the official
SDKs can send for an action is declared (tests/api/test_sdk_parameters.py): implemented, or
`refused` with `InvalidParameter.<Name>.NotSupported` (README, API section), never ignored."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from django.http import HttpRequest

from accounts.actors import Actor
from accounts.models import Principal
from ramconsole.kernel import clock

RAM = "2015-05-01"
IMS = "2019-08-15"
HOSTS = {RAM: "ram.aliyuncs.com", IMS: "ims.aliyuncs.com"}


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

    def has(self, name: str) -> bool:
        """Whether the call sent `name` at all (an omitted setting keeps its value)."""
        return name in self.params


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

    @property
    def wire_names(self) -> set[str]:
        """Every parameter name this action declares, lists as `Name.N[.field]`."""
        names = {name for param in self.params for name in param.wire_names}
        if self.target in (Target.USER, Target.USER_OR_CALLER):
            names.update(USER_PARAMS[self.version])
            if self.by_access_key and self.version == IMS:
                names.add(USER_ACCESS_KEY_PARAM)
        return names


# The handler of each (version, action), and what it declares.
HANDLERS: dict[tuple[str, str], Handler] = {}
ACTIONS: dict[tuple[str, str], Action] = {}


def register(
    action: str,
    *,
    versions: tuple[str, ...] = (RAM, IMS),
    params: tuple[Param, ...] = (),
    target: Target | None = None,
    by_access_key: bool = False,
    permission: str | None = None,
) -> Callable[[Handler], Handler]:
    """File `handler` under (version, action) for each of `versions`, with its declaration: the
    parameters it reads (each Param filtered by its own versions), the principal it acts on and
    its permission (the action's name unless given), checked with `policy.check_allowed`."""

    def decorate(handler: Handler) -> Handler:
        for version in versions:
            HANDLERS[(version, action)] = handler
            ACTIONS[(version, action)] = Action(
                name=action,
                version=version,
                handler=handler,
                params=tuple(p for p in params if version in p.versions),
                target=target,
                by_access_key=by_access_key,
                permission=permission or action,
            )
        return handler

    return decorate


# Set on every answer the endpoint builds, so the console's error pages never replace one.
API_ANSWER = "ram_api_answer"


def is_api_request(request: HttpRequest) -> bool:
    return "Action" in request.GET or "Action" in request.POST or "x-acs-action" in request.headers
