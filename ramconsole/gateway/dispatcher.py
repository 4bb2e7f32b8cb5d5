"""The RAM/IMS-compatible OpenAPI endpoint at `/` (RAM-API.md): authenticate the signature, find the
action for (Version, Action), read the parameters it declares into typed values (MissingParameter,
InvalidParameter.<Name>.Format/.Range/.NotSupported), resolve the user it names, authorise, run its
handler, answer JSON. Handlers live in each app's rpc.py and hold no rules: they read typed values
and call the same services as the console."""

from __future__ import annotations

import importlib
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, NamedTuple

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from accesskeys import selectors as key_selectors
from accesskeys import services as key_services
from accesskeys.models import AccessKey
from accounts import selectors as account_selectors
from accounts.actors import Actor
from accounts.models import Principal
from ramconsole.gateway import signatures
from ramconsole.gateway.actions import (
    ACTIONS,
    API_ANSWER,
    BOOLEAN,
    ENUM,
    HOSTS,
    IMS,
    INTEGER,
    LIST,
    RAM,
    TEXT,
    USER_ACCESS_KEY_PARAM,
    Action,
    ApiCall,
    Param,
    Target,
    is_api_request,
)
from ramconsole.gateway.nonces import remember_nonce, require_nonce
from ramconsole.kernel import clock, crypto
from ramconsole.kernel.net import client_ip
from ramconsole.kernel.outages import DATABASE_UNAVAILABLE
from security import events, policy
from security.errors import EntityNotExist, InvalidParameter, RamError
from security.models import Event
from security.policy import GatewayError

logger = logging.getLogger(__name__)

HANDLER_MODULES = ("accounts.rpc", "security.rpc", "accesskeys.rpc", "mfa.rpc", "reports.rpc")
ACS3_REQUIRED_HEADERS = {
    "host",
    "x-acs-action",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
}


def _load_handlers() -> None:
    for module in HANDLER_MODULES:
        importlib.import_module(module)


def _params(request: HttpRequest) -> dict[str, str]:
    """Query and form-body parameters, decoded (blank values kept, `+` as space)."""
    merged = request.GET.dict()
    if request.content_type == "application/x-www-form-urlencoded":
        merged.update(request.POST.dict())
    return merged


class Signed(NamedTuple):
    key: AccessKey
    nonce: str
    at: datetime  # real time of the check: the nonce's
    named_user: Principal | None  # the user `user_name` names, read with the key (None: not found, or not asked)


def _authenticate(
    request: HttpRequest, params: dict[str, str], seen: dict[str, AccessKey], *, user_name: str = ""
) -> Signed:
    """Verify the signature (ACS3 or v1) and return the key and its nonce, not yet stored, and the
    RAM user `user_name` names, read with the key. A key that exists is put in `seen` at once, so a
    refused call is still recorded in the key owner's events."""
    now = clock.phone_now()
    authorization = request.headers.get("Authorization", "")
    if authorization.startswith(signatures.ACS3):
        parts = signatures.parse_acs3_authorization(authorization)
        if parts is None:
            raise GatewayError(_("The Authorization header is malformed."), code="IncompleteSignature")
        key, named_user = _checked_key(parts["Credential"], params, seen, user_name)
        policy.check_api_parameter("SignatureNonce", request.headers.get("x-acs-signature-nonce", ""))
        signed = [name.strip().lower() for name in parts["SignedHeaders"].split(";") if name.strip()]
        if not set(signed) >= ACS3_REQUIRED_HEADERS:
            raise GatewayError(
                _("SignedHeaders must include %(h)s.") % {"h": ", ".join(sorted(ACS3_REQUIRED_HEADERS))},
                code="IncompleteSignature",
            )
        timestamp = request.headers.get("x-acs-date", "")
        policy.check_timestamp(timestamp, now=now)
        hashed_body = signatures.sha256_hex(request.body)
        if not signatures.matches(hashed_body, request.headers.get("x-acs-content-sha256", "")):
            raise GatewayError(_("The x-acs-content-sha256 header does not match the body."), code="InvalidBody")
        string_to_sign = signatures.acs3_string_to_sign(
            method=request.method,
            path=request.path,
            query=request.GET.dict(),
            headers={name: request.headers.get(name, "") for name in signed},
            signed_headers=sorted(signed),
            hashed_body=hashed_body,
        )
        expected = signatures.acs3_signature(crypto.decrypt(key.secret_encrypted), string_to_sign)
        given, nonce = parts["Signature"], request.headers.get("x-acs-signature-nonce", "")
    else:
        for name in ("AccessKeyId", "Signature", "SignatureNonce", "Timestamp"):
            if not params.get(name):
                raise GatewayError(
                    _('The input parameter "%(p)s" that is mandatory for processing this request is not supplied.')
                    % {"p": name},
                    code="MissingParameter",
                )
        if params.get("SignatureMethod", "HMAC-SHA1") != "HMAC-SHA1":
            raise GatewayError(_("Specified signature method is not supported."), code="InvalidSignatureMethod")
        key, named_user = _checked_key(params["AccessKeyId"], params, seen, user_name)
        timestamp = params["Timestamp"]
        policy.check_timestamp(timestamp, now=now)
        string_to_sign = signatures.rpc_string_to_sign(request.method, params)
        expected = signatures.rpc_signature(crypto.decrypt(key.secret_encrypted), string_to_sign)
        given, nonce = params["Signature"], params["SignatureNonce"]
    if not signatures.matches(expected, given):
        # The SDKs split this message at its colon: the server's string to sign follows it.
        raise GatewayError(
            f"Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}",
            code="SignatureDoesNotMatch",
        )
    require_nonce(nonce)
    return Signed(key, nonce, now, named_user)


def _checked_key(
    access_key_id: str, params: dict[str, str], seen: dict[str, AccessKey], user_name: str
) -> tuple[AccessKey, Principal | None]:
    """The key a call names, once its id is fit to look up, and the user `user_name` names if it is
    fit too; then every parameter is checked (NUL, control characters, length:
    security/policy/inputs.py) before the signature or any action reads one. After the lookup, so
    that a refused call is recorded in the key owner's events."""
    policy.check_api_parameter("AccessKeyId", access_key_id)
    named_user = None
    if user_name and policy.input_problem(user_name) is None:
        key, named_user = key_selectors.access_key_and_named_user(access_key_id, user_name)
    else:
        key = key_selectors.access_key_by_id(access_key_id)
    if key is not None:
        seen["key"] = key
    policy.check_key_usable(key)
    policy.check_api_parameters(params)
    return key, named_user


def _missing(name: str) -> InvalidParameter:
    return InvalidParameter(
        _('The input parameter "%(p)s" that is mandatory for processing this request is not supplied.') % {"p": name},
        code="MissingParameter",
    )


def _typed(param: Param, raw: str) -> Any:
    """A present value as its declared type. Booleans arrive as True/true/False/false (the Python
    SDKs send str(bool))."""
    if param.kind == BOOLEAN:
        value = raw.strip().lower()
        if value in ("true", "false"):
            return value == "true"
        raise InvalidParameter(
            _('The parameter - "%(p)s" is not a boolean.') % {"p": param.name},
            code=f"InvalidParameter.{param.name}.Format",
        )
    if param.kind == INTEGER:
        try:
            return int(raw)
        except ValueError:
            raise InvalidParameter(
                _('The parameter - "%(p)s" is not an integer.') % {"p": param.name},
                code=f"InvalidParameter.{param.name}.Format",
            ) from None
    if param.kind == ENUM and raw not in param.choices:
        raise InvalidParameter(
            _('The parameter - "%(p)s" is incorrect.') % {"p": param.name}, code=f"InvalidParameter.{param.name}"
        )
    return raw


def _list_items(param: Param, params: Mapping[str, str]) -> list[Any]:
    """`Name.N` (or `Name.N.<field>`) parameters, in N order: values, or dicts of the fields given."""
    members = "|".join(re.escape(member) for member in param.fields)
    pattern = re.compile(rf"{re.escape(param.name)}\.([1-9][0-9]{{0,8}})" + (rf"\.({members})" if members else ""))
    items: dict[int, Any] = {}
    for name, raw in params.items():
        matched = pattern.fullmatch(name)
        if matched is None:
            continue
        index = int(matched.group(1))
        if param.fields:
            items.setdefault(index, {})[matched.group(2)] = raw
        else:
            items[index] = raw
    return [items[index] for index in sorted(items)]


def _read(param: Param, params: Mapping[str, str]) -> Any:
    """One declared parameter: absent (blank, for a required one, an integer or an enum), it is its
    default or MissingParameter."""
    if param.kind == LIST:
        return _list_items(param, params)
    raw = params.get(param.name)
    if raw is None or (raw == "" and (param.required or param.kind in (INTEGER, ENUM))):
        if param.required:
            raise _missing(param.name)
        return "" if param.default is None and param.kind == TEXT else param.default
    return _typed(param, raw)


def _check_refused(param: Param, value: Any, raw: str | None) -> None:
    """A setting this sandbox does not model is refused, never stored and ignored."""
    if raw is None:
        return
    if param.only is None:
        allowed = raw == ""
    elif param.kind == TEXT:
        allowed = raw.replace(" ", "").lower() == param.only
    else:
        allowed = value == _typed(param, param.only)
    if allowed:
        return
    if param.only is None:
        message = _('The parameter - "%(p)s" is not supported by this sandbox.') % {"p": param.name}
    else:
        message = _('The parameter - "%(p)s" is not supported by this sandbox (only %(v)s).') % {
            "p": param.name,
            "v": param.only,
        }
    raise InvalidParameter(message, code=f"InvalidParameter.{param.name}.NotSupported")


def _read_declared(declared: tuple[Param, ...], params: Mapping[str, str]) -> dict[str, Any]:
    """Every declared parameter read (MissingParameter, .Format, enums) before any is judged
    (.NotSupported, then .Range with the policy layer's wording), each pass in declaration order."""
    values = {param.name: _read(param, params) for param in declared}
    for param in declared:
        if param.refused:
            _check_refused(param, values[param.name], params.get(param.name))
    for param in declared:
        if param.range is not None and values[param.name] is not None:
            minimum, maximum = param.range
            policy.check_ranges(values, {param.name: (minimum, maximum, param.name)})
    return values


def _user_name_to_read_with_key(declared: Action, version: str, params: Mapping[str, str]) -> str:
    """The user name read with the signing key (one query fewer): RAM's UserName of an action on a user."""
    if version == RAM and declared.target in (Target.USER, Target.USER_OR_CALLER):
        return params.get("UserName", "")
    return ""


def _target(declared: Action, call: ApiCall, named_user: Principal | None) -> Principal | None:
    """The principal the call acts on: the RAM user it names (RAM UserName; IMS UserAccessKeyId,
    UserId or UserPrincipalName, in that order), else the caller, when the action allows it."""
    if declared.target is None:
        return None
    if declared.target == Target.CALLER:
        return call.actor.principal
    account, params = call.account, call.params
    if call.is_ims:
        key_id = params.get(USER_ACCESS_KEY_PARAM, "") if declared.by_access_key else ""
        if key_id:
            key = key_selectors.access_key_by_id(key_id)
            if key is None or key.principal.account_id != account.pk or not key.principal.is_ram_user:
                raise EntityNotExist("The user does not exist.", code="EntityNotExist.User")
            return account_selectors.ram_user_get(account=account, user_id=key.principal.user_id)
        if params.get("UserId"):
            return account_selectors.ram_user_get(account=account, user_id=params["UserId"])
        if params.get("UserPrincipalName"):
            principal = account_selectors.principal_for_logon_name(params["UserPrincipalName"])
            if principal is None or principal.account_id != account.pk or not principal.is_ram_user:
                raise EntityNotExist("The user does not exist.", code="EntityNotExist.User")
            return principal
        name_param = "UserPrincipalName"
    else:
        if params.get("UserName"):
            return named_user or account_selectors.ram_user_get_by_name(account=account, name=params["UserName"])
        name_param = "UserName"
    if declared.target == Target.USER:
        raise _missing(name_param)
    return call.actor.principal


def _run(declared: Action, call: ApiCall, named_user: Principal | None) -> dict[str, Any]:
    """Read the declared parameters, resolve the target, authorise, then run the handler."""
    call.values = _read_declared(declared.params, call.params)
    call.target = _target(declared, call, named_user)
    policy.check_allowed(call.actor.principal, declared.permission, target=call.target)
    return declared.handler(call)


def _error_response(error: RamError, *, request_id: str, version: str) -> JsonResponse:
    host = HOSTS.get(version, HOSTS[RAM])
    product = "Ims" if version == IMS else "Ram"
    body = {
        "RequestId": request_id,
        "HostId": host,
        "Code": error.code,
        "Message": error.message,
        "Recommend": f"https://api.aliyun.com/troubleshoot?q={error.code}&product={product}&requestId={request_id}",
    }
    return JsonResponse(body, status=error.http_status, content_type="application/json;charset=utf-8")


class GatewayMiddleware:
    """API calls to `/` go straight to the endpoint: the console's middleware below this one
    (sessions, CSRF, the visitor's language, messages, page headers) has nothing to do with a
    signed call, and passing through it cost each call about a millisecond (benchmarks/RESULTS.md,
    issue 20). The middleware above (error pages, request log, secure headers) still applies."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/" and is_api_request(request):
            with translation.override("en"):  # RAM's codes and messages are English
                return endpoint(request)
        return self.get_response(request)


def _unavailable_response(*, request_id: str, version: str) -> JsonResponse:
    response = _error_response(
        RamError(_("The request has failed due to a temporary failure of the server."), code="ServiceUnavailable"),
        request_id=request_id,
        version=version,
    )
    response.status_code = 503  # temporary, unlike a 500: the same call may succeed later
    return response


@csrf_exempt
def endpoint(request: HttpRequest) -> JsonResponse:
    """POST (or GET) / with Action: one API call."""
    request_id = str(uuid.uuid4()).upper()
    params = _params(request)
    version = request.headers.get("x-acs-version") or params.get("Version", "")
    action = request.headers.get("x-acs-action") or params.get("Action", "")
    source_ip = client_ip(request)
    seen: dict[str, AccessKey] = {}
    actor: Actor | None = None
    # A read's nonce is stored after its handler, with its event in one commit; a change's before it.
    deferred: Signed | None = None
    with events.recorded_during() as recorded:
        try:
            if request.method not in ("GET", "POST"):
                raise GatewayError(_("Only GET and POST are supported."), code="UnsupportedHTTPMethod")
            if version not in HOSTS:
                raise GatewayError(_("Specified parameter Version is not valid."), code="InvalidVersion")
            _load_handlers()
            declared = ACTIONS.get((version, action))
            if declared is None:
                error = GatewayError(
                    _("Specified api is not found, please check your url and method."), code="InvalidAction.NotFound"
                )
                error.http_status = 404
                raise error
            user_name = _user_name_to_read_with_key(declared, version, params)
            signed = _authenticate(request, params, seen, user_name=user_name)
            if policy.changes_nothing(action):
                deferred = signed
            else:
                remember_nonce(signed.key.access_key_id, signed.nonce, signed.at)
            key = signed.key
            owner = key.principal
            actor = Actor(principal=owner, source_ip=source_ip, access_key_id=key.access_key_id)
            key_services.access_key_mark_used(access_key=key)
            call = ApiCall(version=version, action=action, params=params, actor=actor)
            result = _run(declared, call, signed.named_user)
            response = JsonResponse({"RequestId": request_id, **result}, content_type="application/json;charset=utf-8")
            outcome = "Success"
        except RamError as error:
            response = _error_response(error, request_id=request_id, version=version)
            outcome = error.code
        except DATABASE_UNAVAILABLE as error:
            logger.warning("API %s %s: database unavailable (request %s): %s", version, action, request_id, error)
            response = _unavailable_response(request_id=request_id, version=version)
            outcome = "ServiceUnavailable"
        except Exception:
            logger.exception("API %s %s failed (request %s)", version, action, request_id)
            response = _error_response(
                RamError(_("An internal error occurred."), code="InternalError"), request_id=request_id, version=version
            )
            response.status_code = 500
            outcome = "InternalError"
    try:
        _record_call(
            action=action,
            key=seen.get("key"),
            actor=actor,
            source_ip=source_ip,
            outcome=outcome,
            recorded=recorded,
            deferred=deferred,
        )
    except GatewayError as error:  # the deferred nonce was used already: the read is not answered
        response = _error_response(error, request_id=request_id, version=version)
        _record_call(
            action=action, key=seen.get("key"), actor=actor, source_ip=source_ip, outcome=error.code, recorded=[]
        )
    except DATABASE_UNAVAILABLE as error:
        logger.warning(
            "API %s %s: event not recorded, database unavailable (request %s): %s", version, action, request_id, error
        )
        if deferred is not None:
            # A read is answered only once its nonce and event are stored, and neither was.
            response = _unavailable_response(request_id=request_id, version=version)
        # A change that committed stands (it is not refused after the fact); only its event is lost.
    setattr(response, API_ANSWER, True)
    return response


def _record_call(
    *,
    action: str,
    key: AccessKey | None,
    actor: Actor | None,
    source_ip: str | None,
    outcome: str,
    recorded: list[int],
    deferred: Signed | None = None,
) -> None:
    """Every call is an event; a service that already recorded this call's change is not repeated.

    `recorded`: the events this call's own code wrote (one a service wrote and then rolled back no
    longer exists, hence the check). Other calls' events, even of the same account at the same
    moment, do not count. `deferred`: a read's nonce, stored with the event (SignatureNonceUsed
    when it was used already, and then no event is written).
    """
    account = key.principal.account if key is not None else None
    if (
        deferred is None
        and account is not None
        and recorded
        and Event.objects.filter(pk__in=recorded, account=account).exists()
    ):
        return
    fields = dict(
        # An action name that routed nowhere is the caller's text: kept only if fit to store.
        action=action[:64] if action and not policy.has_invalid_chars(action) else "UnknownAction",
        account=account,
        actor=actor.principal if actor else None,
        actor_name=actor.display_name if actor else (key.access_key_id if key else ""),
        source_ip=source_ip,
        result=outcome,
        account_time=clock.now(account),
        detail={"api": True},
    )
    if deferred is None:
        events.record(**fields)
    else:
        remember_nonce(deferred.key.access_key_id, deferred.nonce, deferred.at, event=events.unsaved(**fields))
